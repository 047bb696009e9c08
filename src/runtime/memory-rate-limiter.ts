import type { RateLimiter, RateWindow } from '../ports/rate-limiter.js';

/**
 * Rate windows in this process's memory. Each node counts on its own, so N nodes allow N times
 * the attempts; a shared store (Redis) is the fix when that matters.
 */
export class MemoryRateLimiter implements RateLimiter {
  readonly #windows = new Map<string, RateWindow>();
  #lastSweep = 0;

  async hit(key: string, windowMs: number, now: number): Promise<RateWindow> {
    this.#sweep(now);
    const current = this.#windows.get(key);
    const next =
      current && current.resetAt > now
        ? { count: current.count + 1, resetAt: current.resetAt, lastAt: now }
        : { count: 1, resetAt: now + windowMs, lastAt: now };
    this.#windows.set(key, next);
    return next;
  }

  async peek(key: string, now: number): Promise<RateWindow | undefined> {
    const current = this.#windows.get(key);
    return current && current.resetAt > now ? current : undefined;
  }

  async reset(key: string): Promise<void> {
    this.#windows.delete(key);
  }

  #sweep(now: number): void {
    if (now - this.#lastSweep < 60_000) return;
    this.#lastSweep = now;
    for (const [key, window] of this.#windows) if (window.resetAt <= now) this.#windows.delete(key);
  }
}
