import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { admitAttempt, type RateRule, type RateWindow } from '../../src/ports/rate-limiter.js';
import { connectRedis, RedisConnectionError } from '../../src/storage/redis/redis-connection.js';
import { RedisRateLimiter } from '../../src/storage/redis/redis-rate-limiter.js';
import { redisSkipReason, redisTestUrl, testRedisPrefix, type TestRedisPrefix } from '../support/redis.js';
import { rateLimitContract } from './rate-limit-contract.js';

if (redisSkipReason) console.log(`# ${redisSkipReason}`);

describe('the rate limiter on Redis', { skip: redisSkipReason }, () => {
  let prefix: TestRedisPrefix;
  let connections: Redis[] = [];
  let limiter: RedisRateLimiter;
  const now = Date.UTC(2026, 5, 1, 12);

  /** A limiter on a connection of its own: what another node pointed at the same Redis has. */
  const node = () => {
    const redis = new Redis(redisTestUrl!);
    connections.push(redis);
    return new RedisRateLimiter(redis, prefix.prefix);
  };

  before(() => {
    prefix = testRedisPrefix();
    limiter = node();
  });
  after(async () => {
    await prefix?.drop();
    for (const redis of connections) redis.disconnect();
    connections = [];
  });

  rateLimitContract(
    () => limiter,
    () => now,
  );

  test('the script decides as admitAttempt does, attempt after attempt, under every kind of rule', async () => {
    const rules: RateRule[] = [
      { windowMs: 5000, freeAttempts: 3 },
      { windowMs: 60_000, freeAttempts: 2, backoff: { baseMs: 700, maxMs: 5000 } },
      { windowMs: 2500, freeAttempts: 1, backoff: { baseMs: 1000, maxMs: 60_000 } },
      { windowMs: 1000, freeAttempts: 0 },
    ];
    let seed = 7;
    const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    for (const [index, rule] of rules.entries()) {
      const key = `agree:${index}`;
      let window: RateWindow | undefined;
      let at = now;
      for (let step = 0; step < 60; step += 1) {
        at += Math.floor(random() * 1500);
        const expected = admitAttempt(window, rule, at);
        const actual = await limiter.reserve([{ key, rule }], at);
        if (expected.allowed) {
          assert.deepEqual(actual, { allowed: true }, `rule ${index}, step ${step}`);
          window = expected.next;
        } else {
          assert.deepEqual(actual, { allowed: false, retryAt: expected.retryAt }, `rule ${index}, step ${step}`);
        }
      }
    }
  });

  test('two nodes on one Redis share one budget: thirty reservations spread over both allow the free attempts once', async () => {
    const [first, second] = [node(), node()];
    const rule: RateRule = { windowMs: 60_000, freeAttempts: 6 };
    const decisions = await Promise.all(Array.from({ length: 30 }, (_, index) => (index % 2 === 0 ? first : second).reserve([{ key: 'shared', rule }], now)));
    assert.equal(decisions.filter((decision) => decision.allowed).length, 6);
  });

  test('a window expires in Redis when it ends, counted from the caller’s clock', async () => {
    const redis = connections[0]!;
    await limiter.reserve([{ key: 'expiring', rule: { windowMs: 30_000, freeAttempts: 1 } }], now);
    const ttl = await redis.pttl(`${prefix.prefix}rate:expiring`);
    assert.ok(ttl > 25_000 && ttl <= 30_000, `expected about 30 s left, got ${ttl} ms`);
  });
});

test('a Redis that cannot be reached is a start-up error that names it without its password', async () => {
  await assert.rejects(
    connectRedis('redis://latchkey:hunter2-secret@127.0.0.1:1', () => undefined),
    (error: unknown) => {
      assert.ok(error instanceof RedisConnectionError);
      assert.match(error.message, /could not connect to Redis at redis:\/\/latchkey:\*\*\*@127\.0\.0\.1:1/);
      assert.doesNotMatch(error.message, /hunter2/);
      return true;
    },
  );
});
