#!/usr/bin/env node
// Runs every test file under test/ (or under the paths given) with node:test and tsx.
// Node 20's `--test` does not expand globs, so the files are listed here.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const roots = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
const passThrough = process.argv.slice(2).filter((arg) => arg.startsWith('--'));

function collect(path, out) {
  const stat = statSync(path);
  if (stat.isFile()) {
    if (/\.test\.ts$/.test(path)) out.push(path);
    return out;
  }
  for (const entry of readdirSync(path).sort()) {
    if (entry === 'node_modules' || entry.startsWith('.')) continue;
    collect(join(path, entry), out);
  }
  return out;
}

const files = (roots.length > 0 ? roots : ['test']).flatMap((root) => collect(root, [])).map((file) => relative(process.cwd(), file));
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}

if (!process.env.LATCHKEY_TEST_POSTGRES_URL) {
  console.log('note: LATCHKEY_TEST_POSTGRES_URL is unset, so the PostgreSQL tests will be skipped (CI sets it).');
}

const concurrency = process.env.LATCHKEY_TEST_CONCURRENCY ?? '3';
const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...passThrough, ...files],
  { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' } },
);
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
