import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openDatabase, type SqlDatabase } from '../../src/storage/sql/database.js';
import { SqlStorage } from '../../src/storage/sql/sql-storage.js';
import { queuedMails } from '../support/mailbox.js';
import { runCli, type CliResult } from '../support/cli.js';
import { temporaryDirectory } from '../support/server.js';

const secret = 'users-cli-secret-users-cli-secret-0123456';

function assertOk(result: CliResult): string {
  assert.equal(result.code, 0, `stdout: ${result.stdout}\nstderr: ${result.stderr}`);
  return result.stdout;
}

describe('latchkey users: the administrator actions on the local database', () => {
  const dir = temporaryDirectory('latchkey-cli-users-');
  const cli = (...args: string[]) => runCli(args, { cwd: dir.path, env: { LATCHKEY_SECRET: secret } });
  let database: SqlDatabase;
  let storage: SqlStorage;
  let userId = '';

  before(async () => {
    const created = JSON.parse(assertOk(await cli('users', 'create', '--email', 'Dana@Example.com', '--no-password', '--json'))) as { id: string };
    userId = created.id;
    database = await openDatabase(`sqlite:${join(dir.path, 'data', 'latchkey.db')}`);
    storage = new SqlStorage(database.db, { now: () => Date.now() });
  });
  after(async () => {
    await database?.close();
    dir.remove();
  });

  test('create --no-password mails a link to set one; --no-password with --password-stdin is refused', async () => {
    const [mail] = await queuedMails(storage, 'dana@example.com', 'account-created');
    assert.ok(mail, 'an account-created mail is queued');
    assert.match(mail.variables.link!, /\/account\/reset-password\?token=/);
    const refused = await cli('users', 'create', '--email', 'x@example.com', '--no-password', '--password-stdin');
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /either --no-password or --password-stdin/);
    const made = assertOk(await cli('users', 'create', '--email', 'eve@example.com'));
    assert.match(made, /Mailed eve@example\.com a link to set a password; it is valid for 72 hours/);
  });

  test('list --search finds by email; disable, enable, verify show their state', async () => {
    const listed = assertOk(await cli('users', 'list', '--search', 'dana'));
    assert.match(listed, /dana@example\.com/);
    assert.doesNotMatch(listed, /eve@example\.com/);
    assert.match(assertOk(await cli('users', 'disable', 'dana@example.com')), /Disabled dana@example\.com/);
    assert.match(assertOk(await cli('users', 'show', 'dana@example.com')), /status:\s+disabled since/);
    assert.match(assertOk(await cli('users', 'enable', 'dana@example.com')), /Enabled dana@example\.com/);
    const verified = JSON.parse(assertOk(await cli('users', 'verify', userId, '--json'))) as { emailVerified: boolean; disabled: boolean };
    assert.deepEqual([verified.emailVerified, verified.disabled], [true, false]);
  });

  test('a locked user shows the lock, and unlock lifts it', async () => {
    const user = (await storage.users.get(userId))!;
    await storage.users.update({ ...user, lockedUntil: Date.now() + 15 * 60_000 });
    assert.match(assertOk(await cli('users', 'show', userId)), /locked:\s+until .*latchkey users unlock/);
    assert.match(assertOk(await cli('users', 'unlock', 'dana@example.com')), /Unlocked dana@example\.com/);
    assert.equal((await storage.users.get(userId))!.lockedUntil, null);
    assert.doesNotMatch(assertOk(await cli('users', 'show', userId)), /locked:/);
  });

  test('reset-password queues a 30-minute link', async () => {
    assert.match(assertOk(await cli('users', 'reset-password', 'dana@example.com')), /valid for 30 minutes/);
    const [mail] = await queuedMails(storage, 'dana@example.com', 'reset-password');
    assert.equal(mail?.variables.expiresInMinutes, 30);
  });

  test('sessions lists them; end-sessions ends one with --session, then the rest', async () => {
    const now = Date.now();
    for (const sid of ['sid-one', 'sid-two']) {
      await storage.sessions.insert({
        idHash: `hash-${sid}`,
        sid,
        userId,
        authTime: now,
        amr: ['pwd'],
        createdAt: now,
        expiresAt: now + 3600_000,
        lastSeenAt: now,
        ip: '203.0.113.7',
        userAgent: 'Firefox',
      });
    }
    const listed = assertOk(await cli('users', 'sessions', 'dana@example.com'));
    assert.match(listed, /sid-one/);
    assert.match(listed, /203\.0\.113\.7/);
    assert.match(assertOk(await cli('users', 'end-sessions', 'dana@example.com', '--session', 'sid-one')), /Ended session sid-one/);
    const missing = await cli('users', 'end-sessions', 'dana@example.com', '--session', 'sid-one');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /session sid-one .*not found/);
    assert.match(assertOk(await cli('users', 'end-sessions', 'dana@example.com')), /Ended every session/);
    assert.match(assertOk(await cli('users', 'sessions', 'dana@example.com')), /has no sign-in sessions/);
  });

  test('show prints the two-step state; reset-second-factors removes the factors and mails the user', async () => {
    assert.match(assertOk(await cli('users', 'show', userId)), /two-step: off/);
    const now = Date.now();
    await storage.totpFactors.insert({
      id: 'totp_cli_test',
      userId,
      name: 'Phone',
      sealedSecret: 'sealed',
      lastStep: null,
      createdAt: now,
      confirmedAt: now,
      lastUsedAt: null,
    });
    await storage.recoveryCodes.replace(userId, ['digest-one', 'digest-two'], now);
    assert.match(
      assertOk(await cli('users', 'show', 'dana@example.com')),
      /two-step: on \(1 authenticator app, 2 recovery codes left; `latchkey users reset-second-factors`/,
    );
    assert.match(assertOk(await cli('users', 'list', '--search', 'dana')), /TWO-STEP[\s\S]*dana@example\.com.*\bon\s*$/m);
    const before = (await queuedMails(storage, 'dana@example.com', 'second-factor-changed')).length;
    assert.match(
      assertOk(await cli('users', 'reset-second-factors', 'dana@example.com')),
      /Removed 1 second factor and the recovery codes of dana@example\.com/,
    );
    assert.deepEqual(await storage.totpFactors.listForUser(userId), []);
    assert.equal(await storage.recoveryCodes.countUnused(userId), 0);
    assert.equal((await queuedMails(storage, 'dana@example.com', 'second-factor-changed')).length, before + 1);
    const again = JSON.parse(assertOk(await cli('users', 'reset-second-factors', userId, '--json'))) as {
      removed: number;
      user: { secondFactors: { enabled: boolean } };
    };
    assert.equal(again.removed, 0);
    assert.equal(again.user.secondFactors.enabled, false);
    const unknown = await cli('users', 'reset-second-factors', 'nobody@example.com');
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /not found/i);
  });

  test('delete needs --yes', async () => {
    assert.equal((await cli('users', 'delete', 'eve@example.com')).code, 1);
    assertOk(await cli('users', 'delete', 'eve@example.com', '--yes'));
    assert.equal(await storage.users.getByEmail('eve@example.com'), undefined);
  });
});
