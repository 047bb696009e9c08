import type { Clock } from '../../ports/clock.js';
import type { JsonValue } from '../../ports/app-repositories.js';
import type { UserRecord } from '../../ports/identity-repositories.js';
import type { Storage } from '../../ports/storage.js';
import { commitChange, serverChange, type ChangeDependencies } from '../audit/unit-of-work.js';
import { confirmedEmail } from './account-service.js';
import { queueMail } from '../mail/outgoing-mail.js';
import { accountLinkLifetimeMs, consumeAccountLink, issueAccountLink, type AccountLinkProblem } from './account-links.js';

export interface EmailVerificationDependencies {
  clock: Clock;
  /** The absolute URL of the verify-email page; the link adds `?token=`. */
  verifyEmailUrl: string;
}

/** What a verification link may carry besides the address: that it came from a sign-up, and the interaction to go back to. */
export interface VerificationLinkData {
  signUp?: boolean;
  interaction?: string | null;
}

/**
 * Issues a single-use link that confirms `email` for `user` and queues the 'verify-email' mail
 * to that address, in the caller's transaction: the mail exists only if the change commits.
 * `email` may differ from the user's current address (an email change): following the link then
 * moves the account to it.
 */
export async function requestEmailVerification(
  tx: Pick<Storage, 'accountTokens' | 'outbox'>,
  user: Pick<UserRecord, 'id' | 'name'>,
  email: string,
  deps: EmailVerificationDependencies,
  data: VerificationLinkData = {},
): Promise<void> {
  const now = deps.clock.now();
  const linkData: Record<string, JsonValue> = { ...(data.signUp ? { signUp: true } : {}), ...(data.interaction ? { interaction: data.interaction } : {}) };
  const token = await issueAccountLink(tx.accountTokens, { purpose: 'verify_email', userId: user.id, email, data: linkData }, now);
  await queueMail(
    tx.outbox,
    {
      to: email,
      template: 'verify-email',
      variables: { name: user.name, link: `${deps.verifyEmailUrl}?token=${token}`, expiresInHours: accountLinkLifetimeMs.verify_email / 3_600_000 },
      organization: null,
    },
    now,
  );
}

/** Why following a verification link changed nothing. */
export type VerificationProblem = AccountLinkProblem | 'email_taken';

export type VerificationOutcome = { ok: true; user: UserRecord; data: VerificationLinkData } | { ok: false; problem: VerificationProblem };

class Refused extends Error {
  readonly problem: VerificationProblem;
  constructor(problem: VerificationProblem) {
    super(problem);
    this.problem = problem;
  }
}

/**
 * Follows a verification link, once: the link names the address it was sent to. When that is
 * the account's address, it is marked verified; when it differs (an email change), the account
 * moves to it, verified, unless another account holds it (then nothing changes). Only this and
 * an administrator set email_verified.
 */
export async function verifyEmail(deps: ChangeDependencies, token: string): Promise<VerificationOutcome> {
  try {
    return await commitChange(deps, 'latchkey', async (tx) => {
      const used = await consumeAccountLink(tx.accountTokens, token, 'verify_email', deps.clock.now());
      if (!used.ok) throw new Refused(used.problem);
      const { link } = used;
      const user = link.userId ? await tx.users.get(link.userId) : undefined;
      if (!user || !link.email) throw new Refused('unknown');
      const confirmed = confirmedEmail(user, link, deps.clock.now());
      if (!confirmed) throw new Refused('unknown');
      const { email } = confirmed.user;
      if (email !== user.email) {
        const holder = await tx.users.getByEmail(email);
        if (holder && holder.id !== user.id) throw new Refused('email_taken');
      }
      const next: UserRecord = confirmed.user;
      await tx.users.update(next);
      // The old address hears of the change, so that its owner notices a change they did not make.
      if (confirmed.notice) await queueMail(tx.outbox, confirmed.notice, deps.clock.now());
      const changes: Record<string, JsonValue> = { emailVerified: true, ...(email !== user.email ? { email: { from: user.email, to: email } } : {}) };
      const data: VerificationLinkData = {
        signUp: link.data.signUp === true,
        interaction: typeof link.data.interaction === 'string' ? link.data.interaction : null,
      };
      return {
        result: { ok: true, user: next, data },
        changes: [serverChange({ type: 'user.updated', userId: user.id }, { action: 'user.email_verified', targetType: 'user', targetId: user.id, changes })],
      };
    });
  } catch (error) {
    if (error instanceof Refused) return { ok: false, problem: error.problem };
    throw error;
  }
}
