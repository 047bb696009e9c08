import type { Clock } from '../../ports/clock.js';
import type { UserRecord, UserRepository } from '../../ports/identity-repositories.js';
import type { PasswordHasher } from '../../ports/password-hasher.js';
import type { RateLimiter, RateRule } from '../../ports/rate-limiter.js';
import { isLocked, type AccountLockout } from './lockout.js';

export interface SignInPolicy {
  /** How long a count lasts from the first failure it holds. */
  windowMs: number;
  /** Failures per account before each further attempt must wait (a success resets the count). */
  freeAccountFailures: number;
  /** The longest wait per account: slows an attacker, never locks the real user out for good. */
  maxAccountDelayMs: number;
  /** Failures per IP address in a window before it must wait for the window to end (successes don't count). */
  maxIpFailures: number;
}

export const defaultSignInPolicy: SignInPolicy = {
  windowMs: 15 * 60_000,
  freeAccountFailures: 5,
  maxAccountDelayMs: 5 * 60_000,
  maxIpFailures: 50,
};

/** The first wait of an account that has used its free failures; it doubles with each further one. */
const firstAccountDelayMs = 1000;

export type SignInResult =
  | { ok: true; user: UserRecord }
  | { ok: false; reason: 'invalid' }
  /** The password was right, but a server administrator disabled the account. */
  | { ok: false; reason: 'disabled' }
  /** Too many wrong passwords in a row locked the account for a while; the password was not checked. */
  | { ok: false; reason: 'locked' }
  | { ok: false; reason: 'throttled'; retryAfterSeconds: number };

/**
 * Password sign-in: argon2id, the same answer for an unknown email and a wrong password, and
 * throttling per account (exponential delay after a few failures, capped) and per IP address (a
 * hard cap per window). The attempt is counted on both before the password is verified, in one
 * atomic reservation, so that parallel guesses can't all be checked against a count none of them
 * has raised yet; a success resets the account and gives the address its attempt back. With an
 * AccountLockout, wrong passwords in a row also lock the account (users.locked_until) for a while.
 */
export class SignIn {
  readonly #users: UserRepository;
  readonly #passwords: PasswordHasher;
  readonly #limiter: RateLimiter;
  readonly #clock: Clock;
  readonly #accountRule: RateRule;
  readonly #ipRule: RateRule;
  readonly #lockout: Pick<AccountLockout, 'recordFailure' | 'recordSuccess'> | undefined;
  #decoyHash: Promise<string> | undefined;

  constructor(
    users: UserRepository,
    passwords: PasswordHasher,
    limiter: RateLimiter,
    clock: Clock,
    policy: SignInPolicy = defaultSignInPolicy,
    lockout?: Pick<AccountLockout, 'recordFailure' | 'recordSuccess'>,
  ) {
    this.#lockout = lockout;
    this.#users = users;
    this.#passwords = passwords;
    this.#limiter = limiter;
    this.#clock = clock;
    this.#accountRule = {
      windowMs: policy.windowMs,
      freeAttempts: policy.freeAccountFailures,
      backoff: { baseMs: firstAccountDelayMs, maxMs: policy.maxAccountDelayMs },
    };
    this.#ipRule = { windowMs: policy.windowMs, freeAttempts: policy.maxIpFailures };
  }

  async attempt(emailInput: string, password: string, ip: string): Promise<SignInResult> {
    const email = emailInput.trim().toLowerCase();
    const now = this.#clock.now();
    const accountKey = `sign-in:account:${email}`;
    const ipKey = `sign-in:ip:${ip}`;
    const reservation = await this.#limiter.reserve(
      [
        { key: accountKey, rule: this.#accountRule },
        { key: ipKey, rule: this.#ipRule },
      ],
      now,
    );
    if (!reservation.allowed) return { ok: false, reason: 'throttled', retryAfterSeconds: Math.max(1, Math.ceil((reservation.retryAt - now) / 1000)) };

    const user = email ? await this.#users.getByEmail(email) : undefined;
    const locked = user !== undefined && isLocked(user, now);
    let valid: boolean;
    if (user?.passwordHash && !locked) {
      valid = await this.#passwords.verify(user.passwordHash, password);
    } else {
      // Spend the same time as a real check, so that timing does not tell which emails exist; a
      // locked account is not checked at all, so that guessing on through the lock learns nothing.
      await this.#decoyCheck(password);
      valid = false;
    }
    if (locked) return { ok: false, reason: 'locked' };
    // A failure stays counted on both keys, as it was reserved.
    if (!valid || !user) {
      if (user && this.#lockout && (await this.#lockout.recordFailure(user, now))) return { ok: false, reason: 'locked' };
      return { ok: false, reason: 'invalid' };
    }
    if (user.disabledAt !== null) return { ok: false, reason: 'disabled' };
    await this.#lockout?.recordSuccess(user);
    await this.#limiter.reset(accountKey);
    await this.#limiter.release(ipKey);
    return { ok: true, user };
  }

  async #decoyCheck(password: string): Promise<void> {
    this.#decoyHash ??= this.#passwords.hash('decoy password that matches nothing');
    await this.#passwords.verify(await this.#decoyHash, password);
  }
}
