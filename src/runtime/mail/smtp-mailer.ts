import nodemailer, { type Transporter } from 'nodemailer';
import type { Mailer, MailMessage } from '../../ports/mailer.js';

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
      const text = error instanceof Error ? `${error.message}` : String(error);
      throw new Error(this.#password ? text.split(this.#password).join('***') : text);
    }
  }

  close(): Promise<void> {
    this.#transport.close();
    return Promise.resolve();
  }
}
