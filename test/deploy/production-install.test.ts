import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { paths } from '../../src/contracts/paths.js';
import { dockerfileRunEnv, repoRoot } from '../support/deploy.js';
import { freePort, temporaryDirectory } from '../support/server.js';

// What the Dockerfile does, without Docker: build, `npm pack`, unpack the tarball into an empty
// directory, install its production dependencies from the lockfile, start it with the run stage's
// ENV. It fails when package.json "files" leaves out something the server reads at run time, or
// when the server imports a dev dependency.

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], cwd: string, timeoutMs = 120_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: withoutLatchkeyVariables(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} did not finish within ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function runOk(command: string, args: string[], cwd: string): Promise<string> {
  const result = await run(command, args, cwd);
  assert.equal(result.code, 0, `${command} ${args.join(' ')} failed:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

function withoutLatchkeyVariables(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('LATCHKEY_')));
}

async function waitForHealth(origin: string, exited: () => boolean, output: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    assert.ok(!exited(), `the server exited before it answered:\n${output()}`);
    try {
      if ((await fetch(`${origin}${paths.healthz}`)).ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.fail(`no answer from ${origin}${paths.healthz} within 30 s:\n${output()}`);
}

describe('the package installed production-only, as the image does', { timeout: 240_000 }, () => {
  const work = temporaryDirectory('latchkey-package-');
  after(() => work.remove());
  const stage = join(work.path, 'stage');
  const app = join(work.path, 'app');
  const data = join(work.path, 'data');
  let tarball = '';
  let packed: string[] = [];

  test('npm pack holds the built server, its page templates and assets, and the built console', async () => {
    // The build context: what `npm run build` and `npm pack` read. run-tests.mjs has built console/dist.
    mkdirSync(join(stage, 'console'), { recursive: true });
    for (const file of ['package.json', 'package-lock.json', 'README.md', 'LICENSE', '.gitignore', 'bin', 'docs']) {
      cpSync(join(repoRoot, file), join(stage, file), { recursive: true });
    }
    assert.ok(existsSync(join(repoRoot, 'console', 'dist', 'index.html')), 'console/dist is built (scripts/run-tests.mjs builds it)');
    cpSync(join(repoRoot, 'console', 'dist'), join(stage, 'console', 'dist'), { recursive: true });
    // `npm run build` without the console build: tsc, then scripts/copy-assets.mjs, which reads src/ and node_modules/.
    await runOk(
      process.execPath,
      [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(repoRoot, 'tsconfig.build.json'), '--outDir', join(stage, 'dist')],
      stage,
    );
    symlinkSync(join(repoRoot, 'src'), join(stage, 'src'));
    symlinkSync(join(repoRoot, 'node_modules'), join(stage, 'node_modules'));
    await runOk(process.execPath, [join(repoRoot, 'scripts', 'copy-assets.mjs')], stage);
    rmSync(join(stage, 'src'));
    rmSync(join(stage, 'node_modules'));

    const [report] = JSON.parse(await runOk('npm', ['pack', '--json', '--pack-destination', work.path], stage)) as {
      filename: string;
      files: { path: string }[];
    }[];
    tarball = join(work.path, report!.filename);
    packed = report!.files.map((file) => file.path);
    for (const file of [
      'package.json',
      'bin/latchkey.js',
      'dist/cli/main.js',
      'dist/ui/templates/login.eta',
      'dist/ui/assets/latchkey.css',
      'console/dist/index.html',
    ]) {
      assert.ok(packed.includes(file), `the package holds ${file}`);
    }
    assert.deepEqual(
      packed.filter((file) => /^(src|test|scripts|node_modules|data)\//.test(file)),
      [],
      'no sources, tests or local state',
    );
  });

  test('it installs from the lockfile without dev dependencies, and serves discovery, health and the console', async () => {
    assert.ok(tarball, 'the package was packed');
    mkdirSync(app);
    mkdirSync(data);
    await runOk('tar', ['-xzf', tarball, '--strip-components=1', '--no-same-owner', '-C', app], app);
    copyFileSync(join(repoRoot, 'package-lock.json'), join(app, 'package-lock.json'));
    // Install scripts are skipped and better-sqlite3's compiled binding is taken from this checkout
    // (same version from the same lockfile, same Node): compiling it takes minutes without a
    // prebuilt download, and the image build does that part.
    await runOk('npm', ['ci', '--omit=dev', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund'], app);
    const lock = JSON.parse(readFileSync(join(app, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dev?: boolean; hasInstallScript?: boolean }>;
    };
    for (const [location, entry] of Object.entries(lock.packages)) {
      if (!location || entry.dev || !entry.hasInstallScript) continue;
      cpSync(join(repoRoot, location, 'build'), join(app, location, 'build'), { recursive: true });
    }
    for (const devOnly of ['typescript', 'tsx', 'vite', 'react']) assert.ok(!existsSync(join(app, 'node_modules', devOnly)), `${devOnly} is not installed`);

    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    const env = {
      ...withoutLatchkeyVariables(),
      ...dockerfileRunEnv(),
      LATCHKEY_LISTEN_HOST: '127.0.0.1',
      LATCHKEY_LISTEN_PORT: String(port),
      LATCHKEY_ISSUER: origin,
      LATCHKEY_DATA_DIR: data,
      LATCHKEY_DATABASE_URL: `sqlite:${join(data, 'latchkey.db')}`,
    };
    const server = spawn(process.execPath, [join(app, 'bin', 'latchkey.js'), 'start'], { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let exitCode: number | null | undefined;
    server.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    server.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) =>
      server.on('exit', (code) => {
        exitCode = code;
        resolve(code);
      }),
    );
    try {
      await waitForHealth(
        origin,
        () => exitCode !== undefined,
        () => output,
      );
      const discovery = await fetch(`${origin}${paths.openidConfiguration}`);
      assert.equal(discovery.status, 200);
      const metadata = (await discovery.json()) as { issuer: string; jwks_uri: string };
      assert.equal(metadata.issuer, origin);
      const jwks = (await (await fetch(metadata.jwks_uri)).json()) as { keys: unknown[] };
      assert.equal(jwks.keys.length, 3);
      const health = await fetch(`${origin}${paths.healthz}`);
      assert.deepEqual(await health.json(), { status: 'ok' });
      assert.equal((await fetch(`${origin}${paths.readyz}`)).status, 200);
      const consolePage = await fetch(`${origin}${paths.console}/`);
      assert.equal(consolePage.status, 200, 'the built console is in the package');
      assert.match(await consolePage.text(), /<script type="module"[^>]+src="\/console\/assets\//);
      assert.equal((await fetch(`${origin}${paths.stylesheet}`)).status, 200, 'the hosted pages’ assets are in the package');
      // The server never fell back to the TypeScript sources (bin/latchkey.js does when dist/ is missing).
      assert.doesNotMatch(output, /tsx/);
    } finally {
      server.kill('SIGTERM');
      assert.equal(await exited, 0, output);
    }
  });
});
