import type { OutgoingMail } from '../../src/domain/mail/outgoing-mail.js';
import type { Storage } from '../../src/ports/storage.js';
import { queuedMails } from './mailbox.js';

/** The mails of `template` queued for `to`, oldest first. */
export async function mailsOf(storage: Storage, to: string, template: OutgoingMail['template']): Promise<OutgoingMail[]> {
  return (await queuedMails(storage, to)).filter((mail) => mail.template === template);
}

/** The link of the last mail of `template` queued for `to`. */
export async function lastLink(storage: Storage, to: string, template: OutgoingMail['template']): Promise<string> {
  const link = ((await mailsOf(storage, to, template)).at(-1)?.variables as { link?: string } | undefined)?.link;
  if (!link) throw new Error(`no ${template} mail for ${to}`);
  return link;
}

/** A hosted page's words, without markup and the CSRF token: two answers that must not differ compare equal. */
export function pageText(html: string): string {
  return html
    .replace(/<input type="hidden" name="csrf" value="[^"]*">/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}
