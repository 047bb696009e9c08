import type { UserRecord } from '../../ports/identity-repositories.js';
import type { RateLimiter, RateRule } from '../../ports/rate-limiter.js';
import { commitChange, serverChange, type ChangeDependencies } from '../audit/unit-of-work.js';
import { queueMail } from '../mail/outgoing-mail.js';
import { paths } from '../../contracts/paths.js';
import { issueAccountLink } from './account-links.js';
import { accountLinkUrl } from './account-mail.js';

export interface LockoutPolicy {
  /** Wrong passwords in a row after which the account is locked. */
  maxFailures: number;
  /** How long the lock lasts. */
  minutes: number;
}

export const defaultLockoutPolicy: LockoutPolicy = { maxFailures: 10, minutes: 15 };

/**
 * How long a run of failures is remembered: "in a row" means without a success in between, and
 * a run that never reaches the limit within a day starts again from zero.
 */
const failureRunMs = 24 * 60 * 60_000;

export function isLocked(user: Pick<UserRecord, 'lockedUntil'>, now: number): boolean {
  return user.lockedUntil !== null && user.lockedUntil > now;
}

/**
 * Locks an account after too many wrong passwords in a row (NIST SP 800-63B §5.2.2), on top of the
 * per-account and per-address delays of SignIn. The failures are counted in the shared rate-limit
 * store (one atomic reservation per failure, so parallel guesses on several nodes share one
 * count); the lock itself is `users.locked_until`, which every node reads with the user.
 *
 * Of the attempts that find the count full, one wins a latch (a one-attempt reservation) and sets
 * the lock and queues the mail; the others only report the lock. Once the lock has committed, the
 * count and the latch start again, and whoever comes next reads the lock from the user. An attempt
 * whose password check began before the lock landed is still answered as a wrong password.
 */
export class AccountLockout {
  readonly #changes: ChangeDependencies;
  readonly #limiter: RateLimiter;
  readonly #issuer: string;
  readonly #policy: LockoutPolicy;
  readonly #rule: RateRule;
  readonly #latch: RateRule = { windowMs: failureRunMs, freeAttempts: 1 };

  constructor(changes: ChangeDependencies, limiter: RateLimiter, issuer: string, policy: LockoutPolicy = defaultLockoutPolicy) {
    this.#changes = changes;
    this.#limiter = limiter;
    this.#issuer = issuer;
    this.#policy = policy;
    // The reservation that would be failure number maxFailures is the one refused.
    this.#rule = { windowMs: failureRunMs, freeAttempts: policy.maxFailures - 1 };
  }

  /** Counts a wrong password; true when the account is now locked (by this failure or a parallel one). */
  async recordFailure(user: UserRecord, now: number): Promise<boolean> {
    const countKey = `sign-in:lockout:${user.id}`;
    if (this.#policy.maxFailures > 1) {
      const decision = await this.#limiter.reserve([{ key: countKey, rule: this.#rule }], now);
      if (decision.allowed) return false;
    }
    const latchKey = `sign-in:lockout-latch:${user.id}`;
    if (!(await this.#limiter.reserve([{ key: latchKey, rule: this.#latch }], now)).allowed) return true;
    try {
      return await this.#lock(user.id, now);
    } finally {
      await this.#limiter.reset(countKey);
      await this.#limiter.reset(latchKey);
    }
  }

  /** A right password ends the run of failures. */
  async recordSuccess(user: Pick<UserRecord, 'id'>): Promise<void> {
    await this.#limiter.reset(`sign-in:lockout:${user.id}`);
  }

  async #lock(userId: string, now: number): Promise<boolean> {
    const lockedUntil = now + this.#policy.minutes * 60_000;
    return commitChange(this.#changes, 'latchkey', async (tx) => {
      const current = await tx.users.get(userId);
      if (!current) return { result: false, changes: [] };
      // Parallel failures may all reach the limit: the first one locks and mails, the rest find it locked.
      if (isLocked(current, now)) return { result: true, changes: [] };
      await tx.users.update({ ...current, lockedUntil, updatedAt: now });
      const token = await issueAccountLink(tx.accountTokens, { purpose: 'reset_password', userId: current.id, email: current.email }, now);
      await queueMail(
        tx.outbox,
        {
          to: current.email,
          template: 'account-locked',
          variables: {
            name: current.name,
            lockedMinutes: this.#policy.minutes,
            resetLink: accountLinkUrl(this.#issuer, paths.resetPassword, token),
          },
          organization: null,
        },
        now,
      );
      const audit = {
        action: 'user.locked',
        targetType: 'user',
        targetId: userId,
        changes: { lockedUntil: new Date(lockedUntil).toISOString(), failures: this.#policy.maxFailures },
      };
      return { result: true, changes: [serverChange({ type: 'user.locked', userId, lockedUntil }, audit)] };
    });
  }
}
