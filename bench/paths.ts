import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const benchDir = dirname(fileURLToPath(import.meta.url));
export const repoDir = dirname(benchDir);
export const resultsDir = join(benchDir, 'results');
