import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { migrations } from '../../src/storage/sql/migrations/index.js';
import { runCli } from '../support/cli.js';
import { createTestDatabase, postgresSkipReason } from '../support/postgres.js';
import { freePort, temporaryDirectory } from '../support/server.js';

const secret = 'cli-test-secret-cli-test-secret-0123456789';

describe('latchkey config', () => {
  const dir = temporaryDirectory();
  after(() => dir.remove());

  test('prints the effective configuration with each source, secrets masked', async () => {
    writeFileSync(join(dir.path, 'latchkey.yaml'), 'listen:\n  port: 4100\n');
    const result = await runCli(['config', '--log-level', 'debug'], {
      cwd: dir.path,
      env: { LATCHKEY_SECRET: secret, LATCHKEY_DATABASE_URL: 'postgres://app:db-pa55@db:5432/lk' },
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /listen\.port\s+4100\s+file .*latchkey\.yaml/);
    assert.match(result.stdout, /log\.level\s+debug\s+flag --log-level/);
    assert.match(result.stdout, /secret\s+\*{8} \(42 characters\)\s+env LATCHKEY_SECRET/);
    assert.match(result.stdout, /database\.url\s+postgres:\/\/app:\*{8}@db:5432\/lk\s+env LATCHKEY_DATABASE_URL/);
    // An issuer left unset follows the listen port.
    assert.match(result.stdout, /issuer\s+http:\/\/localhost:4100\s+default/);
    assert.doesNotMatch(result.stdout, new RegExp(secret));
    assert.doesNotMatch(result.stdout, /db-pa55/);
  });

  test('--json prints the configuration as JSON, secrets masked', async () => {
    const result = await runCli(['config', '--json'], { cwd: dir.path, env: { LATCHKEY_SECRET: secret } });
    assert.equal(result.code, 0, result.stderr);
    const config = JSON.parse(result.stdout) as { listen: { port: number }; secret: string };
    assert.equal(config.listen.port, 4100);
    assert.match(config.secret, /^\*{8}/);
  });

  test('--help lists the commands', async () => {
    const result = await runCli(['--help'], { cwd: dir.path });
    assert.equal(result.code, 0);
    for (const command of ['start', 'migrate', 'config', 'keys']) assert.match(result.stdout, new RegExp(`\\n\\s+${command}\\b`));
  });
});

describe('latchkey migrate and keys on SQLite', () => {
  const dir = temporaryDirectory();
  after(() => dir.remove());
  const env = { LATCHKEY_SECRET: secret };

  test('migrate applies every migration once', async () => {
    const first = await runCli(['migrate', '--json'], { cwd: dir.path, env });
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual((JSON.parse(first.stdout) as { applied: string[] }).applied, Object.keys(migrations));
    const second = await runCli(['migrate'], { cwd: dir.path, env });
    assert.match(second.stdout, /is up to date/);
  });

  test('keys list before the first start says there are none yet', async () => {
    const result = await runCli(['keys', 'list'], { cwd: dir.path, env });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /No signing keys yet/);
  });

  test('keys rotate creates keys and keys list shows them as a table', async () => {
    const rotated = await runCli(['keys', 'rotate'], { cwd: dir.path, env });
    assert.equal(rotated.code, 0, rotated.stderr);
    assert.match(rotated.stdout, /RS256: new key \S+ signs from now on/);
    const listed = await runCli(['keys', 'list'], { cwd: dir.path, env });
    assert.match(listed.stdout, /^KID\s+ALG\s+STATUS\s+CREATED\s+SIGNS FROM\s+ROTATED\s+RETIRES\s+REVOKED/);
    assert.equal(listed.stdout.match(/\bactive\b/g)?.length, 3);
  });

  test('keys revoke withdraws a key and names its replacement; an unknown kid fails with the reason', async () => {
    const before = JSON.parse((await runCli(['keys', 'list', '--json'], { cwd: dir.path, env })).stdout) as {
      keys: { kid: string; alg: string; status: string }[];
    };
    const active = before.keys.find((key) => key.alg === 'EdDSA' && key.status === 'active')!;
    const revoked = await runCli(['keys', 'revoke', active.kid], { cwd: dir.path, env });
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.match(revoked.stdout, new RegExp(`${active.kid} \\(EdDSA\\) is revoked and no longer published; \\S+ signs EdDSA from now on`));
    const after = JSON.parse((await runCli(['keys', 'list', '--json'], { cwd: dir.path, env })).stdout) as { keys: { kid: string; status: string }[] };
    assert.equal(after.keys.find((key) => key.kid === active.kid)?.status, 'revoked');
    const unknown = await runCli(['keys', 'revoke', 'no-such-kid'], { cwd: dir.path, env });
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /signing key was not found/);
  });
});

describe('PostgreSQL from the CLI', { skip: postgresSkipReason }, () => {
  const dir = temporaryDirectory();
  after(() => dir.remove());

  test('start refuses an unmigrated database and names the fix; after `migrate` it starts', async () => {
    const database = await createTestDatabase();
    try {
      const env = { LATCHKEY_DATABASE_URL: database.url, LATCHKEY_SECRET: secret };
      const port = await freePort();
      const refused = await runCli(['start', '--port', String(port)], { cwd: dir.path, env });
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, new RegExp(`pending migration\\(s\\) \\(${Object.keys(migrations).join(', ')}\\); run \`latchkey migrate\``));

      const migrated = await runCli(['migrate'], { cwd: dir.path, env });
      assert.equal(migrated.code, 0, migrated.stderr);
      assert.match(migrated.stdout, /Applied to PostgreSQL/);

      const rotated = await runCli(['keys', 'rotate', '--json'], { cwd: dir.path, env });
      assert.equal(rotated.code, 0, rotated.stderr);
      assert.equal((JSON.parse(rotated.stdout) as { rotated: unknown[] }).rotated.length, 3);
    } finally {
      await database.drop();
    }
  });

  test('a database that does not exist is named', async () => {
    const url = new URL(process.env.LATCHKEY_TEST_POSTGRES_URL!);
    url.pathname = '/latchkey_no_such_database';
    const result = await runCli(['migrate'], { cwd: dir.path, env: { LATCHKEY_DATABASE_URL: url.toString() } });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /cannot connect to PostgreSQL .*latchkey_no_such_database.*does not exist/);
  });
});
