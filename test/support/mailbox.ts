import type { MailTemplateName, OutgoingMail } from '../../src/domain/mail/outgoing-mail.js';
import type { Storage } from '../../src/ports/storage.js';

/** A mail as a test reads it: its template and variables, with the link it carries (if any). */
export type QueuedMail = OutgoingMail & { variables: Record<string, unknown> & { link?: string } };

/** The mail queued for `to` and not yet sent, oldest first. */
export async function queuedMails(storage: Pick<Storage, 'outbox'>, to: string, template?: MailTemplateName): Promise<QueuedMail[]> {
  const pending = await storage.outbox.listPending(1000);
  return pending
    .map((entry) => entry.payload as unknown as QueuedMail)
    .filter((mail) => mail.to === to.toLowerCase() && (template === undefined || mail.template === template));
}
