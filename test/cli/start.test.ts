import assert from 'node:assert/strict';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { spawnCli, runCli } from '../support/cli.js';
import { freePort, temporaryDirectory } from '../support/server.js';

async function jwksKids(issuer: string): Promise<string[]> {
  const { keys } = (await (await fetch(`${issuer}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] };
  return keys.map((key) => key.kid).sort();
}

describe('latchkey start on a fresh directory', () => {
  const dir = temporaryDirectory();
  after(() => dir.remove());

  test('first start creates data/, the SQLite database, the secret and three keys, and says where it is', async () => {
    const port = await freePort();
    const issuer = `http://localhost:${port}`;
    const process1 = spawnCli(['start', '--port', String(port), '--issuer', issuer], { cwd: dir.path });
    await process1.waitFor(/Next: /);
    const banner = process1.stderr();
    assert.match(banner, new RegExp(`Issuer:\\s+${issuer}`));
    assert.match(banner, new RegExp(`Discovery:\\s+${issuer}/\\.well-known/openid-configuration`));
    assert.match(banner, /Database:\s+SQLite .*data\/latchkey\.db/);
    assert.match(process1.stdout(), /generated a random secret into the data directory/);

    assert.ok(existsSync(join(dir.path, 'data', 'latchkey.db')));
    const secretMode = statSync(join(dir.path, 'data', 'secret')).mode & 0o777;
    assert.equal(secretMode, 0o600);
    const firstKids = await jwksKids(issuer);
    assert.equal(firstKids.length, 3);

    process1.child.kill('SIGTERM');
    assert.equal(await process1.exited, 0);
    assert.match(process1.stdout(), /"msg":"latchkey stopped"/);

    // A restart reuses the database, the secret and the keys.
    const process2 = spawnCli(['start', '--port', String(port), '--issuer', issuer], { cwd: dir.path });
    await process2.waitFor(/Next: /);
    assert.deepEqual(await jwksKids(issuer), firstKids);
    assert.doesNotMatch(process2.stdout(), /generated a random secret|generated signing key|applied migrations/);
    process2.child.kill('SIGTERM');
    assert.equal(await process2.exited, 0);
  });

  test('SIGTERM lets an in-flight request finish before the process exits', async () => {
    const port = await freePort();
    const server = spawnCli(['start', '--port', String(port), '--host', '127.0.0.1', '--issuer', `http://127.0.0.1:${port}`], {
      cwd: dir.path,
    });
    await server.waitFor(/Next: /);
    // A request whose body is still arriving when the signal lands.
    const socket = connect(port, '127.0.0.1');
    let response = '';
    socket.on('data', (chunk) => (response += chunk.toString()));
    const closed = new Promise((resolve) => socket.on('close', resolve));
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write('POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n{"a"');
    await new Promise((resolve) => setTimeout(resolve, 200));
    server.child.kill('SIGTERM');
    await server.waitFor(/shutting down: finishing in-flight requests/);
    socket.write(':1}');
    await closed;
    assert.match(response, /^HTTP\/1\.1 404/, 'the in-flight request got its answer');
    assert.equal(await server.exited, 0);
  });

  test('a different LATCHKEY_SECRET on restart is refused with a clear message', async () => {
    const result = await runCli(['start', '--port', String(await freePort())], {
      cwd: dir.path,
      env: { LATCHKEY_SECRET: 'this-is-not-the-secret-the-keys-were-sealed-with' },
    });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /LATCHKEY_SECRET is not the secret they were encrypted with/);
  });
});

describe('latchkey start with bad input', () => {
  const dir = temporaryDirectory();
  after(() => dir.remove());

  test('bad config: every problem with path, expected, given and env var; exit 1; nothing started', async () => {
    const result = await runCli(['start', '--port', 'abc'], { cwd: dir.path, env: { LATCHKEY_LOG_LEVEL: 'loud' } });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /Invalid configuration \(2 problems\)/);
    assert.match(
      result.stderr,
      /listen\.port: .*\n\s+expected: an integer from 0 to 65535\n\s+given:\s+abc\n\s+from:\s+flag --listen-port\n\s+env:\s+LATCHKEY_LISTEN_PORT/,
    );
    assert.match(result.stderr, /log\.level: .*\n\s+expected: one of .*\n\s+given:\s+loud\n\s+from:\s+env LATCHKEY_LOG_LEVEL/);
    assert.equal(existsSync(join(dir.path, 'data')), false, 'nothing was created');
  });

  test('an unreachable PostgreSQL is named, with the reason, and the password is not printed', async () => {
    const result = await runCli(['start'], {
      cwd: dir.path,
      env: { LATCHKEY_DATABASE_URL: 'postgres://latchkey:pa55w0rd@127.0.0.1:1/latchkey', LATCHKEY_SECRET: 'x'.repeat(40) },
    });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /latchkey: cannot connect to PostgreSQL latchkey@127\.0\.0\.1:1\/latchkey: ECONNREFUSED/);
    assert.doesNotMatch(result.stderr + result.stdout, /pa55w0rd/);
  });

  test('a SQLite path that cannot be created is named', async () => {
    writeFileSync(join(dir.path, 'a-file'), 'not a directory');
    const result = await runCli(['start'], {
      cwd: dir.path,
      env: { LATCHKEY_DATABASE_URL: 'sqlite:./a-file/sub/latchkey.db', LATCHKEY_SECRET: 'x'.repeat(40) },
    });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /latchkey: cannot open SQLite database .*a-file\/sub\/latchkey\.db: ENOTDIR/);
  });

  test('a port already in use is reported plainly', async () => {
    const port = await freePort();
    const first = spawnCli(['start', '--port', String(port), '--host', '127.0.0.1'], { cwd: dir.path });
    await first.waitFor(/Next: /);
    try {
      const second = await runCli(['start', '--port', String(port), '--host', '127.0.0.1'], { cwd: dir.path });
      assert.equal(second.code, 1);
      assert.match(second.stderr, /EADDRINUSE.*another process is using that port/);
    } finally {
      first.child.kill('SIGTERM');
      await first.exited;
    }
  });
});

describe("latchkey start and the issuer's scheme: https in production, plain http only for localhost development", () => {
  const dir = temporaryDirectory();
  after(() => dir.remove());

  /** The warnings in the JSON log on stdout. */
  function warnings(stdout: string): string[] {
    return stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { level: string; msg: string })
      .filter((entry) => entry.level === 'warn')
      .map((entry) => entry.msg);
  }

  test('an http issuer on a host other than localhost is refused with the setting to change; exit 1; nothing created', async () => {
    const result = await runCli(['start', '--port', String(await freePort()), '--issuer', 'http://auth.example.test'], { cwd: dir.path });
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /Invalid configuration \(1 problem\):\n\s+- issuer: plain http is allowed only for an issuer on localhost, 127\.0\.0\.1 or \[::1\]/,
    );
    assert.match(result.stderr, /set LATCHKEY_HTTP_ALLOW_INSECURE_ISSUER=true \(http\.allowInsecureIssuer\) to start anyway/);
    assert.match(result.stderr, /given:\s+http:\/\/auth\.example\.test\n\s+env:\s+LATCHKEY_ISSUER/);
    assert.doesNotMatch(result.stdout, /latchkey listening/);
    assert.equal(existsSync(join(dir.path, 'data')), false, 'nothing was created');
  });

  test('an http issuer on a loopback host starts, with a warning that names development', async () => {
    const port = await freePort();
    const server = spawnCli(['start', '--port', String(port), '--host', '127.0.0.1', '--issuer', `http://127.0.0.1:${port}`], { cwd: dir.path });
    try {
      await server.waitFor(/Next: /);
      const warned = warnings(server.stdout()).filter((message) => message.includes('plain http'));
      assert.equal(warned.length, 1, server.stdout());
      assert.match(warned[0]!, /development/);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });

  test('with http.allowInsecureIssuer on, an http issuer on another host starts, with a warning', async () => {
    const port = await freePort();
    const server = spawnCli(['start', '--port', String(port), '--host', '127.0.0.1', '--issuer', 'http://auth.example.test'], {
      cwd: dir.path,
      env: { LATCHKEY_HTTP_ALLOW_INSECURE_ISSUER: 'true' },
    });
    try {
      await server.waitFor(/Next: /);
      const warned = warnings(server.stdout()).filter((message) => message.includes('plain http'));
      assert.equal(warned.length, 1, server.stdout());
      assert.match(warned[0]!, /because http\.allowInsecureIssuer is on/);
      assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });
});
