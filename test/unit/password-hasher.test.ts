import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hash, parseOptions } from '@node-rs/argon2';
import { argon2PasswordHasher } from '../../src/runtime/password-hasher.js';

const password = 'correct horse battery staple';
/** argon2id, version 0x13, 19 MiB, 2 passes, 1 lane: OWASP's first recommended configuration. */
const expectedPrefix = '$argon2id$v=19$m=19456,t=2,p=1$';

describe('passwords are hashed with argon2id', () => {
  test('a new hash is argon2id (not argon2i or argon2d), version 19, m=19456, t=2, p=1', async () => {
    const stored = await argon2PasswordHasher.hash(password);
    assert.ok(stored.startsWith(expectedPrefix), stored);
    const options = parseOptions(stored);
    assert.equal(options.algorithm, 2, 'Argon2id');
    assert.deepEqual([options.memoryCost, options.timeCost, options.parallelism], [19_456, 2, 1]);
    assert.ok(options.saltLen >= 16, 'a salt of at least 128 bits');
  });

  test('each hash has its own salt', async () => {
    assert.notEqual(await argon2PasswordHasher.hash(password), await argon2PasswordHasher.hash(password));
  });

  test('the right password verifies; a wrong, empty or differently cased one does not', async () => {
    const stored = await argon2PasswordHasher.hash(password);
    assert.equal(await argon2PasswordHasher.verify(stored, password), true);
    assert.equal(await argon2PasswordHasher.verify(stored, 'correct horse battery stapl'), false);
    assert.equal(await argon2PasswordHasher.verify(stored, ''), false);
    assert.equal(await argon2PasswordHasher.verify(stored, password.toUpperCase()), false);
  });

  test('a hash made with other parameters still verifies, so changing them locks no one out', async () => {
    for (const options of [
      { memoryCost: 8_192, timeCost: 3, parallelism: 1 },
      { memoryCost: 65_536, timeCost: 3, parallelism: 4 },
      { memoryCost: 19_456, timeCost: 1, parallelism: 2 },
    ]) {
      const older = await hash(password, { algorithm: 2, ...options });
      assert.ok(older.startsWith(`$argon2id$v=19$m=${options.memoryCost},t=${options.timeCost},p=${options.parallelism}$`), older);
      assert.equal(await argon2PasswordHasher.verify(older, password), true, older);
      assert.equal(await argon2PasswordHasher.verify(older, 'wrong password'), false, older);
    }
  });

  test('a malformed stored hash is a failed verification, not an error', async () => {
    for (const stored of ['', 'not a hash', '$argon2id$v=19$m=19456,t=2,p=1$', '$2b$10$abcdefghijklmnopqrstuv']) {
      assert.equal(await argon2PasswordHasher.verify(stored, password), false, stored);
    }
  });
});
