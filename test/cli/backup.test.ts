import assert from 'node:assert/strict';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { runCli } from '../support/cli.js';
import { temporaryDirectory } from '../support/server.js';

describe('latchkey backup and restore (SQLite)', () => {
  const dir = temporaryDirectory();
  after(() => dir.remove());
  const env = { LATCHKEY_ISSUER: 'http://localhost:3999', LATCHKEY_DATABASE_URL: 'sqlite:./latchkey.db' };
  const cli = (args: string[], extraEnv: Record<string, string> = {}) => runCli(args, { cwd: dir.path, env: { ...env, ...extraEnv } });
  const database = join(dir.path, 'latchkey.db');
  const copy = join(dir.path, 'copy.db');

  test('a backup is a consistent copy; a lost database is restored from it, with its data', async () => {
    const init = await runCli(['init', '--admin-email', 'root@example.test', '--password-stdin'], {
      cwd: dir.path,
      env,
      input: 'a long first-run passphrase\n',
    });
    assert.equal(init.code, 0, init.stderr);
    const backup = await cli(['backup', copy, '--json']);
    assert.equal(backup.code, 0, backup.stderr);
    assert.equal((JSON.parse(backup.stdout) as { backup: string }).backup, copy);
    assert.ok(existsSync(copy));

    for (const file of [database, `${database}-wal`, `${database}-shm`]) rmSync(file, { force: true });
    const restored = await cli(['restore', copy]);
    assert.equal(restored.code, 0, restored.stderr);
    assert.match(restored.stdout, /Restored .*latchkey\.db from .*copy\.db/);
    const users = await cli(['users', 'list', '--json']);
    assert.equal(users.code, 0, users.stderr);
    assert.deepEqual(
      (JSON.parse(users.stdout) as { items: { email: string }[] }).items.map((user) => user.email),
      ['root@example.test'],
    );
  });

  test('nothing is overwritten by accident: an existing backup file, or a live database without --force', async () => {
    const again = await cli(['backup', copy]);
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /exists already/);
    const restore = await cli(['restore', copy]);
    assert.notEqual(restore.code, 0);
    assert.match(restore.stderr, /stop the server and run again with --force/);
    const forced = await cli(['restore', copy, '--force']);
    assert.equal(forced.code, 0, forced.stderr);
  });

  test('a file that is not a Latchkey database is refused and the database is left as it was', async () => {
    const junk = join(dir.path, 'junk.db');
    writeFileSync(junk, 'not a database at all, just some text that is long enough to not be empty');
    const refused = await cli(['restore', junk, '--force']);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /can't be restored: it is not a SQLite database/);
    const users = await cli(['users', 'list', '--json']);
    assert.equal(users.code, 0, users.stderr);
  });

  test('PostgreSQL is pointed to pg_dump', async () => {
    const refused = await cli(['backup', join(dir.path, 'pg.db')], { LATCHKEY_DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test' });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /pg_dump/);
  });
});
