import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PushedAuthorizationRequestRecord } from '../../src/ports/pushed-authorization-repository.js';
import type { Storage } from '../../src/ports/storage.js';

let sequence = 0;
const next = (prefix: string) => `${prefix}${++sequence}${Math.random().toString(36).slice(2, 10)}`;

/** Pushed authorization requests (RFC 9126): used once, by their client, within their lifetime; swept after. */
export function pushedAuthorizationContract(storageOf: () => Storage, now: () => number): void {
  const pushed = (overrides: Partial<PushedAuthorizationRequestRecord> = {}): PushedAuthorizationRequestRecord => ({
    uriHash: next('hash'),
    clientId: 'client-a',
    parameters: { response_type: ['code'], scope: ['openid profile'], resource: ['https://a.example', 'https://b.example'] },
    createdAt: now(),
    expiresAt: now() + 60_000,
    consumedAt: null,
    ...overrides,
  });

  test('pushed requests: consumed once, with their parameters whole; of two concurrent uses one wins', async () => {
    const storage = storageOf();
    const record = pushed();
    await storage.pushedAuthorizationRequests.insert(record);
    const [first, second] = await Promise.all([
      storage.pushedAuthorizationRequests.consume(record.uriHash, 'client-a', now()),
      storage.pushedAuthorizationRequests.consume(record.uriHash, 'client-a', now()),
    ]);
    const won = [first, second].filter((use) => use.ok);
    assert.equal(won.length, 1, 'of two concurrent uses one wins');
    const winner = won[0]!;
    assert.ok(winner.ok);
    assert.deepEqual(winner.record, { ...record, consumedAt: now() });
    const loser = [first, second].find((use) => !use.ok);
    assert.deepEqual(loser, { ok: false, refusal: 'used' });
    assert.deepEqual(await storage.pushedAuthorizationRequests.consume(record.uriHash, 'client-a', now()), { ok: false, refusal: 'used' });
  });

  test('pushed requests: another client, an unknown hash or an expired one are refused and change nothing', async () => {
    const storage = storageOf();
    const record = pushed({ expiresAt: now() + 60_000 });
    await storage.pushedAuthorizationRequests.insert(record);
    assert.deepEqual(await storage.pushedAuthorizationRequests.consume(record.uriHash, 'client-b', now()), { ok: false, refusal: 'other_client' });
    assert.deepEqual(await storage.pushedAuthorizationRequests.consume(next('hash'), 'client-a', now()), { ok: false, refusal: 'unknown' });
    assert.deepEqual(await storage.pushedAuthorizationRequests.consume(record.uriHash, 'client-a', now() + 60_000), { ok: false, refusal: 'expired' });
    const used = await storage.pushedAuthorizationRequests.consume(record.uriHash, 'client-a', now() + 59_999);
    assert.equal(used.ok, true, 'the refused uses left it usable within its lifetime');
  });

  test('pushed requests: the sweeper deletes them once expired, and only then', async () => {
    const storage = storageOf();
    const live = pushed({ expiresAt: now() + 60_000 });
    const expired = pushed({ expiresAt: now() + 10 });
    await storage.pushedAuthorizationRequests.insert(live);
    await storage.pushedAuthorizationRequests.insert(expired);
    assert.ok((await storage.pushedAuthorizationRequests.deleteExpired(now() + 10, 100)) >= 1);
    assert.deepEqual(await storage.pushedAuthorizationRequests.consume(expired.uriHash, 'client-a', now()), { ok: false, refusal: 'unknown' });
    assert.equal((await storage.pushedAuthorizationRequests.consume(live.uriHash, 'client-a', now())).ok, true);
  });
}
