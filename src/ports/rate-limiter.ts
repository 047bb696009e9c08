/**
 * How many attempts a key (an account, an address) may make. A window starts with the first
 * attempt and lasts `windowMs`; when it ends the count starts again from zero.
 */
export interface RateRule {
  windowMs: number;
  /** Attempts in a window that need no wait. */
  freeAttempts: number;
  /**
   * After the free attempts: without a backoff, none until the window ends (a hard cap). With one,
   * each further attempt waits min(baseMs × 2^(n − freeAttempts), maxMs) after the previous
   * attempt, n being the attempts counted so far: slowed, never locked out for good.
   */
  backoff?: { baseMs: number; maxMs: number };
}

/** One key's count in its current window. */
export interface RateWindow {
  attempts: number;
  /** When the last attempt was counted. */
  lastAt: number;
  /** When the window ends and the count is forgotten. */
  endsAt: number;
}

export interface RateAttempt {
  key: string;
  rule: RateRule;
}

export type RateDecision = { allowed: true } | { allowed: false; retryAt: number };

/**
 * The rule applied to a key's window: whether one more attempt is allowed at `now` and the window
 * after it, or when the key may try again. Every store decides with this one function.
 */
export function admitAttempt(
  window: RateWindow | undefined,
  rule: RateRule,
  now: number,
): { allowed: true; next: RateWindow } | { allowed: false; retryAt: number } {
  if (!window || window.endsAt <= now) return { allowed: true, next: { attempts: 1, lastAt: now, endsAt: now + rule.windowMs } };
  const next = { attempts: window.attempts + 1, lastAt: now, endsAt: window.endsAt };
  if (window.attempts < rule.freeAttempts) return { allowed: true, next };
  if (!rule.backoff) return { allowed: false, retryAt: window.endsAt };
  const wait = Math.min(rule.backoff.baseMs * 2 ** (window.attempts - rule.freeAttempts), rule.backoff.maxMs);
  const readyAt = window.lastAt + wait;
  // The end of the window forgets the count, so the wait is never longer than what is left of it.
  return now >= readyAt ? { allowed: true, next } : { allowed: false, retryAt: Math.min(readyAt, window.endsAt) };
}

/**
 * Attempt counters that hold under concurrency: an attempt is counted before the work it limits
 * (a password check), so parallel requests can't all pass a check that none of them has counted
 * yet. A store shared by several nodes gives them one budget.
 */
export interface RateLimiter {
  /**
   * Counts one attempt on every key, atomically: when each key's rule allows one more attempt at
   * `now` (admitAttempt), every count grows by one and the answer is allowed; otherwise nothing is
   * counted and the answer says when the refusing keys allow again. Concurrent reservations never
   * together go past a rule.
   */
  reserve(attempts: readonly RateAttempt[], now: number): Promise<RateDecision>;
  /** Gives back one reserved attempt on `key`: the work turned out not to count against it. */
  release(key: string): Promise<void>;
  /** Forgets the key's window: its next attempt starts a fresh one. */
  reset(key: string): Promise<void>;
}

export interface RateLimitRepository extends RateLimiter {
  /** Deletes at most `limit` windows that have ended; returns how many it deleted. */
  deleteExpired(now: number, limit: number): Promise<number>;
}
