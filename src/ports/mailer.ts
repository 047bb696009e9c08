/** One rendered mail, ready to leave: both parts are complete documents. */
export interface MailMessage {
  to: string;
  /** An RFC 5322 address, with or without a display name: "Acme Login <login@acme.example>". */
  from: string;
  subject: string;
  html: string;
  text: string;
}

/** Where rendered mail goes: an SMTP server, or the log in development. */
export interface Mailer {
  /** What the banner and the logs call it, with no credentials: "smtp://mail.example:587". */
  readonly description: string;
  /**
   * Resolves once the mail is accepted for delivery. Rejects when it was not: with an
   * UndeliverableMailError when trying again cannot help, else with any error (retried later).
   */
  send(message: MailMessage): Promise<void>;
  close(): Promise<void>;
}

/** The mail can never be delivered as it is (the server refused its recipient for good): not retried. */
export class UndeliverableMailError extends Error {
  override readonly name = 'UndeliverableMailError';
}
