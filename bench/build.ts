import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { repoDir } from './paths.js';

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Runs `npm run build` when dist/ is missing or older than src/; returns whether it built. */
export function ensureBuilt(): boolean {
  const marker = join(repoDir, 'dist', 'cli', 'main.js');
  if (existsSync(marker) && statSync(marker).mtimeMs >= newestMtime(join(repoDir, 'src'))) return false;
  process.stderr.write('dist/ is missing or older than src/: npm run build\n');
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: repoDir, stdio: ['ignore', 'inherit', 'inherit'], timeout: 180_000 });
  return true;
}
