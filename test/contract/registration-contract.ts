import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultSettings } from '../../src/domain/apps/app-settings.js';
import type { AppRecord } from '../../src/ports/app-repositories.js';
import type { InitialAccessTokenRecord } from '../../src/ports/registration-repositories.js';
import type { Storage } from '../../src/ports/storage.js';
import { nextId } from './records.js';

/** Dynamic client registration: initial access tokens spent one use at a time, and registrations bound to their app. */
export function registrationContract(storageOf: () => Storage, now: () => number): void {
  async function org(storage: Storage) {
    const id = nextId('org_');
    assert.equal(
      await storage.organizations.insert({ id, name: id.toLowerCase(), displayName: 'Org', requireMfa: false, createdAt: now(), updatedAt: now() }),
      true,
    );
    return id;
  }
  function initialToken(orgId: string, overrides: Partial<InitialAccessTokenRecord> = {}): InitialAccessTokenRecord {
    return {
      id: nextId('iat_'),
      orgId,
      name: 'partners',
      tokenHash: nextId('hash'),
      policy: { appTypes: ['web', 'native'], grantTypes: ['authorization_code'], scopes: ['openid'], redirectUriHosts: ['app.example.com', '*.example.org'] },
      maxUses: 2,
      usesLeft: 2,
      createdBy: 'admin@example.com',
      createdAt: now(),
      expiresAt: now() + 3_600_000,
      lastUsedAt: null,
      revokedAt: null,
      ...overrides,
    };
  }
  function app(orgId: string): AppRecord {
    return {
      clientId: nextId('client'),
      orgId,
      ownerUserId: null,
      name: 'Registered',
      description: '',
      type: 'web',
      visibility: 'private',
      status: 'active',
      settings: defaultSettings('web'),
      review: null,
      createdBy: 'dynamic registration',
      createdAt: now(),
      updatedAt: now(),
    };
  }

  test('initial access tokens: round-trip by hash, listed per organization newest first, revoked once', async () => {
    const storage = storageOf();
    const orgId = await org(storage);
    const older = initialToken(orgId, { createdAt: now() - 1000 });
    const newer = initialToken(orgId);
    await storage.initialAccessTokens.insert(older);
    await storage.initialAccessTokens.insert(newer);
    await storage.initialAccessTokens.insert(initialToken(await org(storage)));
    assert.deepEqual(await storage.initialAccessTokens.getByHash(newer.tokenHash), newer);
    assert.equal(await storage.initialAccessTokens.getByHash('unknown'), undefined);
    assert.deepEqual(
      (await storage.initialAccessTokens.listForOrg(orgId)).map((token) => token.id),
      [newer.id, older.id],
    );
    assert.equal(await storage.initialAccessTokens.revoke(newer.id, 'another-org', now()), false, 'only within its organization');
    assert.equal(await storage.initialAccessTokens.revoke(newer.id, orgId, now()), true);
    assert.equal(await storage.initialAccessTokens.revoke(newer.id, orgId, now()), false, 'revoked once');
    assert.equal((await storage.initialAccessTokens.getByHash(newer.tokenHash))?.revokedAt, now());
  });

  test('initial access tokens: each spend takes one use; none is left after the last, nor for an expired or revoked token', async () => {
    const storage = storageOf();
    const orgId = await org(storage);
    const token = initialToken(orgId);
    await storage.initialAccessTokens.insert(token);
    assert.equal((await storage.initialAccessTokens.spend(token.id, now()))?.usesLeft, 1);
    const last = await storage.initialAccessTokens.spend(token.id, now() + 5);
    assert.equal(last?.usesLeft, 0);
    assert.equal(last?.lastUsedAt, now() + 5);
    assert.equal(await storage.initialAccessTokens.spend(token.id, now()), undefined);

    const expiring = initialToken(orgId);
    await storage.initialAccessTokens.insert(expiring);
    assert.equal(await storage.initialAccessTokens.spend(expiring.id, expiring.expiresAt), undefined, 'expired at expiresAt');
    const revoked = initialToken(orgId, { revokedAt: now() });
    await storage.initialAccessTokens.insert(revoked);
    assert.equal(await storage.initialAccessTokens.spend(revoked.id, now()), undefined);
    assert.equal((await storage.initialAccessTokens.getByHash(revoked.tokenHash))?.usesLeft, 2, 'a refused spend changes nothing');
  });

  test('initial access tokens: of concurrent spends of a one-use token in transactions exactly one wins', async () => {
    const storage = storageOf();
    const orgId = await org(storage);
    const token = initialToken(orgId, { maxUses: 1, usesLeft: 1 });
    await storage.initialAccessTokens.insert(token);
    const outcomes = await Promise.all(
      Array.from({ length: 5 }, () => storage.transaction(async (tx) => (await tx.initialAccessTokens.spend(token.id, now())) !== undefined)),
    );
    assert.equal(outcomes.filter(Boolean).length, 1);
    assert.equal((await storage.initialAccessTokens.getByHash(token.tokenHash))?.usesLeft, 0);
  });

  test('initial access tokens: a transaction that rolls back gives the use back', async () => {
    const storage = storageOf();
    const orgId = await org(storage);
    const token = initialToken(orgId, { maxUses: 1, usesLeft: 1 });
    await storage.initialAccessTokens.insert(token);
    await assert.rejects(
      storage.transaction(async (tx) => {
        assert.ok(await tx.initialAccessTokens.spend(token.id, now()));
        throw new Error('app insert failed');
      }),
      /app insert failed/,
    );
    assert.equal((await storage.initialAccessTokens.getByHash(token.tokenHash))?.usesLeft, 1);
  });

  test('initial access tokens go with their organization', async () => {
    const storage = storageOf();
    const orgId = await org(storage);
    const token = initialToken(orgId);
    await storage.initialAccessTokens.insert(token);
    assert.equal(await storage.organizations.delete(orgId), true);
    assert.equal(await storage.initialAccessTokens.getByHash(token.tokenHash), undefined);
  });

  test('client registrations: round-trip, update of token and metadata, gone with their app', async () => {
    const storage = storageOf();
    const orgId = await org(storage);
    const registered = app(orgId);
    await storage.apps.insert(registered);
    const record = {
      clientId: registered.clientId,
      tokenHash: nextId('rat'),
      initialTokenId: null,
      metadata: { contacts: ['ops@example.com'], software_id: 'abc' },
      createdAt: now(),
      updatedAt: now(),
    };
    await storage.clientRegistrations.insert(record);
    assert.deepEqual(await storage.clientRegistrations.get(registered.clientId), record);
    const rotated = { ...record, tokenHash: nextId('rat'), metadata: { software_version: '2' }, updatedAt: now() + 1 };
    const rival = { ...rotated, tokenHash: nextId('rat') };
    const results = await Promise.all([
      storage.clientRegistrations.update(rotated, record.tokenHash),
      storage.clientRegistrations.update(rival, record.tokenHash),
    ]);
    assert.equal(results.filter(Boolean).length, 1, 'of two rotations from the same token one wins');
    assert.deepEqual(await storage.clientRegistrations.get(registered.clientId), results[0] ? rotated : rival);
    assert.equal(await storage.clientRegistrations.update({ ...rotated, clientId: 'missing' }, rotated.tokenHash), false);
    assert.equal(await storage.clientRegistrations.update(rotated, 'stale-hash'), false, 'a stale token rotates nothing');
    assert.equal(await storage.apps.delete(registered.clientId), true);
    assert.equal(await storage.clientRegistrations.get(registered.clientId), undefined, 'deleting the app deletes its registration');
    assert.equal(await storage.clientRegistrations.delete(registered.clientId), false);
  });
}
