import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AccountTokenRecord } from '../../src/ports/account-tokens.js';
import { emptyProfile, type UserRecord } from '../../src/ports/identity-repositories.js';
import type { SessionRecord } from '../../src/ports/oauth-repositories.js';
import type { Storage } from '../../src/ports/storage.js';
import { insertUser, nextId } from './records.js';

const next = nextId;

/** The account half of the storage contract: the outbox, single-use links, profiles and session lists. */
export function accountsContract(storageOf: () => Storage, now: () => number): void {
  const user = (storage: Storage, overrides: Partial<UserRecord> = {}) => insertUser(storage, now(), overrides);

  function session(userId: string, overrides: Partial<SessionRecord> = {}): SessionRecord {
    return {
      idHash: next('sess'),
      sid: next('sid'),
      userId,
      authTime: now(),
      amr: ['pwd'],
      createdAt: now(),
      expiresAt: now() + 60_000,
      lastSeenAt: now(),
      ip: '192.0.2.1',
      userAgent: 'Test/1.0',
      ...overrides,
    };
  }

  test('users: the profile claims and the lockout are stored and read back', async () => {
    const storage = storageOf();
    const profile = {
      givenName: 'Ada',
      familyName: 'Lovelace',
      picture: 'https://example.com/a.png',
      locale: 'en-GB',
      phoneNumber: '+44 20 7946 0958',
      address: '12 Analytical Row\nLondon N1 9GU\nUnited Kingdom',
    };
    const stored = await user(storage, { profile, lockedUntil: now() + 1000 });
    assert.deepEqual(await storage.users.get(stored.id), stored);
    await storage.users.update({ ...stored, profile: emptyProfile, lockedUntil: null });
    assert.deepEqual((await storage.users.get(stored.id))?.profile, emptyProfile);
    assert.equal((await storage.users.get(stored.id))?.lockedUntil, null);
  });

  test('sessions: listed per user, live only, most recently used first; touched; ended all but one', async () => {
    const storage = storageOf();
    const owner = await user(storage);
    const other = await user(storage);
    const older = session(owner.id, { lastSeenAt: now() - 5000 });
    const newer = session(owner.id, { lastSeenAt: now() - 1000 });
    const expired = session(owner.id, { expiresAt: now() - 1 });
    const foreign = session(other.id);
    for (const record of [older, newer, expired, foreign]) await storage.sessions.insert(record);
    assert.deepEqual(
      (await storage.sessions.listForUser(owner.id, now())).map((s) => s.idHash),
      [newer.idHash, older.idHash],
    );
    assert.deepEqual(await storage.sessions.getByHash(newer.idHash), newer);
    assert.equal(await storage.sessions.touch(older.idHash, now(), now() + 90_000), true);
    assert.deepEqual(
      (await storage.sessions.listForUser(owner.id, now())).map((s) => s.idHash),
      [older.idHash, newer.idHash],
    );
    assert.equal((await storage.sessions.listForUser(owner.id, now()))[0]?.expiresAt, now() + 90_000);
    assert.equal(await storage.sessions.touch(next('gone'), now(), now()), false);
    const ended = await storage.sessions.deleteForUser(owner.id, newer.idHash);
    assert.deepEqual(ended.map((s) => s.idHash).sort(), [older.idHash, expired.idHash].sort());
    assert.deepEqual(
      (await storage.sessions.listForUser(owner.id, now())).map((s) => s.idHash),
      [newer.idHash],
    );
    assert.equal((await storage.sessions.deleteForUser(owner.id)).length, 1);
    assert.equal((await storage.sessions.listForUser(other.id, now())).length, 1, "another user's sessions stay");
  });

  test('account tokens: used once, not after expiry, not for another purpose; revoked per user', async () => {
    const storage = storageOf();
    const owner = await user(storage);
    const token = (overrides: Partial<AccountTokenRecord> = {}): AccountTokenRecord => ({
      tokenHash: next('tok'),
      purpose: 'reset_password',
      userId: owner.id,
      email: owner.email,
      data: { from: 'test' },
      createdAt: now(),
      expiresAt: now() + 1000,
      usedAt: null,
      ...overrides,
    });
    const reset = token();
    await storage.accountTokens.insert(reset);
    assert.deepEqual(await storage.accountTokens.get(reset.tokenHash), reset);
    assert.equal(await storage.accountTokens.consume(reset.tokenHash, 'verify_email', now()), undefined, 'another purpose');
    const [first, second] = await Promise.all([
      storage.accountTokens.consume(reset.tokenHash, 'reset_password', now()),
      storage.accountTokens.consume(reset.tokenHash, 'reset_password', now()),
    ]);
    assert.equal([first, second].filter(Boolean).length, 1, 'one of two concurrent uses wins');
    assert.equal((first ?? second)?.usedAt, now());
    assert.equal(await storage.accountTokens.consume(reset.tokenHash, 'reset_password', now()), undefined, 'used');

    const expiring = token();
    await storage.accountTokens.insert(expiring);
    assert.equal(await storage.accountTokens.consume(expiring.tokenHash, 'reset_password', now() + 1000), undefined, 'expired at expiresAt');

    const [a, b, verify] = [token(), token(), token({ purpose: 'verify_email' })];
    for (const record of [a, b, verify]) await storage.accountTokens.insert(record);
    assert.equal(await storage.accountTokens.revokeForUser(owner.id, 'reset_password', now()), 3, 'a, b and the expiring one');
    assert.equal(await storage.accountTokens.consume(a.tokenHash, 'reset_password', now()), undefined);
    assert.ok(await storage.accountTokens.consume(verify.tokenHash, 'verify_email', now()), 'another purpose stays');

    const setup = token({ purpose: 'setup', userId: null, email: null, expiresAt: now() - 1 });
    await storage.accountTokens.insert(setup);
    assert.ok((await storage.accountTokens.deleteExpired(now(), 100)) >= 1);
    assert.equal(await storage.accountTokens.get(setup.tokenHash), undefined);
  });

  test('outbox: enqueued entries are claimed once, retried after a failure, given up, and swept', async () => {
    const storage = storageOf();
    await storage.outbox.deleteFinished(Number.MAX_SAFE_INTEGER, 10_000);
    for (const entry of await storage.outbox.listPending(10_000)) {
      const [claimed] = await storage.outbox.claimDue('cleanup', entry.nextAttemptAt, now() + 1, 1);
      if (claimed) await storage.outbox.markFailed(claimed.id, 'cleanup', 'cleanup', null, now());
    }
    const ids = [next('out'), next('out'), next('out')];
    for (const [index, id] of ids.entries())
      await storage.outbox.enqueue({ id, kind: 'mail', payload: { to: `${index}@example.com` }, createdAt: now() + index });
    assert.deepEqual(
      (await storage.outbox.listPending(10)).map((e) => e.id),
      ids,
    );

    const [mine, theirs] = await Promise.all([
      storage.outbox.claimDue('a', now() + 10, now() + 5000, 2),
      storage.outbox.claimDue('b', now() + 10, now() + 5000, 2),
    ]);
    const claimed = [...mine, ...theirs].map((e) => e.id).sort();
    assert.deepEqual(claimed, [...ids].sort(), 'every entry claimed by exactly one worker');
    assert.deepEqual(await storage.outbox.claimDue('c', now() + 10, now() + 5000, 10), [], 'leased entries are not claimed again');

    const holder = (id: string) => (mine.some((e) => e.id === id) ? 'a' : 'b');
    const [sent, retried, givenUp] = ids as [string, string, string];
    assert.equal(await storage.outbox.markSent(sent, holder(sent) === 'a' ? 'b' : 'a', now()), false, 'only the holder may finish it');
    assert.equal(await storage.outbox.markSent(sent, holder(sent), now() + 20), true);
    assert.equal(await storage.outbox.markFailed(retried, holder(retried), 'connection refused', now() + 1000, now() + 20), true);
    assert.equal(await storage.outbox.markFailed(givenUp, holder(givenUp), 'mailbox unavailable', null, now() + 20), true);

    const retriedEntry = await storage.outbox.get(retried);
    assert.equal(retriedEntry?.attempts, 1);
    assert.equal(retriedEntry?.lastError, 'connection refused');
    assert.equal((await storage.outbox.get(sent))?.sentAt, now() + 20);
    assert.equal((await storage.outbox.get(givenUp))?.failedAt, now() + 20);
    assert.deepEqual(
      (await storage.outbox.listPending(10)).map((e) => e.id),
      [retried],
    );
    assert.deepEqual(
      (await storage.outbox.listRecent(3)).map((e) => e.id),
      [...ids].reverse(),
      'every state, newest first',
    );

    assert.deepEqual(await storage.outbox.claimDue('c', now() + 999, now() + 5000, 10), [], 'not before its retry time');
    assert.deepEqual(
      (await storage.outbox.claimDue('c', now() + 1000, now() + 5000, 10)).map((e) => e.id),
      [retried],
    );
    assert.deepEqual(
      (await storage.outbox.claimDue('d', now() + 5000, now() + 9000, 10)).map((e) => e.id),
      [retried],
      'an expired lease is claimed again',
    );
    assert.equal(await storage.outbox.markSent(retried, 'c', now() + 5001), false, 'the first worker lost its lease');
    assert.equal(await storage.outbox.markSent(retried, 'd', now() + 5001), true);

    assert.equal(await storage.outbox.deleteFinished(now() + 21, 10), 2, 'the sent and the given-up one, not the one sent later');
    assert.equal(await storage.outbox.get(sent), undefined);
    assert.ok(await storage.outbox.get(retried));
  });

  test('outbox: a claim takes at most its limit, so that other workers share the backlog', async () => {
    const storage = storageOf();
    const ids = Array.from({ length: 12 }, () => next('lim'));
    await storage.transaction(async (tx) => {
      for (const id of ids) await tx.outbox.enqueue({ id, kind: 'mail', payload: { to: `${id}@example.com` }, createdAt: now() });
    });
    const first = await storage.outbox.claimDue('limit-a', now() + 10, now() + 5000, 3);
    assert.equal(first.length, 3);
    const [second, third] = await Promise.all([
      storage.outbox.claimDue('limit-b', now() + 10, now() + 5000, 3),
      storage.outbox.claimDue('limit-c', now() + 10, now() + 5000, 3),
    ]);
    assert.deepEqual([second.length, third.length], [3, 3]);
    assert.equal(new Set([...first, ...second, ...third].map((entry) => entry.id)).size, 9);
    for (const [worker, claimed] of [
      ['limit-a', first],
      ['limit-b', second],
      ['limit-c', third],
    ] as const)
      for (const entry of claimed) await storage.outbox.markSent(entry.id, worker, now() + 10);
    const rest = await storage.outbox.claimDue('limit-d', now() + 10, now() + 5000, 100);
    for (const entry of rest) await storage.outbox.markSent(entry.id, 'limit-d', now() + 10);
  });

  test('outbox: an entry enqueued in a transaction that rolls back is never sent', async () => {
    const storage = storageOf();
    const id = next('out');
    await assert.rejects(
      storage.transaction(async (tx) => {
        await tx.outbox.enqueue({ id, kind: 'mail', payload: {}, createdAt: now() });
        throw new Error('rolled back');
      }),
    );
    assert.equal(await storage.outbox.get(id), undefined);
  });
}
