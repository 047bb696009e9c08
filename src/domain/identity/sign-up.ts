import { z } from 'zod';
import type { Clock } from '../../ports/clock.js';
import type { DomainEvents } from '../../ports/domain-events.js';
import { emptyProfile, type UserRecord } from '../../ports/identity-repositories.js';
import type { PasswordHasher } from '../../ports/password-hasher.js';
import type { RateLimiter } from '../../ports/rate-limiter.js';
import type { Storage } from '../../ports/storage.js';
import { randomId } from '../../shared/random.js';
import { commitChange, serverChange } from '../audit/unit-of-work.js';
import { requestEmailVerification } from './email-verification.js';
import { sendResetLink } from './password-reset.js';
import { passwordProblem } from './password-policy.js';
import { signUpLimits, throttle, type SelfServiceLimits } from './self-service-throttle.js';

export interface SignUpDependencies {
  storage: Storage;
  clock: Clock;
  events: DomainEvents;
  passwords: PasswordHasher;
  limiter: RateLimiter;
  verifyEmailUrl: string;
  /** The issuer, without a trailing slash: the reset page is under it. */
  issuer: string;
  /** Only addresses of these domains may sign up; empty allows every domain. */
  allowedEmailDomains: readonly string[];
  limits?: SelfServiceLimits;
}

export interface SignUpInput {
  email: string;
  name: string;
  password: string;
}

/**
 * What the form hears. `accepted` is the answer for a new address and for one that has an
 * account alike: the page says "check your mail" either way, so it reveals no account.
 */
export type SignUpOutcome =
  { kind: 'accepted' } | { kind: 'invalid'; field: 'email' | 'name' | 'password'; message: string } | { kind: 'throttled'; retryAfterSeconds: number };

const emailSchema = z.email().max(254);

/** The part after the last @, lower-cased. */
function domainOf(email: string): string {
  return email.slice(email.lastIndexOf('@') + 1);
}

/**
 * Self-service sign-up. A new address gets an unverified account and a 'verify-email' mail whose
 * link signs the person in (and resumes the authorization they came from). An address that has
 * an account gets a 'reset-password' mail instead, and the page answers the same: only the
 * owner of the mailbox learns the account exists.
 */
export class SignUp {
  readonly #deps: SignUpDependencies;

  constructor(deps: SignUpDependencies) {
    this.#deps = deps;
  }

  async signUp(input: SignUpInput, context: { ip: string; interaction: string | null }): Promise<SignUpOutcome> {
    const deps = this.#deps;
    const email = input.email.trim().toLowerCase();
    if (!emailSchema.safeParse(email).success) return { kind: 'invalid', field: 'email', message: 'Enter an email address, such as name@example.com.' };
    const domains = deps.allowedEmailDomains;
    if (domains.length > 0 && !domains.includes(domainOf(email))) {
      return { kind: 'invalid', field: 'email', message: `Only addresses at ${domains.join(', ')} may sign up here.` };
    }
    const name = input.name.trim() || email.slice(0, email.indexOf('@'));
    if (name.length > 100) return { kind: 'invalid', field: 'name', message: 'The name may have at most 100 characters.' };
    const problem = passwordProblem(input.password, email);
    if (problem) return { kind: 'invalid', field: 'password', message: `The password ${problem}.` };

    const now = deps.clock.now();
    const allowed = await throttle(deps.limiter, 'sign-up', deps.limits ?? signUpLimits, context.ip, email, now);
    if (!allowed.allowed) return { kind: 'throttled', retryAfterSeconds: allowed.retryAfterSeconds };

    // Hashed whether or not the address has an account, so that the time taken tells nothing.
    const passwordHash = await deps.passwords.hash(input.password);
    const existing = await deps.storage.users.getByEmail(email);
    if (existing) {
      if (existing.disabledAt === null) await deps.storage.transaction((tx) => sendResetLink(tx, existing, deps));
      return { kind: 'accepted' };
    }
    const user: UserRecord = {
      id: `usr_${randomId(12)}`,
      email,
      name,
      passwordHash,
      emailVerified: false,
      isAdmin: false,
      disabledAt: null,
      lockedUntil: null,
      profile: emptyProfile,
      createdAt: now,
      updatedAt: now,
    };
    await commitChange(deps, 'latchkey', async (tx) => {
      // Taken meanwhile by a parallel sign-up: the same answer, and the other request sent its mail.
      if (!(await tx.users.insert(user))) return { result: undefined, changes: [] };
      await requestEmailVerification(tx, user, email, deps, { signUp: true, interaction: context.interaction });
      const audit = { action: 'user.signed_up', targetType: 'user', targetId: user.id, changes: { email, name } };
      return { result: undefined, changes: [serverChange({ type: 'user.created', userId: user.id }, audit)] };
    });
    return { kind: 'accepted' };
  }
}
