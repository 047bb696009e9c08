import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import ts from 'typescript';
import { repoDir } from './paths.js';

/**
 * Turns a self-contained bench server (it imports only packages and node: modules) into plain
 * JavaScript, so that it runs under bare `node`: a tsx loader in the server process would add its
 * own memory and start-up work to the numbers we compare. The output lands in
 * node_modules/.cache/ (ignored by git and lint) so that its imports resolve from node_modules.
 */
export function compileServer(source: string): string {
  const outDir = join(repoDir, 'node_modules', '.cache', 'latchkey-bench');
  mkdirSync(outDir, { recursive: true });
  const output = ts.transpileModule(readFileSync(source, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2023, verbatimModuleSyntax: true },
    fileName: source,
  });
  const file = join(outDir, basename(source).replace(/\.ts$/, '.mjs'));
  writeFileSync(file, output.outputText);
  return file;
}
