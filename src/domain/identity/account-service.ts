import { z } from 'zod';
import type { AccountTokenRecord } from '../../ports/account-tokens.js';
import type { Clock } from '../../ports/clock.js';
import type { DomainEvents } from '../../ports/domain-events.js';
import type { UserProfile, UserRecord } from '../../ports/identity-repositories.js';
import type { PasswordHasher } from '../../ports/password-hasher.js';
import type { Storage } from '../../ports/storage.js';
import type { RequestContext } from '../audit/audit-log.js';
import { commitChange, serverChange, type Change, type ChangeDependencies } from '../audit/unit-of-work.js';
import { DomainError } from '../errors.js';
import type { OutgoingMail } from '../mail/outgoing-mail.js';
import { queueMail } from '../mail/outgoing-mail.js';
import { parseOrThrow } from '../validation.js';
import { accountLinkLifetimeMs, issueAccountLink } from './account-links.js';
import type { ConsentService } from './consents.js';
import { passwordProblem } from './password-policy.js';
import { endSessionsIn, type SessionSelection } from './sessions.js';
import type { SignIn } from './sign-in.js';

export interface AccountServiceDependencies {
  storage: Storage;
  clock: Clock;
  events: DomainEvents;
  passwords: PasswordHasher;
  consents: ConsentService;
  /** Checks the current password as a sign-in attempt: the same throttling per account and address, the same counts. */
  signIn: Pick<SignIn, 'attempt'>;
}

/** What a user may say of themselves: the OIDC Core §5.1 standard claims besides email. */
export interface ProfileInput {
  name: string;
  givenName: string;
  familyName: string;
  picture: string;
  locale: string;
  phoneNumber: string;
  /** The postal address, one line per line of a mailing label. */
  address: string;
}

/** An empty field clears the claim. */
const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max, { error: `must be at most ${max} characters` })
    .transform((value) => (value === '' ? null : value));

function isBcp47(tag: string): boolean {
  try {
    return Intl.getCanonicalLocales(tag).length === 1;
  } catch {
    return false;
  }
}

const profileSchema = z.object({
  name: z.string().trim().max(100, { error: 'must be at most 100 characters' }),
  givenName: optionalText(100),
  familyName: optionalText(100),
  // Shown by apps on their own pages: a plain-http picture would be mixed content and trackable in transit.
  picture: optionalText(2000).refine((value) => value === null || (URL.canParse(value) && new URL(value).protocol === 'https:'), {
    error: 'must be an https URL',
  }),
  // OIDC Core §5.1: locale is a BCP 47 language tag.
  locale: optionalText(35).refine((value) => value === null || isBcp47(value), { error: 'must be a BCP 47 language tag, such as en-GB' }),
  // E.164 is recommended (OIDC Core §5.1); digits with the usual separators and an optional leading +.
  phoneNumber: optionalText(32).refine((value) => value === null || /^\+?[0-9][0-9 ().-]{2,31}$/.test(value), {
    error: 'must be a phone number, such as +44 20 7946 0958',
  }),
  address: z
    .string()
    .transform((value) => value.replace(/\r\n?/g, '\n'))
    .pipe(optionalText(500))
    .refine((value) => value === null || value.split('\n').length <= 8, { error: 'must be at most 8 lines' }),
});

const emailSchema = z
  .email({ error: 'must be an email address' })
  .max(254)
  .transform((email) => email.toLowerCase());

/** The audit row and event of a change the user made to their own account. */
function accountChange(userId: string, action: string, changes: Record<string, string | boolean | number | null> = {}): Change {
  return serverChange({ type: 'user.updated', userId }, { action, targetType: 'user', targetId: userId, changes });
}

/**
 * What confirming a verify_email link does to the account it names, for the verification page: a
 * link sent to another address than the account's is an email change, which takes effect now
 * (verified, since the link reached that address) and tells the old address; a link to the
 * account's own address only marks it verified. Null when the link is for another account.
 */
export function confirmedEmail(
  user: UserRecord,
  link: Pick<AccountTokenRecord, 'userId' | 'email'>,
  now: number,
): { user: UserRecord; notice: OutgoingMail<'email-changed'> | null } | null {
  if (link.userId !== user.id || link.email === null) return null;
  const email = link.email.toLowerCase();
  const next = { ...user, email, emailVerified: true, updatedAt: now };
  if (email === user.email) return { user: next, notice: null };
  return { user: next, notice: { to: user.email, template: 'email-changed', variables: { name: user.name, newEmail: email }, organization: null } };
}

/**
 * The account page's use cases: what a signed-in user changes about themselves. Each is one
 * transaction with its audit row; mails go to the outbox in the same transaction.
 */
export class AccountService {
  readonly #deps: AccountServiceDependencies;
  readonly #changes: ChangeDependencies;

  constructor(deps: AccountServiceDependencies) {
    this.#deps = deps;
    this.#changes = { storage: deps.storage, clock: deps.clock, events: deps.events };
  }

  async #user(userId: string): Promise<UserRecord> {
    const user = await this.#deps.storage.users.get(userId);
    if (!user) throw DomainError.notFound('account');
    return user;
  }

  /** Name and the standard profile claims; every field is checked before anything is saved. */
  async updateProfile(context: RequestContext, userId: string, input: ProfileInput): Promise<UserRecord> {
    const parsed = parseOrThrow(profileSchema, input);
    const user = await this.#user(userId);
    const profile: UserProfile = {
      givenName: parsed.givenName,
      familyName: parsed.familyName,
      picture: parsed.picture,
      locale: parsed.locale,
      phoneNumber: parsed.phoneNumber,
      address: parsed.address,
    };
    const next: UserRecord = { ...user, name: parsed.name, profile, updatedAt: this.#deps.clock.now() };
    const changed = Object.keys(profile).filter((key) => profile[key as keyof UserProfile] !== user.profile[key as keyof UserProfile]);
    if (parsed.name !== user.name) changed.push('name');
    return commitChange(this.#changes, context, async (tx) => {
      await tx.users.update(next);
      return { result: next, changes: [accountChange(userId, 'user.profile_updated', { fields: changed.join(', ') })] };
    });
  }

  /**
   * Starts an email change: a verify_email link for the new address goes to that address, and
   * the account keeps its old one until the link is used. An address another account has gets
   * the same answer but no mail, so the form tells no one which addresses have accounts.
   */
  async requestEmailChange(context: RequestContext, userId: string, newEmail: string, linkOf: (token: string) => string): Promise<void> {
    const email = parseOrThrow(z.object({ email: emailSchema }), { email: newEmail.trim() }).email;
    const user = await this.#user(userId);
    if (email === user.email)
      throw new DomainError('validation', 'email: is already the address of this account', [
        { field: 'email', message: 'is already the address of this account' },
      ]);
    const taken = (await this.#deps.storage.users.getByEmail(email)) !== undefined;
    const now = this.#deps.clock.now();
    await commitChange(this.#changes, context, async (tx) => {
      if (!taken) {
        const token = await issueAccountLink(tx.accountTokens, { purpose: 'verify_email', userId, email }, now);
        const expiresInHours = accountLinkLifetimeMs.verify_email / 3600_000;
        await queueMail(
          tx.outbox,
          { to: email, template: 'verify-email', variables: { name: user.name, link: linkOf(token), expiresInHours }, organization: null },
          now,
        );
      }
      const audit = { action: 'user.email_change_requested', targetType: 'user', targetId: userId, changes: { newEmail: email, sent: !taken } };
      return { result: undefined, changes: [serverChange({ type: 'user.email_change_requested', userId }, audit)] };
    });
  }

  /**
   * Changes the password after checking the current one; the user's other sessions end (whoever
   * knew the old password is signed out), the browser that changed it stays signed in, and the
   * owner is told by mail. The current password is checked as a sign-in attempt from `ip`, so a
   * stolen session can't guess it faster than the sign-in form allows.
   */
  async changePassword(
    context: RequestContext,
    userId: string,
    input: { current: string; next: string; keepSessionHash: string; ip: string },
  ): Promise<{ ok: true } | { ok: false; retryAfterSeconds: number }> {
    const user = await this.#user(userId);
    const attempt = await this.#deps.signIn.attempt(user.email, input.current, input.ip);
    if (!attempt.ok && attempt.reason === 'throttled') return { ok: false, retryAfterSeconds: attempt.retryAfterSeconds };
    if (!attempt.ok || attempt.user.id !== userId) {
      throw new DomainError('validation', 'currentPassword: is not your current password', [
        { field: 'currentPassword', message: 'is not your current password' },
      ]);
    }
    const problem = passwordProblem(input.next, user.email);
    if (problem) throw new DomainError('validation', `newPassword: ${problem}`, [{ field: 'newPassword', message: problem }]);
    const passwordHash = await this.#deps.passwords.hash(input.next);
    const now = this.#deps.clock.now();
    await commitChange(this.#changes, context, async (tx) => {
      await tx.users.update({ ...user, passwordHash, updatedAt: now });
      const { changes: ended } = await endSessionsIn(tx, userId, { allBut: input.keepSessionHash }, now, 'password changed');
      await queueMail(tx.outbox, { to: user.email, template: 'password-changed', variables: { name: user.name }, organization: null }, now);
      return { result: undefined, changes: [accountChange(userId, 'user.password_changed', { password: 'changed', sessionsEnded: ended.length }), ...ended] };
    });
    return { ok: true };
  }

  /**
   * Signs out one of the user's sessions (named by its public sid), or all of them but `keepIdHash`,
   * or all; answers the apps each ended session was used with (by sid), for front-channel logout.
   */
  async endSessions(context: RequestContext, userId: string, selection: SessionSelection): Promise<Map<string, string[]>> {
    const now = this.#deps.clock.now();
    return commitChange(this.#changes, context, async (tx) => {
      const { changes, apps } = await endSessionsIn(tx, userId, selection, now, 'signed out from the account page');
      return { result: apps, changes };
    });
  }

  /** The apps the user allowed, with their names. */
  apps(context: RequestContext) {
    return this.#deps.consents.listMine(context);
  }

  /** Withdraws consent to an app: the consent goes, and every grant (refresh token included) the user gave it is revoked. */
  withdrawConsent(context: RequestContext, clientId: string): Promise<void> {
    return this.#deps.consents.revoke(context, clientId);
  }
}
