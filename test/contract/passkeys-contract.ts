import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PasskeyRecord } from '../../src/ports/passkey-repository.js';
import type { Storage } from '../../src/ports/storage.js';
import { insertUser, nextId } from './records.js';

const next = nextId;

/** The passkeys repository: one credential id per database, owner-scoped changes, a counter that only grows. */
export function passkeysContract(storageOf: () => Storage, now: () => number): void {
  const user = (storage: Storage) => insertUser(storage, now(), { emailVerified: true });

  function passkey(userId: string, overrides: Partial<PasskeyRecord> = {}): PasskeyRecord {
    return {
      id: next('pk_'),
      userId,
      name: 'Laptop',
      credentialId: next('cred'),
      publicKey: 'pQECAyYgASFYIA',
      signCount: 0,
      transports: ['internal', 'hybrid'],
      deviceType: 'singleDevice',
      backedUp: false,
      aaguid: '00000000-0000-0000-0000-000000000000',
      createdAt: now(),
      lastUsedAt: null,
      ...overrides,
    };
  }

  test('passkeys: stored and read back by credential id and by user, oldest first', async () => {
    const storage = storageOf();
    const owner = await user(storage);
    const first = passkey(owner.id, { createdAt: now() - 1000, deviceType: 'multiDevice', backedUp: true });
    const second = passkey(owner.id, { name: 'Phone' });
    assert.equal(await storage.passkeys.insert(second), true);
    assert.equal(await storage.passkeys.insert(first), true);
    assert.deepEqual(await storage.passkeys.findByCredentialId(first.credentialId), first);
    assert.deepEqual(await storage.passkeys.listForUser(owner.id), [first, second]);
    assert.equal(await storage.passkeys.findByCredentialId('unknown'), undefined);
  });

  test('passkeys: a credential id is registered once, whoever registers it again', async () => {
    const storage = storageOf();
    const owner = await user(storage);
    const other = await user(storage);
    const stored = passkey(owner.id);
    assert.equal(await storage.passkeys.insert(stored), true);
    assert.equal(await storage.passkeys.insert(passkey(other.id, { credentialId: stored.credentialId })), false);
    assert.equal((await storage.passkeys.findByCredentialId(stored.credentialId))?.userId, owner.id);
    assert.deepEqual(await storage.passkeys.listForUser(other.id), []);
  });

  test('passkeys: renamed and deleted only by their owner', async () => {
    const storage = storageOf();
    const owner = await user(storage);
    const other = await user(storage);
    const stored = passkey(owner.id);
    await storage.passkeys.insert(stored);
    assert.equal(await storage.passkeys.rename(stored.id, other.id, 'Mine now'), false);
    assert.equal(await storage.passkeys.delete(stored.id, other.id), false);
    assert.equal(await storage.passkeys.rename(stored.id, owner.id, 'Work laptop'), true);
    assert.equal((await storage.passkeys.findByCredentialId(stored.credentialId))?.name, 'Work laptop');
    assert.equal(await storage.passkeys.delete(stored.id, owner.id), true);
    assert.equal(await storage.passkeys.delete(stored.id, owner.id), false);
    assert.equal(await storage.passkeys.findByCredentialId(stored.credentialId), undefined);
  });

  test('passkeys: recordUse moves the counter only forward, and records the time', async () => {
    const storage = storageOf();
    const owner = await user(storage);
    const stored = passkey(owner.id, { signCount: 5 });
    await storage.passkeys.insert(stored);
    assert.equal(await storage.passkeys.recordUse(stored.id, 4, now()), false, 'a counter that went back (a clone)');
    assert.equal(await storage.passkeys.recordUse(stored.id, 5, now()), false, 'the same counter again (a replay)');
    assert.equal(await storage.passkeys.recordUse(stored.id, 6, now() + 10), true);
    const used = await storage.passkeys.findByCredentialId(stored.credentialId);
    assert.equal(used?.signCount, 6);
    assert.equal(used?.lastUsedAt, now() + 10);
    // An authenticator without a counter always reports zero: each use is recorded.
    const counterless = passkey(owner.id);
    await storage.passkeys.insert(counterless);
    assert.equal(await storage.passkeys.recordUse(counterless.id, 0, now()), true);
    assert.equal(await storage.passkeys.recordUse(counterless.id, 0, now()), true);
    assert.equal(await storage.passkeys.recordUse(counterless.id, 3, now()), true);
    assert.equal(await storage.passkeys.recordUse(counterless.id, 0, now()), false, 'back to zero after counting');
  });

  test('passkeys: of ten concurrent uses with one counter value, exactly one is recorded', async () => {
    const storage = storageOf();
    const owner = await user(storage);
    const stored = passkey(owner.id, { signCount: 1 });
    await storage.passkeys.insert(stored);
    const results = await Promise.all(Array.from({ length: 10 }, () => storage.passkeys.recordUse(stored.id, 2, now())));
    assert.equal(results.filter(Boolean).length, 1);
  });

  test("passkeys: deleteForUser removes a user's passkeys, and deleting the user removes them too", async () => {
    const storage = storageOf();
    const owner = await user(storage);
    const other = await user(storage);
    await storage.passkeys.insert(passkey(owner.id));
    await storage.passkeys.insert(passkey(owner.id));
    const kept = passkey(other.id);
    await storage.passkeys.insert(kept);
    assert.equal(await storage.passkeys.deleteForUser(owner.id), 2);
    assert.deepEqual(await storage.passkeys.listForUser(owner.id), []);
    await storage.users.delete(other.id);
    assert.equal(await storage.passkeys.findByCredentialId(kept.credentialId), undefined, 'ON DELETE CASCADE');
  });
}
