#!/usr/bin/env node
// Runs every test file under test/ (or under the paths given) with node:test and tsx.
// Node 20's `--test` does not expand globs, so the files are listed here.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, rmSync, statSync } from 'node:fs';
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

// The server serves the built console (console/dist); build it when it is missing or older than its
// sources, so that `npm ci && npm test` works on a fresh clone.
function newestChange(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((newest, entry) => Math.max(newest, newestChange(join(path, entry))), stat.mtimeMs);
}
const consoleIndex = join('console', 'dist', 'index.html');
const consoleSources = Math.max(
  newestChange(join('console', 'src')),
  newestChange(join('console', 'index.html')),
  newestChange(join('console', 'vite.config.ts')),
);
if (consoleSources > 0 && (!existsSync(consoleIndex) || statSync(consoleIndex).mtimeMs < consoleSources)) {
  console.log(
    existsSync(consoleIndex)
      ? 'note: console/dist is older than console/src: building the console first (npm run build:console).'
      : 'note: console/dist/index.html is missing: building the console first (npm run build:console).',
  );
  const vite = join('node_modules', 'vite', 'bin', 'vite.js');
  const build = spawnSync(process.execPath, [vite, 'build', '--config', join('console', 'vite.config.ts'), '--logLevel', 'warn'], { stdio: 'inherit' });
  if (build.status !== 0) {
    console.error('the console build failed');
    process.exit(build.status ?? 1);
  }
}

// The CLI tests start `latchkey` many times; each start through tsx's loader costs about twice
// what plain JavaScript does. esbuild (which tsx itself uses, so the semantics are the same)
// transpiles src/ to dist-test/ in under a second, on every run, so it is never stale. It sits
// beside dist/ so that paths relative to the module (templates, console/dist) resolve alike.
const testBuild = 'dist-test';
{
  const { build } = await import('esbuild');
  const sources = collectSources('src', []);
  rmSync(testBuild, { recursive: true, force: true });
  await build({ entryPoints: sources, outdir: testBuild, outbase: 'src', format: 'esm', platform: 'node', target: 'node20', logLevel: 'warning' });
  cpSync(join('src', 'ui', 'templates'), join(testBuild, 'ui', 'templates'), { recursive: true });
  cpSync(join('src', 'ui', 'assets'), join(testBuild, 'ui', 'assets'), { recursive: true });
}

function collectSources(path, out) {
  for (const entry of readdirSync(path)) {
    const child = join(path, entry);
    if (statSync(child).isDirectory()) collectSources(child, out);
    else if (child.endsWith('.ts') && !child.endsWith('.d.ts')) out.push(child);
  }
  return out;
}

if (!process.env.LATCHKEY_TEST_POSTGRES_URL) {
  console.log('note: LATCHKEY_TEST_POSTGRES_URL is unset, so the PostgreSQL tests will be skipped (CI sets it).');
}
if (!process.env.LATCHKEY_TEST_REDIS_URL) {
  console.log('note: LATCHKEY_TEST_REDIS_URL is unset, so the Redis tests will be skipped (CI sets it).');
}

const concurrency = process.env.LATCHKEY_TEST_CONCURRENCY ?? '3';
const child = spawn(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...passThrough, ...files], {
  stdio: 'inherit',
  env: { ...process.env, NODE_ENV: 'test', LATCHKEY_TEST_CLI_ENTRY: join(process.cwd(), testBuild, 'cli', 'main.js') },
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
