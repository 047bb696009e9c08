import type { OutboxRepository } from '../../ports/outbox.js';
import { timeSortableId } from '../../shared/random.js';

/** Every mail Latchkey sends, with the values its template fills in. Links are absolute URLs. */
export interface MailVariables {
  /** Confirms an address: at sign-up, on an email change, on request. */
  'verify-email': { name: string; link: string; expiresInHours: number };
  /** "Forgot password": the link to set a new one. */
  'reset-password': { name: string; link: string; expiresInMinutes: number };
  /** Tells the owner their password was changed or reset (and what to do if it wasn't them). */
  'password-changed': { name: string };
  /** Sent to the old address when an account's email changes. */
  'email-changed': { name: string; newEmail: string };
  /** Too many failed sign-ins locked the account for a while. */
  'account-locked': { name: string; lockedMinutes: number; resetLink: string };
  /** An administrator created the account: the link sets its first password. */
  'account-created': { name: string; link: string; expiresInHours: number };
  /** Two-step verification changed: `change` says how (turned on, a method removed, reset by an administrator). */
  'second-factor-changed': { name: string; change: string };
  /** An organization invited the address. */
  invitation: { organization: string; inviter: string; role: string; link: string; expiresInDays: number };
}

export type MailTemplateName = keyof MailVariables;

/** The outbox payload of a mail: rendered by the worker when it sends, so a replaced template applies. */
export interface OutgoingMail<Template extends MailTemplateName = MailTemplateName> {
  to: string;
  template: Template;
  variables: MailVariables[Template];
  /** The organization the mail speaks for; the server's name when null. */
  organization: string | null;
}

/**
 * Queues a mail in the outbox. Call it with the transaction's outbox so that the mail exists if
 * and only if the change that causes it commits; the worker sends it after.
 */
export async function queueMail<Template extends MailTemplateName>(outbox: OutboxRepository, mail: OutgoingMail<Template>, now: number): Promise<string> {
  const id = timeSortableId('mail_', now);
  await outbox.enqueue({ id, kind: 'mail', payload: { ...mail, variables: { ...mail.variables } }, createdAt: now });
  return id;
}
