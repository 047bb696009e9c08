import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RateLimiter, RateLimitRepository, RateRule } from '../../src/ports/rate-limiter.js';

let sequence = 0;
const next = (prefix: string) => `${prefix}:${++sequence}:${Math.random().toString(36).slice(2, 10)}`;

const cap: RateRule = { windowMs: 60_000, freeAttempts: 3 };
const backoff: RateRule = { windowMs: 600_000, freeAttempts: 2, backoff: { baseMs: 1000, maxMs: 4000 } };

/**
 * The rate limiter contract, for every store (the database, Redis): counts that hold when
 * reservations race. A store the sweeper cleans (not Redis,
 * which expires windows itself) also gets the sweeper's test.
 */
export function rateLimitContract(limiterOf: () => RateLimiter, now: () => number, sweptBy?: () => Pick<RateLimitRepository, 'deleteExpired'>): void {
  test('a hard cap allows the free attempts, then none until the window ends, then starts afresh', async () => {
    const limits = limiterOf();
    const key = next('cap');
    for (let index = 0; index < cap.freeAttempts; index += 1) assert.deepEqual(await limits.reserve([{ key, rule: cap }], now() + index), { allowed: true });
    assert.deepEqual(
      await limits.reserve([{ key, rule: cap }], now() + 10),
      { allowed: false, retryAt: now() + cap.windowMs },
      'the window started with the first attempt',
    );
    assert.deepEqual(await limits.reserve([{ key, rule: cap }], now() + cap.windowMs), { allowed: true });
  });

  test('a backoff doubles the wait after the free attempts, up to its cap, from the last attempt', async () => {
    const limits = limiterOf();
    const key = next('backoff');
    let at = now();
    const waits: number[] = [];
    for (let attempts = 0; attempts < 7;) {
      const decision = await limits.reserve([{ key, rule: backoff }], at);
      if (decision.allowed) {
        attempts += 1;
      } else {
        waits.push(decision.retryAt - at);
        at = decision.retryAt;
      }
    }
    assert.deepEqual(waits, [1000, 2000, 4000, 4000, 4000]);
  });

  test('a wait never outlasts the window: its end forgets the count', async () => {
    const limits = limiterOf();
    const key = next('short-window');
    const rule: RateRule = { windowMs: 1500, freeAttempts: 1, backoff: { baseMs: 1000, maxMs: 60_000 } };
    assert.equal((await limits.reserve([{ key, rule }], now())).allowed, true);
    assert.equal((await limits.reserve([{ key, rule }], now() + 1000)).allowed, true);
    assert.deepEqual(await limits.reserve([{ key, rule }], now() + 1100), { allowed: false, retryAt: now() + 1500 });
  });

  test('a reservation of several keys is all or nothing, and says the latest time one of them allows', async () => {
    const limits = limiterOf();
    const [full, open, alsoFull] = [next('full'), next('open'), next('also-full')];
    const one: RateRule = { windowMs: 10_000, freeAttempts: 1 };
    await limits.reserve([{ key: full, rule: one }], now());
    await limits.reserve([{ key: alsoFull, rule: one }], now() + 500);
    const refused = await limits.reserve(
      [
        { key: full, rule: one },
        { key: open, rule: one },
        { key: alsoFull, rule: one },
      ],
      now() + 1000,
    );
    assert.deepEqual(refused, { allowed: false, retryAt: now() + 10_500 });
    assert.deepEqual(
      await limits.reserve([{ key: open, rule: one }], now() + 1000),
      { allowed: true },
      'the refused reservation counted nothing on the open key',
    );
  });

  test('release gives one attempt back; reset forgets the window', async () => {
    const limits = limiterOf();
    const key = next('release');
    for (let index = 0; index < cap.freeAttempts; index += 1) await limits.reserve([{ key, rule: cap }], now());
    await limits.release(key);
    assert.equal((await limits.reserve([{ key, rule: cap }], now())).allowed, true);
    assert.equal((await limits.reserve([{ key, rule: cap }], now())).allowed, false);
    await limits.reset(key);
    assert.equal((await limits.reserve([{ key, rule: cap }], now())).allowed, true);
    await limits.release(next('never-counted'));
    await limits.reset(next('never-counted'));
  });

  test('thirty parallel reservations of one key: exactly the free attempts are allowed', async () => {
    const limits = limiterOf();
    const key = next('parallel');
    const rule: RateRule = { windowMs: 60_000, freeAttempts: 5, backoff: { baseMs: 1000, maxMs: 60_000 } };
    const decisions = await Promise.all(Array.from({ length: 30 }, () => limits.reserve([{ key, rule }], now())));
    assert.equal(decisions.filter((decision) => decision.allowed).length, 5);
  });

  test('parallel reservations of two shared keys, named in either order: exact counts, no deadlock', async () => {
    const limits = limiterOf();
    const [a, b] = [next('a'), next('b')];
    const rule: RateRule = { windowMs: 60_000, freeAttempts: 7 };
    const decisions = await Promise.all(
      Array.from({ length: 24 }, (_, index) =>
        limits.reserve(
          index % 2 === 0
            ? [
                { key: a, rule },
                { key: b, rule },
              ]
            : [
                { key: b, rule },
                { key: a, rule },
              ],
          now(),
        ),
      ),
    );
    assert.equal(decisions.filter((decision) => decision.allowed).length, 7);
  });

  test('a fresh key and the first attempts on it race without losing a count', async () => {
    const limits = limiterOf();
    const keys = Array.from({ length: 4 }, () => next('fresh'));
    const rule: RateRule = { windowMs: 60_000, freeAttempts: 2 };
    const decisions = await Promise.all(keys.flatMap((key) => Array.from({ length: 6 }, () => limits.reserve([{ key, rule }], now()))));
    assert.equal(decisions.filter((decision) => decision.allowed).length, 8);
  });

  test('keys of any length are counted apart', async () => {
    const limits = limiterOf();
    const long = `${next('long')}${'x'.repeat(20_000)}`;
    const one: RateRule = { windowMs: 60_000, freeAttempts: 1 };
    assert.equal((await limits.reserve([{ key: long, rule: one }], now())).allowed, true);
    assert.equal((await limits.reserve([{ key: long, rule: one }], now())).allowed, false);
    assert.equal((await limits.reserve([{ key: `${long}y`, rule: one }], now())).allowed, true);
  });

  if (!sweptBy) return;
  test('the sweeper deletes windows that have ended, and only those', async () => {
    const limits = limiterOf();
    const [ended, running] = [next('ended'), next('running')];
    const one = (windowMs: number): RateRule => ({ windowMs, freeAttempts: 1 });
    await limits.reserve([{ key: ended, rule: one(10) }], now());
    await limits.reserve([{ key: running, rule: one(60_000) }], now());
    assert.ok((await sweptBy().deleteExpired(now() + 10, 1000)) >= 1);
    assert.equal((await limits.reserve([{ key: running, rule: one(60_000) }], now() + 10)).allowed, false, 'a running window is kept');
  });
}
