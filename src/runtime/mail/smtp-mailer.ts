import nodemailer, { type Transporter } from 'nodemailer';
import { UndeliverableMailError, type Mailer, type MailMessage } from '../../ports/mailer.js';

/** How long one delivery may take at most; the outbox lease is longer, so no other node resends it meanwhile. */
export const smtpTimeoutsMs = { connection: 10_000, greeting: 10_000, socket: 30_000 } as const;

/**
 * Sends through an SMTP server: `smtp://` upgrades with STARTTLS when the server offers it,
 * `smtps://` speaks TLS from the start (RFC 8314 §3.3); credentials come from the URL. One
 * connection per mail: mail is rare next to requests, and nothing is held open between them.
 */
export class SmtpMailer implements Mailer {
  readonly description: string;
  readonly #transport: Transporter;
  readonly #password: string;

  constructor(url: string) {
    const parsed = new URL(url);
    this.description = `${parsed.protocol}//${parsed.host}`;
    this.#password = decodeURIComponent(parsed.password);
    this.#transport = nodemailer.createTransport({
      url,
      connectionTimeout: smtpTimeoutsMs.connection,
      greetingTimeout: smtpTimeoutsMs.greeting,
      socketTimeout: smtpTimeoutsMs.socket,
    });
  }

  async send(message: MailMessage): Promise<void> {
    try {
      await this.#transport.sendMail(message);
    } catch (error) {
      // What the server answered can be logged and stored; the password it was given cannot.
      const text = error instanceof Error ? error.message : String(error);
      const message = this.#password ? text.split(this.#password).join('***') : text;
      throw refusesRecipient(error) ? new UndeliverableMailError(message) : new Error(message);
    }
  }

  close(): Promise<void> {
    this.#transport.close();
    return Promise.resolve();
  }
}

/**
 * A recipient refused with a 5xx reply (RFC 5321 §4.2.1: permanent) or an address nodemailer cannot
 * send to. A refused sender or a failed login is not: the operator can fix those, and the mail
 * then goes out on a later try.
 */
function refusesRecipient(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { code, command, permanent } = error as Error & { code?: string; command?: string; permanent?: boolean };
  return code === 'EENVELOPE' && (command === 'API' || (command === 'RCPT TO' && permanent === true));
}
