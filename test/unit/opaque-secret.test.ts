import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateOpaqueSecret, generateTimeOrderedSecret, isWellFormedSecret, SecretHasher, timeOrderedKey } from '../../src/shared/opaque-secret.js';

test('client secrets carry a type prefix, 256 random bits and a checksum', () => {
  const secret = generateOpaqueSecret('cs');
  assert.match(secret, /^lk_cs_[A-Za-z0-9_-]{43}[A-Za-z0-9_-]{6}$/);
  assert.equal(isWellFormedSecret(secret, 'cs'), true);
  assert.notEqual(generateOpaqueSecret('cs'), secret);
});

test('a changed character fails the checksum; another kind fails the prefix', () => {
  const secret = generateOpaqueSecret('cs');
  const index = 10;
  const flipped = secret.slice(0, index) + (secret[index] === 'A' ? 'B' : 'A') + secret.slice(index + 1);
  assert.equal(isWellFormedSecret(flipped, 'cs'), false);
  assert.equal(isWellFormedSecret(secret, 'pat'), false);
  assert.equal(isWellFormedSecret(secret.slice(0, -1), 'cs'), false);
});

test('the keyed hash verifies the secret, differs per key and is not the secret', () => {
  const secret = generateOpaqueSecret('cs');
  const hasher = new SecretHasher(new Uint8Array(32).fill(1));
  const hash = hasher.hash(secret);
  assert.equal(hasher.matches(secret, hash), true);
  assert.equal(hasher.matches(`${secret}x`, hash), false);
  assert.notEqual(new SecretHasher(new Uint8Array(32).fill(2)).hash(secret), hash);
  assert.ok(!hash.includes(secret.slice(6, 20)));
});

test('time-ordered credentials: same shape, issue time first so that keys sort by it, 200 random bits', () => {
  const hasher = new SecretHasher(new Uint8Array(32).fill(3));
  const earlier = generateTimeOrderedSecret('at', Date.UTC(2026, 10, 24, 12));
  const later = generateTimeOrderedSecret('at', Date.UTC(2026, 10, 24, 12) + 1);
  assert.match(earlier, /^lk_at_[0-9a-z]{9}[A-Za-z0-9_-]{34}[A-Za-z0-9_-]{6}$/);
  assert.equal(isWellFormedSecret(earlier, 'at'), true);
  assert.equal(parseInt(earlier.slice(6, 15), 36), Date.UTC(2026, 10, 24, 12));
  assert.notEqual(generateTimeOrderedSecret('at', Date.UTC(2026, 10, 24, 12)), earlier);
  const [first, second] = [timeOrderedKey(hasher, earlier, 'at'), timeOrderedKey(hasher, later, 'at')];
  assert.ok(first < second, 'keys sort by issue time');
  assert.equal(first, earlier.slice(6, 15) + hasher.hash(earlier));
  assert.ok(!first.includes(earlier.slice(15, 30)), 'the key holds no secret part of the token');
});

test('previous keys: matches() and find() accept what they hashed, only after the current key missed; new hashes use the current key', async () => {
  const secret = generateOpaqueSecret('pat');
  const oldKey = new Uint8Array(32).fill(1);
  const newKey = new Uint8Array(32).fill(2);
  const before = new SecretHasher(oldKey);
  const rotated = new SecretHasher(newKey, [oldKey]);
  const storedBefore = before.hash(secret);
  assert.equal(rotated.hash(secret), new SecretHasher(newKey).hash(secret), 'new hashes use the current key');
  assert.equal(rotated.matches(secret, storedBefore), true);
  assert.equal(new SecretHasher(newKey).matches(secret, storedBefore), false, 'without the previous key it fails');

  const store = new Map([[storedBefore, 'record']]);
  const looked: string[] = [];
  const lookup = (hash: string) => {
    looked.push(hash);
    return Promise.resolve(store.get(hash));
  };
  assert.equal(await rotated.findByHash(secret, lookup), 'record');
  assert.deepEqual(looked, [rotated.hash(secret), storedBefore], 'the current key first, then the previous one');

  looked.length = 0;
  store.set(rotated.hash(secret), 'newer');
  assert.equal(await rotated.findByHash(secret, lookup), 'newer');
  assert.equal(looked.length, 1, 'one lookup when the current key finds it');

  looked.length = 0;
  assert.equal(await new SecretHasher(newKey).findByHash(generateOpaqueSecret('pat'), lookup), undefined);
  assert.equal(looked.length, 1, 'no previous keys: one lookup, as before');

  const found = await rotated.find(lookup, (hasher) => timeOrderedKey(hasher, secret, 'pat'));
  assert.equal(found, undefined);
});
