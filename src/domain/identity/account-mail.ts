import { paths } from '../../contracts/paths.js';
import type { UserRecord } from '../../ports/identity-repositories.js';
import type { Storage } from '../../ports/storage.js';
import { queueMail } from '../mail/outgoing-mail.js';
import { accountLinkLifetimeMs, issueAccountLink } from './account-links.js';

/** An account created by an administrator gets longer to set its first password than a reset. */
export const accountCreatedLinkLifetimeMs = 72 * 60 * 60_000;

/** The absolute URL of an account page that takes a single-use link token. */
export function accountLinkUrl(issuer: string, path: string, token: string): string {
  return `${issuer}${path}?${new URLSearchParams({ token }).toString()}`;
}

/**
 * Mails a link that sets a new password: `reset-password` on request, `account-created` for an
 * account made without a password. Call it in the transaction of the change that causes it, so
 * that the link and the mail exist if and only if the change commits.
 */
export async function mailPasswordLink(
  tx: Pick<Storage, 'accountTokens' | 'outbox'>,
  issuer: string,
  user: Pick<UserRecord, 'id' | 'email' | 'name'>,
  template: 'reset-password' | 'account-created',
  now: number,
): Promise<void> {
  const lifetimeMs = template === 'account-created' ? accountCreatedLinkLifetimeMs : accountLinkLifetimeMs.reset_password;
  const token = await issueAccountLink(tx.accountTokens, { purpose: 'reset_password', userId: user.id, email: user.email, lifetimeMs }, now);
  const link = accountLinkUrl(issuer, paths.resetPassword, token);
  if (template === 'account-created') {
    await queueMail(
      tx.outbox,
      { to: user.email, template, variables: { name: user.name, link, expiresInHours: lifetimeMs / 3600_000 }, organization: null },
      now,
    );
  } else {
    await queueMail(
      tx.outbox,
      { to: user.email, template, variables: { name: user.name, link, expiresInMinutes: lifetimeMs / 60_000 }, organization: null },
      now,
    );
  }
}
