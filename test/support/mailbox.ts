import type { MailTemplateName, OutgoingMail } from '../../src/domain/mail/outgoing-mail.js';
import type { Storage } from '../../src/ports/storage.js';

/** A mail as a test reads it: its template and variables, with the link it carries (if any). */
export type QueuedMail = OutgoingMail & { variables: Record<string, unknown> & { link?: string } };

/**
 * The mails queued for `to`, oldest first, whether or not the worker has sent them yet: for tests
 * of what a request queues. Tests of delivery read what arrives at test/support/smtp.ts instead.
 */
export async function queuedMails(storage: Pick<Storage, 'outbox'>, to: string, template?: MailTemplateName): Promise<QueuedMail[]> {
  const entries = await storage.outbox.listRecent(1000);
  return entries
    .filter((entry) => entry.kind === 'mail')
    .reverse()
    .map((entry) => entry.payload as unknown as QueuedMail)
    .filter((mail) => mail.to === to.toLowerCase() && (template === undefined || mail.template === template));
}
