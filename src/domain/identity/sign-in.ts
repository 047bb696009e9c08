import type { Clock } from '../../ports/clock.js';
import type { UserRecord, UserRepository } from '../../ports/identity-repositories.js';
import type { PasswordHasher } from '../../ports/password-hasher.js';
import type { RateLimiter } from '../../ports/rate-limiter.js';

export interface SignInPolicy {
  windowMs: number;
  /** Failures per account before each further attempt must wait. */
  freeAccountFailures: number;
  /** The longest wait per account: slows an attacker, never locks the real user out for good. */
  maxAccountDelayMs: number;
  /** Failures per IP address in a window before it must wait for the window to end. */
  maxIpFailures: number;
}

export const defaultSignInPolicy: SignInPolicy = {
  windowMs: 15 * 60_000,
  freeAccountFailures: 5,
  maxAccountDelayMs: 5 * 60_000,
  maxIpFailures: 50,
};

export type SignInResult =
  | { ok: true; user: UserRecord }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'throttled'; retryAfterSeconds: number };

/**
 * Password sign-in (PRODUCT D1): argon2id, the same answer for an unknown email and a wrong
 * password, and throttling per account (exponential delay after a few failures, capped) and per
 * IP address (SECURITY.md).
 */
export class SignIn {
  readonly #users: UserRepository;
  readonly #passwords: PasswordHasher;
  readonly #limiter: RateLimiter;
  readonly #clock: Clock;
  readonly #policy: SignInPolicy;
  #decoyHash: Promise<string> | undefined;

  constructor(users: UserRepository, passwords: PasswordHasher, limiter: RateLimiter, clock: Clock, policy: SignInPolicy = defaultSignInPolicy) {
    this.#users = users;
    this.#passwords = passwords;
    this.#limiter = limiter;
    this.#clock = clock;
    this.#policy = policy;
  }

  /** Seconds until this account or address may try again, or 0. */
  async #waitSeconds(email: string, ip: string, now: number): Promise<number> {
    const policy = this.#policy;
    const byIp = await this.#limiter.peek(`ip:${ip}`, now);
    let waitMs = byIp && byIp.count >= policy.maxIpFailures ? byIp.resetAt - now : 0;
    const byAccount = await this.#limiter.peek(`account:${email}`, now);
    if (byAccount && byAccount.count >= policy.freeAccountFailures) {
      const delay = Math.min(1000 * 2 ** (byAccount.count - policy.freeAccountFailures), policy.maxAccountDelayMs);
      waitMs = Math.max(waitMs, byAccount.lastAt + delay - now);
    }
    return Math.max(0, Math.ceil(waitMs / 1000));
  }

  async attempt(emailInput: string, password: string, ip: string): Promise<SignInResult> {
    const email = emailInput.trim().toLowerCase();
    const now = this.#clock.now();
    const wait = await this.#waitSeconds(email, ip, now);
    if (wait > 0) return { ok: false, reason: 'throttled', retryAfterSeconds: wait };

    const user = email ? await this.#users.getByEmail(email) : undefined;
    let valid: boolean;
    if (user?.passwordHash) {
      valid = await this.#passwords.verify(user.passwordHash, password);
    } else {
      // Spend the same time as a real check, so that timing does not tell which emails exist.
      this.#decoyHash ??= this.#passwords.hash('decoy password that matches nothing');
      await this.#passwords.verify(await this.#decoyHash, password);
      valid = false;
    }
    if (!valid || !user) {
      await this.#limiter.hit(`account:${email}`, this.#policy.windowMs, now);
      await this.#limiter.hit(`ip:${ip}`, this.#policy.windowMs, now);
      return { ok: false, reason: 'invalid' };
    }
    await this.#limiter.reset(`account:${email}`);
    return { ok: true, user };
  }
}
