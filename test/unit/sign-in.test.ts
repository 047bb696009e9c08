import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SignIn, defaultSignInPolicy } from '../../src/domain/identity/sign-in.js';
import { MemoryRateLimiter } from '../../src/runtime/memory-rate-limiter.js';
import { createTestRegistry, plainPasswordHasher, type TestRegistry } from '../support/registry.js';

describe('sign-in throttling (PRODUCT D1, SECURITY.md)', () => {
  let t: TestRegistry;
  before(async () => {
    t = await createTestRegistry();
    await t.registry.users.create(t.operator, { email: 'alice@example.com', password: 'right password' });
    await t.registry.users.create(t.operator, { email: 'bob@example.com', password: 'bobs password' });
  });
  after(() => t.close());

  const signIn = () => new SignIn(t.storage.users, plainPasswordHasher, new MemoryRateLimiter(), t.clock);

  test('the right password signs in; a wrong one and an unknown email give the same answer', async () => {
    const service = signIn();
    assert.equal((await service.attempt('Alice@Example.com', 'right password', '10.0.0.1')).ok, true);
    assert.deepEqual(await service.attempt('alice@example.com', 'wrong', '10.0.0.1'), { ok: false, reason: 'invalid' });
    assert.deepEqual(await service.attempt('nobody@example.com', 'wrong', '10.0.0.1'), { ok: false, reason: 'invalid' });
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
    const capped = await service.attempt('bob@example.com', 'bobs password', '10.1.1.1');
    assert.deepEqual(capped, { ok: false, reason: 'throttled', retryAfterSeconds: 300 });
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
});
