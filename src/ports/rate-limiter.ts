/** Counts in a window per key: failures per account, per IP. */
export interface RateWindow {
  count: number;
  /** When the window ends and the count starts again from zero. */
  resetAt: number;
  /** When the last hit was recorded. */
  lastAt: number;
}

export interface RateLimiter {
  /** Records one hit and returns the window after it. */
  hit(key: string, windowMs: number, now: number): Promise<RateWindow>;
  /** The window as it is, or undefined when there were no hits in it. */
  peek(key: string, now: number): Promise<RateWindow | undefined>;
  reset(key: string): Promise<void>;
}
