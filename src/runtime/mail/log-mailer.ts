import type { Logger } from 'pino';
import type { Mailer, MailMessage } from '../../ports/mailer.js';

/** The absolute URLs in a text part: what a developer opens instead of the mail. */
export function linksIn(text: string): string[] {
  return [...new Set(text.match(/https?:\/\/[^\s<>"]+/g) ?? [])];
}

/**
 * Development mode, when no `mail.smtpUrl` is set: each mail is written to the log (recipient,
 * subject and links) instead of being sent, and counts as sent. Links sign people in or reset
 * passwords, so this is for development only; the start banner says so.
 */
export class LogMailer implements Mailer {
  readonly description = 'the log (development: no mail.smtpUrl)';
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  send(message: MailMessage): Promise<void> {
    this.#logger.info({ mail: { to: message.to, subject: message.subject, links: linksIn(message.text) } }, 'mail not sent (development): written to the log');
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
