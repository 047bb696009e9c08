import type { OutgoingMail } from '../../src/domain/mail/outgoing-mail.js';
import type { Storage } from '../../src/ports/storage.js';

/**
 * The mails queued for `to`, oldest first, read from the outbox (payload = OutgoingMail, whose
 * `variables.link` is the link the mail carries). The one place tests read mail.
 */
export async function queuedMails(storage: Pick<Storage, 'outbox'>, to: string): Promise<OutgoingMail[]> {
  const pending = await storage.outbox.listPending(1000);
  return pending
    .filter((entry) => entry.kind === 'mail')
    .map((entry) => entry.payload as unknown as OutgoingMail)
    .filter((mail) => mail.to.toLowerCase() === to.toLowerCase());
}
