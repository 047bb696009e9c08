import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { SignIn, defaultSignInPolicy } from '../../src/domain/identity/sign-in.js';
import type { PasswordHasher } from '../../src/ports/password-hasher.js';
import { createTestRegistry, plainPasswordHasher, type TestRegistry } from '../support/registry.js';

describe('sign-in throttling per account and per address', () => {
  let t: TestRegistry;
  before(async () => {
    t = await createTestRegistry();
    await t.registry.users.create(t.operator, { email: 'alice@example.com', password: 'right password' });
    await t.registry.users.create(t.operator, { email: 'bob@example.com', password: 'bobs password' });
  });
  after(() => t.close());
  beforeEach(async () => {
    await t.database.db.deleteFrom('rate_limits').execute();
  });

  const signIn = (passwords: PasswordHasher = plainPasswordHasher) => new SignIn(t.storage.users, passwords, t.storage.rateLimits, t.clock);

  /** The plain hasher, slowed down like argon2 and counting its checks. */
  function countingHasher(): PasswordHasher & { verified: number } {
    const hasher = {
      verified: 0,
      hash: (password: string) => plainPasswordHasher.hash(password),
      verify: async (hash: string, password: string) => {
        hasher.verified += 1;
        await delay(5);
        return plainPasswordHasher.verify(hash, password);
      },
    };
    return hasher;
  }

  test('the right password signs in; a wrong one and an unknown email give the same answer', async () => {
    const service = signIn();
    assert.equal((await service.attempt('Alice@Example.com', 'right password', '10.0.0.1')).ok, true);
    assert.deepEqual(await service.attempt('alice@example.com', 'wrong', '10.0.0.1'), { ok: false, reason: 'invalid' });
    assert.deepEqual(await service.attempt('nobody@example.com', 'wrong', '10.0.0.1'), { ok: false, reason: 'invalid' });
  });

  test('a disabled account does not sign in even with the right password, and a wrong password still says only "invalid"', async () => {
    const carol = await t.registry.users.create(t.operator, { email: 'carol@example.com', password: 'carols password' });
    await t.registry.users.update(t.operator, carol.id, { disabled: true });
    const service = signIn();
    assert.deepEqual(await service.attempt('carol@example.com', 'carols password', '10.9.0.1'), { ok: false, reason: 'disabled' });
    assert.deepEqual(await service.attempt('carol@example.com', 'wrong', '10.9.0.1'), { ok: false, reason: 'invalid' });
    await t.registry.users.update(t.operator, carol.id, { disabled: false });
    assert.equal((await service.attempt('carol@example.com', 'carols password', '10.9.0.1')).ok, true);
  });

  test('after five failures an account waits 1 s, then 2 s, 4 s…: slowed, not locked', async () => {
    const service = signIn();
    for (let index = 0; index < defaultSignInPolicy.freeAccountFailures; index += 1) {
      assert.equal((await service.attempt('alice@example.com', 'guess', '10.0.0.2')).ok, false);
    }
    const throttled = await service.attempt('alice@example.com', 'right password', '10.0.0.2');
    assert.deepEqual(throttled, { ok: false, reason: 'throttled', retryAfterSeconds: 1 });
    t.clock.advance(1000);
    assert.equal((await service.attempt('alice@example.com', 'guess', '10.0.0.2')).ok, false);
    assert.deepEqual(await service.attempt('alice@example.com', 'right password', '10.0.0.2'), { ok: false, reason: 'throttled', retryAfterSeconds: 2 });
    t.clock.advance(2000);
    const success = await service.attempt('alice@example.com', 'right password', '10.0.0.2');
    assert.equal(success.ok, true, 'the real user gets in once the wait is over');
    assert.equal((await service.attempt('alice@example.com', 'guess', '10.0.0.2')).ok, false);
    assert.notEqual((await service.attempt('alice@example.com', 'right password', '10.0.0.2')).ok, false, 'a success reset the count');
  });

  test('the wait per account is capped at five minutes', async () => {
    const service = signIn();
    const waits: number[] = [];
    let failures = 0;
    while (failures < 15) {
      const result = await service.attempt('bob@example.com', 'guess', `10.1.0.${failures}`);
      if (!result.ok && result.reason === 'throttled') {
        waits.push(result.retryAfterSeconds);
        t.clock.advance(result.retryAfterSeconds * 1000);
      } else {
        failures += 1;
      }
    }
    assert.deepEqual(waits, [1, 2, 4, 8, 16, 32, 64, 128, 256, 300], 'doubling, then capped at 300 s');
    // 811 s into the 15-minute window: its end, 89 s away, forgets the count before 300 s pass.
    const capped = await service.attempt('bob@example.com', 'bobs password', '10.1.1.1');
    assert.deepEqual(capped, { ok: false, reason: 'throttled', retryAfterSeconds: 89 });
    t.clock.advance(89_000);
    assert.equal((await service.attempt('bob@example.com', 'bobs password', '10.1.1.1')).ok, true, 'a new window starts afresh');
  });

  test('one address trying many accounts is stopped until its window ends', async () => {
    const service = signIn();
    for (let index = 0; index < defaultSignInPolicy.maxIpFailures; index += 1) {
      await service.attempt(`user${index}@example.com`, 'guess', '192.0.2.9');
    }
    const blocked = await service.attempt('alice@example.com', 'right password', '192.0.2.9');
    assert.equal(blocked.ok, false);
    assert.ok(!blocked.ok && blocked.reason === 'throttled' && blocked.retryAfterSeconds > 800);
    assert.equal((await service.attempt('alice@example.com', 'right password', '192.0.2.10')).ok, true, 'other addresses are unaffected');
    t.clock.advance(defaultSignInPolicy.windowMs);
    assert.equal((await service.attempt('alice@example.com', 'right password', '192.0.2.9')).ok, true, 'the window ends');
  });

  test('parallel attempts are counted before the password is checked: only the free failures of an account are verified', async () => {
    const hasher = countingHasher();
    const service = signIn(hasher);
    const results = await Promise.all(Array.from({ length: 30 }, () => service.attempt('alice@example.com', 'guess', '10.2.0.1')));
    assert.equal(hasher.verified, defaultSignInPolicy.freeAccountFailures);
    assert.equal(results.filter((result) => !result.ok && result.reason === 'invalid').length, defaultSignInPolicy.freeAccountFailures);
    assert.ok(
      results.every((result) => result.ok || result.reason === 'invalid' || (result.reason === 'throttled' && result.retryAfterSeconds === 1)),
      'the rest wait 1 s',
    );
  });

  test('parallel attempts from one address on many accounts: only the cap per address is verified', async () => {
    const hasher = countingHasher();
    const service = signIn(hasher);
    const results = await Promise.all(Array.from({ length: 80 }, (_, index) => service.attempt(`parallel${index}@example.com`, 'guess', '10.2.0.2')));
    assert.equal(hasher.verified, defaultSignInPolicy.maxIpFailures);
    assert.equal(results.filter((result) => !result.ok && result.reason === 'throttled').length, 80 - defaultSignInPolicy.maxIpFailures);
  });

  test('an unknown email is throttled exactly like a known one', async () => {
    const service = signIn();
    const answers = async (email: string) => {
      const seen: string[] = [];
      for (let index = 0; index <= defaultSignInPolicy.freeAccountFailures; index += 1) {
        const result = await service.attempt(email, 'guess', '10.3.0.1');
        seen.push(result.ok ? 'ok' : result.reason === 'throttled' ? `throttled ${result.retryAfterSeconds}` : 'invalid');
      }
      return seen;
    };
    assert.deepEqual(await answers('nobody-here@example.com'), await answers('alice@example.com'));
  });

  test('successes do not count against the address, and a success resets the account', async () => {
    const service = signIn();
    for (let index = 0; index < defaultSignInPolicy.maxIpFailures * 2; index += 1) {
      assert.equal((await service.attempt('alice@example.com', 'right password', '10.4.0.1')).ok, true);
    }
    for (let index = 0; index < defaultSignInPolicy.maxIpFailures - 1; index += 1) await service.attempt(`many${index}@example.com`, 'guess', '10.4.0.1');
    assert.equal((await service.attempt('alice@example.com', 'right password', '10.4.0.1')).ok, true, 'one failure short of the cap');
    assert.deepEqual(await service.attempt('bob@example.com', 'guess', '10.4.0.1'), { ok: false, reason: 'invalid' });
    const blocked = await service.attempt('alice@example.com', 'right password', '10.4.0.1');
    assert.ok(!blocked.ok && blocked.reason === 'throttled', 'the fiftieth failure closes the address');
  });

  test('a refused attempt counts nowhere: hammering a throttled account does not use up the address', async () => {
    const service = signIn();
    for (let index = 0; index < defaultSignInPolicy.freeAccountFailures; index += 1) await service.attempt('bob@example.com', 'guess', '10.5.0.1');
    for (let index = 0; index < defaultSignInPolicy.maxIpFailures * 2; index += 1) {
      const result = await service.attempt('bob@example.com', 'guess', '10.5.0.1');
      assert.ok(!result.ok && result.reason === 'throttled');
    }
    assert.equal((await service.attempt('alice@example.com', 'right password', '10.5.0.1')).ok, true);
  });
});
