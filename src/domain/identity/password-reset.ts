import type { AccountTokenRecord } from '../../ports/account-tokens.js';
import type { Clock } from '../../ports/clock.js';
import type { DomainEvents } from '../../ports/domain-events.js';
import type { UserRecord } from '../../ports/identity-repositories.js';
import type { PasswordHasher } from '../../ports/password-hasher.js';
import type { RateLimiter } from '../../ports/rate-limiter.js';
import type { Storage } from '../../ports/storage.js';
import { commitChange, serverChange } from '../audit/unit-of-work.js';
import { queueMail } from '../mail/outgoing-mail.js';
import { endSessionsIn } from './sessions.js';
import { consumeAccountLink, inspectAccountLink, type AccountLinkProblem } from './account-links.js';
import { mailPasswordLink } from './account-mail.js';
import { passwordProblem } from './password-policy.js';
import { forgotPasswordLimits, throttle, type SelfServiceLimits } from './self-service-throttle.js';

export interface PasswordResetDependencies {
  storage: Storage;
  clock: Clock;
  events: DomainEvents;
  passwords: PasswordHasher;
  limiter: RateLimiter;
  /** The issuer, without a trailing slash: the reset page is under it. */
  issuer: string;
  limits?: SelfServiceLimits;
}

/** Issues a reset link for the user (ending the older ones) and queues the 'reset-password' mail, in the caller's transaction. */
export async function sendResetLink(
  tx: Pick<Storage, 'accountTokens' | 'outbox'>,
  user: Pick<UserRecord, 'id' | 'name' | 'email'>,
  deps: Pick<PasswordResetDependencies, 'clock' | 'issuer'>,
): Promise<void> {
  const now = deps.clock.now();
  await tx.accountTokens.revokeForUser(user.id, 'reset_password', now);
  await mailPasswordLink(tx, deps.issuer, user, 'reset-password', now);
}

export type ResetRequestOutcome = { kind: 'sent' } | { kind: 'throttled'; retryAfterSeconds: number };

export type ResetOutcome =
  | { kind: 'reset'; user: UserRecord }
  | { kind: 'link_problem'; problem: AccountLinkProblem }
  | { kind: 'invalid_password'; message: string; link: AccountTokenRecord };

class LinkRefused extends Error {
  readonly problem: AccountLinkProblem;
  constructor(problem: AccountLinkProblem) {
    super(problem);
    this.problem = problem;
  }
}

/**
 * "Forgot password": a 30-minute single-use link by mail, with the same answer whether or not
 * the address has an account. Setting the new password ends every session of the user, revokes
 * the grants that were not given for offline use, unlocks the account, ends the user's other
 * reset links, and tells the owner by mail.
 */
export class PasswordReset {
  readonly #deps: PasswordResetDependencies;

  constructor(deps: PasswordResetDependencies) {
    this.#deps = deps;
  }

  async request(emailInput: string, ip: string): Promise<ResetRequestOutcome> {
    const deps = this.#deps;
    const email = emailInput.trim().toLowerCase().slice(0, 254);
    const allowed = await throttle(deps.limiter, 'forgot-password', deps.limits ?? forgotPasswordLimits, ip, email, deps.clock.now());
    if (!allowed.allowed) return { kind: 'throttled', retryAfterSeconds: allowed.retryAfterSeconds };
    const user = email.includes('@') ? await deps.storage.users.getByEmail(email) : undefined;
    if (user && user.disabledAt === null) await deps.storage.transaction((tx) => sendResetLink(tx, user, deps));
    return { kind: 'sent' };
  }

  /** The link behind the reset page, unused. */
  inspect(token: string) {
    return inspectAccountLink(this.#deps.storage.accountTokens, token, 'reset_password', this.#deps.clock.now());
  }

  async complete(token: string, password: string): Promise<ResetOutcome> {
    const deps = this.#deps;
    const inspected = await this.inspect(token);
    if (!inspected.ok) return { kind: 'link_problem', problem: inspected.problem };
    const user = inspected.link.userId ? await deps.storage.users.get(inspected.link.userId) : undefined;
    if (!user || user.disabledAt !== null) return { kind: 'link_problem', problem: 'unknown' };
    const problem = passwordProblem(password, user.email);
    if (problem) return { kind: 'invalid_password', message: problem, link: inspected.link };
    const passwordHash = await deps.passwords.hash(password);
    try {
      return await commitChange(deps, 'latchkey', async (tx) => {
        const now = deps.clock.now();
        const used = await consumeAccountLink(tx.accountTokens, token, 'reset_password', now);
        if (!used.ok) throw new LinkRefused(used.problem);
        await tx.accountTokens.revokeForUser(user.id, 'reset_password', now);
        const current = (await tx.users.get(user.id)) ?? user;
        const next: UserRecord = { ...current, passwordHash, lockedUntil: null, updatedAt: now };
        await tx.users.update(next);
        const { changes: sessionsEnded } = await endSessionsIn(tx, user.id, { all: true }, now, 'password reset');
        const grants = await tx.grants.revokeOnlineForUser(user.id, now);
        await queueMail(tx.outbox, { to: next.email, template: 'password-changed', variables: { name: next.name }, organization: null }, now);
        const changes = { password: 'reset', sessionsEnded: sessionsEnded.length, grantsRevoked: grants };
        return {
          result: { kind: 'reset', user: next },
          changes: [
            serverChange({ type: 'user.updated', userId: user.id }, { action: 'user.password_reset', targetType: 'user', targetId: user.id, changes }),
            ...sessionsEnded,
          ],
        };
      });
    } catch (error) {
      if (error instanceof LinkRefused) return { kind: 'link_problem', problem: error.problem };
      throw error;
    }
  }
}
