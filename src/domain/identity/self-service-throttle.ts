import type { RateLimiter, RateRule } from '../../ports/rate-limiter.js';

/** How often one IP address and one address may use a self-service form. */
export interface SelfServiceLimits {
  perIp: RateRule;
  perAddress: RateRule;
}

export type Throttle = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** Counts one attempt on both keys before the work, so that parallel requests cannot all pass a count none of them has raised yet. */
export async function throttle(limiter: RateLimiter, form: string, limits: SelfServiceLimits, ip: string, address: string, now: number): Promise<Throttle> {
  const decision = await limiter.reserve(
    [
      { key: `${form}:ip:${ip}`, rule: limits.perIp },
      { key: `${form}:address:${address}`, rule: limits.perAddress },
    ],
    now,
  );
  return decision.allowed ? { allowed: true } : { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((decision.retryAt - now) / 1000)) };
}

const hour = 3_600_000;

/** Sign-up: 10 per IP address and 3 per address an hour. */
export const signUpLimits: SelfServiceLimits = { perIp: { windowMs: hour, freeAttempts: 10 }, perAddress: { windowMs: hour, freeAttempts: 3 } };
/** "Forgot password": 20 per IP address and 3 per address an hour. */
export const forgotPasswordLimits: SelfServiceLimits = { perIp: { windowMs: hour, freeAttempts: 20 }, perAddress: { windowMs: hour, freeAttempts: 3 } };
/** Resending the verification mail: 10 per IP address and 3 per account an hour. */
export const resendVerificationLimits: SelfServiceLimits = { perIp: { windowMs: hour, freeAttempts: 10 }, perAddress: { windowMs: hour, freeAttempts: 3 } };
