import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KeyEncryption, KeyEncryptionMismatchError } from '../../src/domain/keys/key-encryption.js';
import { deriveKeys, secretId } from '../../src/runtime/derived-keys.js';

const secretA = 'key-encryption-test-secret-A-0123456789abc';
const secretB = 'key-encryption-test-secret-B-0123456789abc';

test('a value sealed under a previous secret opens with it as a fallback and says which key opened it', async () => {
  const sealed = await deriveKeys(secretA).factorSecretEncryption.seal('totp-secret');
  const rotated = deriveKeys(secretB, [secretA]).factorSecretEncryption;
  assert.deepEqual(await rotated.openWithIndex(sealed), { plaintext: 'totp-secret', keyIndex: 1 });
  assert.deepEqual(await rotated.openWithIndex(await rotated.seal('fresh')), { plaintext: 'fresh', keyIndex: 0 });
  await assert.rejects(deriveKeys(secretB).factorSecretEncryption.open(sealed), KeyEncryptionMismatchError);
  // Each purpose keeps its own key after a rotation too.
  await assert.rejects(deriveKeys(secretB, [secretA]).connectionSecretEncryption.open(sealed), KeyEncryptionMismatchError);
});

test('every previous key must be 256 bits', () => {
  assert.throws(() => new KeyEncryption(new Uint8Array(32), [new Uint8Array(16)]), /256-bit/);
});

test('the secret id is short, stable, differs per secret and is not the secret', () => {
  assert.match(secretId(secretA), /^[0-9a-f]{8}$/);
  assert.equal(secretId(secretA), secretId(secretA));
  assert.notEqual(secretId(secretA), secretId(secretB));
  assert.ok(!secretA.includes(secretId(secretA)));
});
