import type { Redis } from 'ioredis';
import type { RateAttempt, RateDecision, RateLimiter } from '../../ports/rate-limiter.js';

/**
 * admitAttempt (src/ports/rate-limiter.ts) as one Lua script, so that Redis runs the whole
 * reservation atomically: every key's window is read, and either all of them grow by one or none
 * does. test/contract/redis-rate-limiter.test.ts checks that the script and admitAttempt decide
 * alike. ARGV: now, then per key windowMs, freeAttempts, backoff base (-1 without one), backoff max.
 * A window is a hash {attempts, lastAt, endsAt} that Redis expires when the window ends (counted
 * from the caller's clock, so a node's clock and Redis's need not agree).
 */
const reserveScript = `
local now = tonumber(ARGV[1])
local nexts = {}
local refusedUntil = nil
for i, key in ipairs(KEYS) do
  local base = 1 + (i - 1) * 4
  local windowMs = tonumber(ARGV[base + 1])
  local free = tonumber(ARGV[base + 2])
  local backoffBase = tonumber(ARGV[base + 3])
  local backoffMax = tonumber(ARGV[base + 4])
  local state = redis.call('HMGET', key, 'attempts', 'lastAt', 'endsAt')
  local attempts = tonumber(state[1])
  local lastAt = tonumber(state[2])
  local endsAt = tonumber(state[3])
  if attempts == nil or endsAt == nil or endsAt <= now then
    nexts[i] = {1, now, now + windowMs}
  elseif attempts < free then
    nexts[i] = {attempts + 1, now, endsAt}
  elseif backoffBase < 0 then
    refusedUntil = math.max(refusedUntil or endsAt, endsAt)
  else
    local wait = math.min(backoffBase * math.pow(2, attempts - free), backoffMax)
    local readyAt = lastAt + wait
    if now >= readyAt then
      nexts[i] = {attempts + 1, now, endsAt}
    else
      local retryAt = math.min(readyAt, endsAt)
      refusedUntil = math.max(refusedUntil or retryAt, retryAt)
    end
  end
end
if refusedUntil ~= nil then
  return {0, tostring(refusedUntil)}
end
for i, key in ipairs(KEYS) do
  local next = nexts[i]
  redis.call('HSET', key, 'attempts', next[1], 'lastAt', next[2], 'endsAt', next[3])
  redis.call('PEXPIRE', key, math.max(1, next[3] - now))
end
return {1, '0'}
`;

/** Gives back one attempt, never below zero, and keeps the window's end. */
const releaseScript = `
local attempts = tonumber(redis.call('HGET', KEYS[1], 'attempts'))
if attempts ~= nil and attempts > 0 then
  redis.call('HSET', KEYS[1], 'attempts', attempts - 1)
end
return 0
`;

type ReservingRedis = Redis & {
  latchkeyReserve(numberOfKeys: number, ...keysAndArgs: (string | number)[]): Promise<[number, string]>;
  latchkeyRelease(key: string): Promise<number>;
};

/**
 * Attempt counters in Redis: every node pointed at the same Redis shares one budget, without a
 * database write per counted attempt. Keys are the limiter's keys under `keyPrefix` (user input
 * such as an email is part of a key; Redis keys may hold any bytes).
 */
export class RedisRateLimiter implements RateLimiter {
  readonly #redis: ReservingRedis;
  readonly #prefix: string;

  constructor(redis: Redis, keyPrefix: string) {
    redis.defineCommand('latchkeyReserve', { lua: reserveScript });
    redis.defineCommand('latchkeyRelease', { numberOfKeys: 1, lua: releaseScript });
    this.#redis = redis as ReservingRedis;
    this.#prefix = `${keyPrefix}rate:`;
  }

  async reserve(attempts: readonly RateAttempt[], now: number): Promise<RateDecision> {
    if (attempts.length === 0) return { allowed: true };
    const keys = attempts.map((attempt) => this.#prefix + attempt.key);
    const args = attempts.flatMap(({ rule }) => [rule.windowMs, rule.freeAttempts, rule.backoff?.baseMs ?? -1, rule.backoff?.maxMs ?? -1]);
    const [allowed, retryAt] = await this.#redis.latchkeyReserve(keys.length, ...keys, now, ...args);
    return allowed === 1 ? { allowed: true } : { allowed: false, retryAt: Number(retryAt) };
  }

  async release(key: string): Promise<void> {
    await this.#redis.latchkeyRelease(this.#prefix + key);
  }

  async reset(key: string): Promise<void> {
    await this.#redis.del(this.#prefix + key);
  }
}
