import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GrantRecord, SessionRecord } from '../../src/ports/oauth-repositories.js';
import type { Storage } from '../../src/ports/storage.js';
import { insertUser, nextId } from './records.js';

/** What ending a session reads and writes: grants by sid, expired sessions, console sessions by sid, an app's outbox entries. */
export function sessionLogoutContract(storageOf: () => Storage, now: () => number): void {
  const grant = async (storage: Storage, overrides: Partial<GrantRecord>): Promise<GrantRecord> => {
    const record: GrantRecord = {
      id: nextId('grant'),
      clientId: 'client',
      userId: 'user',
      orgId: null,
      scope: ['openid'],
      audiences: [],
      sessionSid: null,
      authTime: now(),
      amr: ['pwd'],
      nonce: null,
      redirectUri: null,
      codeHash: null,
      codeChallenge: null,
      codeExpiresAt: null,
      codeConsumedAt: now(),
      refreshHash: null,
      refreshPreviousHash: null,
      refreshGeneration: 0,
      refreshRotatedAt: null,
      refreshExpiresAt: null,
      createdAt: now(),
      expiresAt: now() + 60_000,
      revokedAt: null,
      dpopJkt: null,
      claims: null,
      ...overrides,
    };
    await storage.grants.insert(record);
    return record;
  };

  test("ending a session's grants revokes the online ones of that sid only and names each app once", async () => {
    const storage = storageOf();
    const sid = nextId('sid');
    const online = await grant(storage, { sessionSid: sid, clientId: 'app-b', scope: ['openid', 'email'] });
    const onlineAgain = await grant(storage, { sessionSid: sid, clientId: 'app-b', scope: ['openid'] });
    const offline = await grant(storage, { sessionSid: sid, clientId: 'app-a', scope: ['openid', 'offline_access'] });
    const lookalike = await grant(storage, { sessionSid: sid, clientId: 'app-c', scope: ['offline_access:extra'] });
    const otherSession = await grant(storage, { sessionSid: nextId('sid'), clientId: 'app-d' });
    const noSession = await grant(storage, { sessionSid: null, clientId: 'app-e' });

    assert.deepEqual(await storage.grants.endSession(sid, now()), { clientIds: ['app-a', 'app-b', 'app-c'], revoked: 3 });
    for (const revoked of [online, onlineAgain, lookalike]) assert.notEqual((await storage.grants.get(revoked.id))?.revokedAt, null);
    for (const kept of [offline, otherSession, noSession]) assert.equal((await storage.grants.get(kept.id))?.revokedAt, null);
    assert.deepEqual(await storage.grants.endSession(sid, now()), { clientIds: ['app-a', 'app-b', 'app-c'], revoked: 0 }, 'nothing revoked twice');
    assert.deepEqual(await storage.grants.endSession(nextId('sid'), now()), { clientIds: [], revoked: 0 });
  });

  test('expired sessions are listed oldest first, at most the limit, live ones never', async () => {
    const storage = storageOf();
    const user = await insertUser(storage, now());
    const session = (expiresAt: number): SessionRecord => ({
      idHash: nextId('hash'),
      sid: nextId('sid'),
      userId: user.id,
      authTime: now(),
      amr: ['pwd'],
      createdAt: now() - 10_000,
      expiresAt,
      lastSeenAt: now() - 10_000,
      ip: null,
      userAgent: null,
    });
    const later = session(now() - 1);
    const earlier = session(now() - 5000);
    const live = session(now() + 60_000);
    for (const record of [later, earlier, live]) await storage.sessions.insert(record);
    const expired = await storage.sessions.listExpired(now(), 1000);
    const mine = expired.filter((record) => record.userId === user.id);
    assert.deepEqual(
      mine.map((record) => record.sid),
      [earlier.sid, later.sid],
    );
    assert.equal((await storage.sessions.listExpired(now(), 1)).length, 1);
  });

  test("console sessions end by the sid they signed in with, and no other's", async () => {
    const storage = storageOf();
    const sid = nextId('sid');
    const consoleSession = (overrides: { sid: string | null }) => ({
      idHash: nextId('console'),
      userId: 'user',
      sealedTokens: 'sealed',
      csrfToken: 'csrf',
      accessExpiresAt: now() + 60_000,
      createdAt: now(),
      expiresAt: now() + 60_000,
      ...overrides,
    });
    const mine = consoleSession({ sid });
    const other = consoleSession({ sid: nextId('sid') });
    const before = consoleSession({ sid: null });
    for (const record of [mine, other, before]) await storage.consoleSessions.insert(record);
    assert.equal((await storage.consoleSessions.get(mine.idHash))?.sid, sid);
    assert.equal(await storage.consoleSessions.deleteForSid(sid), 1);
    assert.equal(await storage.consoleSessions.get(mine.idHash), undefined);
    assert.ok(await storage.consoleSessions.get(other.idHash));
    assert.ok(await storage.consoleSessions.get(before.idHash));
  });

  test("an app's outbox entries of a kind, newest first, and no one else's", async () => {
    const storage = storageOf();
    const app = nextId('app');
    const first = nextId('bcl');
    const second = nextId('bcl');
    await storage.transaction(async (tx) => {
      await tx.outbox.enqueue({ id: first, kind: 'backchannel_logout', appId: app, payload: { clientId: app, sub: 'u', sid: 's1' }, createdAt: now() });
      await tx.outbox.enqueue({ id: second, kind: 'backchannel_logout', appId: app, payload: { clientId: app, sub: 'u', sid: 's2' }, createdAt: now() + 1 });
      await tx.outbox.enqueue({ id: nextId('bcl'), kind: 'backchannel_logout', appId: nextId('app'), payload: {}, createdAt: now() });
      await tx.outbox.enqueue({ id: nextId('mail'), kind: 'mail', payload: {}, createdAt: now() });
    });
    const log = await storage.outbox.listForApp(app, 'backchannel_logout', 10);
    assert.deepEqual(
      log.map((entry) => entry.id),
      [second, first],
    );
    assert.equal(log[0]!.appId, app);
    assert.deepEqual(log[0]!.payload, { clientId: app, sub: 'u', sid: 's2' });
    assert.equal((await storage.outbox.listForApp(app, 'mail', 10)).length, 0);
    assert.equal((await storage.outbox.listForApp(app, 'backchannel_logout', 1)).length, 1);
  });
}
