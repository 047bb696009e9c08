import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { compactVerify, createLocalJWKSet, jwtVerify, SignJWT } from 'jose';
import { operatorActor } from '../../src/domain/access/actor.js';
import { KeyEncryption, KeyEncryptionMismatchError } from '../../src/domain/keys/key-encryption.js';
import { rotateSigningKeys } from '../../src/domain/keys/key-rotation.js';
import { SigningKeys, type SigningAlgorithm, type SigningKeysOptions } from '../../src/domain/keys/signing-keys.js';
import { InProcessEvents } from '../../src/ports/domain-events.js';
import { deriveKey } from '../../src/shared/derived-keys.js';
import { migrateToLatest, openDatabase, type SqlDatabase } from '../../src/storage/sql/database.js';
import { SqlStorage } from '../../src/storage/sql/sql-storage.js';

const secret = 'unit-test-secret-unit-test-secret-0123456789';
const options: SigningKeysOptions = { algorithms: ['RS256', 'ES256', 'EdDSA'], retireAfterMs: 60 * 60_000 };

describe('signing keys', () => {
  let database: SqlDatabase;
  let storage: SqlStorage;
  let now = Date.UTC(2026, 0, 1);
  const clock = { now: () => now };
  const service = (serverSecret = secret) =>
    new SigningKeys(storage.signingKeys, storage.settings, new KeyEncryption(deriveKey(serverSecret, 'signing-key-encryption')), clock, options);

  const rotate = (keys: SigningKeys, algorithms: SigningAlgorithm[]) =>
    rotateSigningKeys({ storage, clock, events: new InProcessEvents(), signingKeys: keys }, { actor: operatorActor }, algorithms);

  before(async () => {
    database = await openDatabase('sqlite::memory:');
    await migrateToLatest(database);
    storage = new SqlStorage(database.db, clock);
  });
  after(() => database.close());

  test('initialize creates one active key per algorithm, published with kid, alg and use', async () => {
    const keys = service();
    const { created } = await keys.initialize();
    assert.deepEqual(
      created.map((entry) => entry.alg),
      ['RS256', 'ES256', 'EdDSA'],
    );
    assert.equal(keys.ready, true);
    assert.equal(keys.jwks.keys.length, 3);
    for (const jwk of keys.jwks.keys) {
      assert.ok(jwk.kid && jwk.alg && jwk.use === 'sig');
      assert.equal(jwk.d, undefined, 'no private part is published');
    }
    const rsa = keys.jwks.keys.find((jwk) => jwk.alg === 'RS256')!;
    assert.equal(Buffer.from(rsa.n!, 'base64url').length * 8, 2048, 'RS256 keys are 2048-bit');
  });

  test('a second initialize (a restart) reuses the keys', async () => {
    const before = service();
    await before.initialize();
    const again = service();
    const { created } = await again.initialize();
    assert.deepEqual(created, []);
    assert.deepEqual(again.jwks, before.jwks);
  });

  test('private keys are stored encrypted as compact JWEs (dir, A256GCM), never as plain JWK', async () => {
    const stored = await storage.signingKeys.listLive();
    for (const key of stored) {
      assert.ok(key.privateJwe);
      const header = JSON.parse(Buffer.from(key.privateJwe.split('.')[0]!, 'base64url').toString()) as { alg?: unknown; enc?: unknown };
      assert.equal(header.alg, 'dir');
      assert.equal(header.enc, 'A256GCM');
      assert.doesNotMatch(key.privateJwe, /"d"/);
    }
  });

  test('each active key signs tokens that its published key verifies', async () => {
    const keys = service();
    await keys.initialize();
    const jwks = createLocalJWKSet(keys.jwks);
    for (const alg of ['RS256', 'ES256', 'EdDSA'] as const) {
      const { kid, privateKey } = keys.signingKey(alg);
      const token = await new SignJWT({ sub: 'x' }).setProtectedHeader({ alg, kid }).setIssuedAt().sign(privateKey);
      const { protectedHeader } = await jwtVerify(token, jwks);
      assert.equal(protectedHeader.kid, kid);
    }
  });

  test('a different server secret is refused with a clear error', async () => {
    await assert.rejects(service('another-secret-another-secret-another-secret').initialize(), (error: Error) => {
      assert.ok(error instanceof KeyEncryptionMismatchError);
      assert.match(error.message, /LATCHKEY_SECRET is not the secret they were encrypted with/);
      return true;
    });
  });

  test('a rotated server secret: previous-secret keys are re-encrypted at start, then the previous secret is not needed', async () => {
    const next = 'rotated-secret-rotated-secret-rotated-secret-01';
    const keyFor = (value: string) => deriveKey(value, 'signing-key-encryption');
    const rotated = new SigningKeys(storage.signingKeys, storage.settings, new KeyEncryption(keyFor(next), [keyFor(secret)]), clock, options);
    const before = (await storage.signingKeys.listAll()).filter((key) => key.privateJwe !== null);
    const { created, resealed } = await rotated.initialize();
    assert.deepEqual(created, []);
    assert.equal(resealed, before.length);
    // Without the previous secret, the new one alone opens everything; the old one alone no longer does.
    const alone = service(next);
    assert.deepEqual((await alone.initialize()).resealed, 0);
    assert.equal(alone.jwks.keys.length, rotated.jwks.keys.length);
    await assert.rejects(service().initialize(), KeyEncryptionMismatchError);
    // Back to the original secret, so that the later tests run as before.
    const back = new SigningKeys(storage.signingKeys, storage.settings, new KeyEncryption(keyFor(secret), [keyFor(next)]), clock, options);
    assert.equal((await back.initialize()).resealed, before.length);
  });

  test('a different secret that is not among the previous ones is still refused', async () => {
    const encryption = new KeyEncryption(deriveKey('wrong-secret-wrong-secret-wrong-secret-0', 'signing-key-encryption'), [
      deriveKey('other-secret-other-secret-other-secret-0', 'signing-key-encryption'),
    ]);
    await assert.rejects(new SigningKeys(storage.signingKeys, storage.settings, encryption, clock, options).initialize(), (error: Error) => {
      assert.ok(error instanceof KeyEncryptionMismatchError);
      assert.match(error.message, /neither LATCHKEY_SECRET nor any of LATCHKEY_PREVIOUS_SECRETS/);
      return true;
    });
  });

  test('rotation: the new key signs, the old one stays published until retireAt, then is retired', async () => {
    const keys = service();
    await keys.initialize();
    const oldKid = keys.signingKey('ES256').kid;
    const oldToken = await new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: oldKid }).sign(keys.signingKey('ES256').privateKey);

    const [rotation] = await rotate(keys, ['ES256']);
    assert.equal(rotation?.previousKid, oldKid);
    assert.equal(rotation?.previousRetireAt, now + options.retireAfterMs);
    assert.notEqual(keys.signingKey('ES256').kid, oldKid);
    assert.ok(
      keys.jwks.keys.some((jwk) => jwk.kid === oldKid),
      'old key still published',
    );
    await compactVerify(oldToken, createLocalJWKSet(keys.jwks));

    now += options.retireAfterMs - 1;
    await keys.refresh();
    assert.ok(
      keys.jwks.keys.some((jwk) => jwk.kid === oldKid),
      'published until the last moment',
    );

    now += 1;
    assert.equal(await keys.refresh(), true);
    assert.ok(!keys.jwks.keys.some((jwk) => jwk.kid === oldKid), 'gone once retired');
    const retired = (await storage.signingKeys.listAll()).find((key) => key.kid === oldKid);
    assert.equal(retired?.status, 'retired');
    assert.equal(retired?.privateJwe, null, 'private material erased');
  });

  test('another instance picks up a rotation on refresh without a restart', async () => {
    const serving = service();
    await serving.initialize();
    const before = serving.signingKey('RS256').kid;
    const operator = service();
    await operator.initialize();
    const [rotation] = await rotate(operator, ['RS256']);
    assert.equal(serving.signingKey('RS256').kid, before, 'not yet refreshed');
    assert.equal(await serving.refresh(), true);
    assert.equal(serving.signingKey('RS256').kid, rotation?.kid);
    assert.equal(await serving.refresh(), false, 'nothing changed since');
  });
});
