import type { Transporter } from 'nodemailer';
import { UndeliverableMailError, type Mailer, type MailMessage } from '../../ports/mailer.js';

/** How long one delivery may take at most; the outbox lease is longer, so no other node resends it meanwhile. */
export const smtpTimeoutsMs = { connection: 10_000, greeting: 10_000, socket: 30_000 } as const;

/**
 * Sends through an SMTP server: `smtp://` upgrades with STARTTLS when the server offers it,
 * `smtps://` speaks TLS from the start (RFC 8314 §3.3); credentials come from the URL. One
 * connection per mail: mail is rare next to requests, and nothing is held open between them.
 * nodemailer is loaded with the first mail, so a server that sends none never holds it.
 */
export class SmtpMailer implements Mailer {
  readonly description: string;
  readonly #url: string;
  readonly #password: string;
  #transport: Promise<Transporter> | undefined;

  constructor(url: string) {
    const parsed = new URL(url);
    this.description = `${parsed.protocol}//${parsed.host}`;
    this.#url = url;
    this.#password = decodeURIComponent(parsed.password);
  }

  #transporter(): Promise<Transporter> {
    this.#transport ??= import('nodemailer').then(({ default: nodemailer }) =>
      nodemailer.createTransport({
        url: this.#url,
        connectionTimeout: smtpTimeoutsMs.connection,
        greetingTimeout: smtpTimeoutsMs.greeting,
        socketTimeout: smtpTimeoutsMs.socket,
      }),
    );
    return this.#transport;
  }

  async send(message: MailMessage): Promise<void> {
    try {
      await (await this.#transporter()).sendMail(message);
    } catch (error) {
      // What the server answered can be logged and stored; the password it was given cannot.
      const text = error instanceof Error ? error.message : String(error);
      const message = this.#password ? text.split(this.#password).join('***') : text;
      throw refusesRecipient(error) ? new UndeliverableMailError(message) : new Error(message);
    }
  }

  async close(): Promise<void> {
    if (this.#transport) (await this.#transport).close();
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
