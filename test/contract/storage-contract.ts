import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { JWK } from 'jose';
import type { StoredSigningKey } from '../../src/ports/signing-key-repository.js';
import type { Storage } from '../../src/ports/storage.js';
import { migrateToLatest, openDatabase, type SqlDatabase } from '../../src/storage/sql/database.js';
import { SqlStorage } from '../../src/storage/sql/sql-storage.js';
import { accountsContract } from './accounts-contract.js';
import { secondFactorsContract } from './second-factors-contract.js';
import { federationContract } from './federation-contract.js';
import { oauthContract } from './oauth-contract.js';
import { passkeysContract } from './passkeys-contract.js';
import { pushedAuthorizationContract } from './pushed-authorization-contract.js';
import { rateLimitContract } from './rate-limit-contract.js';
import { registrationContract } from './registration-contract.js';
import { registryContract } from './registry-contract.js';
import { sessionLogoutContract } from './session-logout-contract.js';

export interface ContractTarget {
  /** A URL of an empty database for this run. */
  url(): Promise<string>;
  cleanup(): Promise<void>;
}

let keyCounter = 0;
function fakeKey(alg: string, createdAt: number, overrides: Partial<StoredSigningKey> = {}): StoredSigningKey {
  keyCounter += 1;
  const kid = `kid-${alg}-${keyCounter}-${Math.random().toString(36).slice(2)}`;
  return {
    kid,
    alg,
    status: 'active',
    publicJwk: { kty: 'OKP', crv: 'Ed25519', x: 'x', kid, alg, use: 'sig' } satisfies JWK,
    privateJwe: `sealed-${kid}`,
    createdAt,
    rotatedAt: null,
    retireAt: null,
    activateAt: null,
    revokedAt: null,
    ...overrides,
  };
}

async function clearAll(database: SqlDatabase): Promise<void> {
  await database.db.deleteFrom('signing_keys').execute();
  await database.db.deleteFrom('settings').execute();
}

/** One storage contract, run unchanged against every database Latchkey supports. */
export function storageContract(name: string, target: ContractTarget, skip: string | false = false): void {
  describe(`storage contract on ${name}`, { skip }, () => {
    let database: SqlDatabase;
    let storage: Storage;
    let now = 1_700_000_000_000;
    const clock = { now: () => now };

    before(async () => {
      database = await openDatabase(await target.url());
      await migrateToLatest(database);
      storage = new SqlStorage(database.db, clock);
    });
    after(async () => {
      await database?.close();
      await target.cleanup();
    });
    beforeEach(async () => {
      now = 1_700_000_000_000;
      await clearAll(database);
    });

    test('migrations are idempotent: a second run applies nothing', async () => {
      assert.deepEqual((await migrateToLatest(database)).applied, []);
    });

    describe('settings', () => {
      test('an unset name reads as undefined', async () => {
        assert.equal(await storage.settings.get('missing'), undefined);
      });

      test('set stores and overwrites', async () => {
        await storage.settings.set('greeting', 'hello');
        await storage.settings.set('greeting', 'hi');
        assert.equal(await storage.settings.get('greeting'), 'hi');
      });

      test('setIfAbsent stores only the first value', async () => {
        assert.equal(await storage.settings.setIfAbsent('once', 'first'), true);
        assert.equal(await storage.settings.setIfAbsent('once', 'second'), false);
        assert.equal(await storage.settings.get('once'), 'first');
      });

      test('ten parallel setIfAbsent calls: exactly one wins', async () => {
        const results = await Promise.all(Array.from({ length: 10 }, (_, index) => storage.settings.setIfAbsent('race', `value-${index}`)));
        assert.equal(results.filter(Boolean).length, 1);
        const winner = results.indexOf(true);
        assert.equal(await storage.settings.get('race'), `value-${winner}`);
      });
    });

    describe('signing keys', () => {
      test('the first active key of an algorithm is stored, a second is refused', async () => {
        const first = fakeKey('ES256', now);
        assert.equal(await storage.signingKeys.insertFirstActive(first), true);
        assert.equal(await storage.signingKeys.insertFirstActive(fakeKey('ES256', now)), false);
        const live = await storage.signingKeys.listLive();
        assert.deepEqual(
          live.map((key) => key.kid),
          [first.kid],
        );
        assert.deepEqual(live[0], first);
      });

      test('parallel first inserts for one algorithm leave exactly one active key', async () => {
        const results = await Promise.all(Array.from({ length: 8 }, () => storage.signingKeys.insertFirstActive(fakeKey('RS256', now))));
        assert.equal(results.filter(Boolean).length, 1);
        assert.equal((await storage.signingKeys.listLive()).length, 1);
      });

      test('each algorithm has its own active key', async () => {
        assert.equal(await storage.signingKeys.insertFirstActive(fakeKey('RS256', now)), true);
        assert.equal(await storage.signingKeys.insertFirstActive(fakeKey('ES256', now)), true);
        assert.equal(await storage.signingKeys.insertFirstActive(fakeKey('EdDSA', now)), true);
        assert.equal((await storage.signingKeys.listLive()).length, 3);
      });

      test('rotate demotes the active key to retiring and activates the new one', async () => {
        const old = fakeKey('RS256', now);
        await storage.signingKeys.insertFirstActive(old);
        now += 1000;
        const fresh = fakeKey('RS256', now);
        const { previousKid } = await storage.signingKeys.rotate(fresh, now, now + 60_000);
        assert.equal(previousKid, old.kid);
        const live = await storage.signingKeys.listLive();
        const byKid = new Map(live.map((key) => [key.kid, key]));
        assert.equal(byKid.get(old.kid)?.status, 'retiring');
        assert.equal(byKid.get(old.kid)?.rotatedAt, now);
        assert.equal(byKid.get(old.kid)?.retireAt, now + 60_000);
        assert.equal(byKid.get(fresh.kid)?.status, 'active');
      });

      test('rotate without an active key just activates the new one', async () => {
        const fresh = fakeKey('ES256', now);
        assert.deepEqual(await storage.signingKeys.rotate(fresh, now, now + 1), { previousKid: null });
        assert.equal((await storage.signingKeys.listLive())[0]?.status, 'active');
      });

      test('parallel rotations leave exactly one active key per algorithm and lose no key', async () => {
        await storage.signingKeys.insertFirstActive(fakeKey('RS256', now));
        const keys = Array.from({ length: 5 }, () => fakeKey('RS256', now));
        await Promise.all(keys.map((key) => storage.signingKeys.rotate(key, now, now + 1000)));
        const live = await storage.signingKeys.listLive();
        assert.equal(live.filter((key) => key.status === 'active').length, 1);
        assert.equal(live.length, 6);
      });

      test('retireDue retires only retiring keys that are due, and erases their private material', async () => {
        const first = fakeKey('RS256', now);
        await storage.signingKeys.insertFirstActive(first);
        const second = fakeKey('RS256', now);
        await storage.signingKeys.rotate(second, now, now + 10_000);
        const third = fakeKey('RS256', now);
        await storage.signingKeys.rotate(third, now + 5000, now + 20_000);

        assert.deepEqual(await storage.signingKeys.retireDue(now + 9_999), []);
        assert.deepEqual(await storage.signingKeys.retireDue(now + 10_000), [first.kid]);
        const live = await storage.signingKeys.listLive();
        assert.deepEqual(live.map((key) => key.kid).sort(), [second.kid, third.kid].sort());
        const all = await storage.signingKeys.listAll();
        const retired = all.find((key) => key.kid === first.kid);
        assert.equal(retired?.status, 'retired');
        assert.equal(retired?.privateJwe, null);
        assert.equal(all.find((key) => key.kid === third.kid)?.status, 'active');
      });

      test('a next key is published, one per algorithm, and becomes active when due, demoting the active one', async () => {
        const active = fakeKey('ES256', now);
        await storage.signingKeys.insertFirstActive(active);
        const next = fakeKey('ES256', now);
        assert.equal(await storage.signingKeys.insertNext(next, now + 60_000), true);
        assert.equal(await storage.signingKeys.insertNext(fakeKey('ES256', now), now + 60_000), false, 'one next key per algorithm');
        const live = await storage.signingKeys.listLive();
        assert.deepEqual(
          live.map((key) => [key.kid, key.status]).sort(),
          [
            [active.kid, 'active'],
            [next.kid, 'next'],
          ].sort(),
        );
        assert.equal(live.find((key) => key.kid === next.kid)?.activateAt, now + 60_000);

        assert.deepEqual(await storage.signingKeys.activateDue(now + 59_999, now + 100_000), []);
        const activations = await Promise.all([
          storage.signingKeys.activateDue(now + 60_000, now + 100_000),
          storage.signingKeys.activateDue(now + 60_000, now + 100_000),
        ]);
        assert.deepEqual(activations.flat(), [{ kid: next.kid, alg: 'ES256', previousKid: active.kid }], 'activated once, whoever asks');
        const after = await storage.signingKeys.listLive();
        assert.equal(after.find((key) => key.kid === next.kid)?.status, 'active');
        assert.deepEqual(
          after.find((key) => key.kid === active.kid),
          { ...active, status: 'retiring', rotatedAt: now + 60_000, retireAt: now + 100_000 },
        );
      });

      test('revoking the active key erases it and puts the replacement in its place; revoking twice does nothing', async () => {
        const active = fakeKey('EdDSA', now);
        await storage.signingKeys.insertFirstActive(active);
        const replacement = fakeKey('EdDSA', now);
        const outcome = await storage.signingKeys.revoke(active.kid, now + 5, replacement);
        assert.equal(outcome?.replaced, true);
        assert.equal(outcome?.revoked.kid, active.kid);
        const all = await storage.signingKeys.listAll();
        assert.deepEqual(
          all.find((key) => key.kid === active.kid),
          { ...active, status: 'revoked', privateJwe: null, revokedAt: now + 5 },
        );
        assert.equal(all.find((key) => key.kid === replacement.kid)?.status, 'active');
        assert.deepEqual(
          (await storage.signingKeys.listLive()).map((key) => key.kid),
          [replacement.kid],
        );
        assert.equal(await storage.signingKeys.revoke(active.kid, now + 6, fakeKey('EdDSA', now)), undefined);
        assert.equal(await storage.signingKeys.revoke('no-such-kid', now + 6, fakeKey('EdDSA', now)), undefined);
      });

      test('revoking a retiring key needs no replacement', async () => {
        const first = fakeKey('RS256', now);
        await storage.signingKeys.insertFirstActive(first);
        const second = fakeKey('RS256', now);
        await storage.signingKeys.rotate(second, now, now + 10_000);
        const unused = fakeKey('RS256', now);
        assert.equal((await storage.signingKeys.revoke(first.kid, now + 1, unused))?.replaced, false);
        assert.deepEqual(
          (await storage.signingKeys.listLive()).map((key) => key.kid),
          [second.kid],
        );
        assert.equal(
          (await storage.signingKeys.listAll()).some((key) => key.kid === unused.kid),
          false,
        );
      });
    });

    describe('registry', () => {
      registryContract(
        () => storage,
        () => now,
      );
    });

    describe('oauth', () => {
      oauthContract(
        () => storage,
        () => now,
      );
    });

    describe('rate limits', () => {
      rateLimitContract(
        () => storage.rateLimits,
        () => now,
        () => storage.rateLimits,
      );
    });

    describe('accounts', () => {
      accountsContract(
        () => storage,
        () => now,
      );
    });

    describe('second factors', () => {
      secondFactorsContract(
        () => storage,
        () => now,
      );
    });

    describe('passkeys', () => {
      passkeysContract(
        () => storage,
        () => now,
      );
    });

    describe('federation', () => {
      federationContract(
        () => storage,
        () => now,
      );
    });

    describe('pushed authorization requests', () => {
      pushedAuthorizationContract(
        () => storage,
        () => now,
      );
    });

    describe('session logout', () => {
      sessionLogoutContract(
        () => storage,
        () => now,
      );
    });

    describe('dynamic client registration', () => {
      registrationContract(
        () => storage,
        () => now,
      );
    });

    describe('transactions', () => {
      test('work that throws writes nothing', async () => {
        await assert.rejects(
          storage.transaction(async (tx) => {
            await tx.settings.set('inside', 'yes');
            await tx.signingKeys.insertFirstActive(fakeKey('RS256', now));
            throw new Error('abort');
          }),
          /abort/,
        );
        assert.equal(await storage.settings.get('inside'), undefined);
        assert.deepEqual(await storage.signingKeys.listLive(), []);
      });

      test('work that completes commits every write', async () => {
        await storage.transaction(async (tx) => {
          await tx.settings.set('a', '1');
          await tx.transaction(async (inner) => inner.settings.set('b', '2'));
        });
        assert.equal(await storage.settings.get('a'), '1');
        assert.equal(await storage.settings.get('b'), '2');
      });
    });
  });
}
