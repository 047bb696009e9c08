import { simpleParser, type AddressObject } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { linksIn } from '../../src/runtime/mail/log-mailer.js';

/** One mail the test SMTP server accepted, parsed. */
export interface ReceivedMail {
  /** Envelope recipients (RCPT TO). */
  to: string[];
  from: string;
  subject: string;
  text: string;
  html: string;
  /** The absolute URLs in the text part. */
  links: string[];
  /** Whether the mail came over TLS (smtps://, or after STARTTLS). */
  secure: boolean;
}

export interface TestSmtp {
  /** smtp://[user:password@]127.0.0.1:port */
  url: string;
  port: number;
  /** Every mail accepted so far, in order. */
  mails: ReceivedMail[];
  /** The first mail (already received or yet to come) that matches, or a rejection after `timeoutMs`. */
  waitForMail(predicate?: (mail: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
  /** The first link to `path` (e.g. paths.verifyEmail) in a mail to `to`, waiting for the mail to arrive. */
  mailedLink(to: string, path: string, timeoutMs?: number): Promise<string>;
  /** Stops listening: deliveries fail with a connection error until restart(). */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  restart(): Promise<void>;
}

export interface TestSmtpOptions {
  /** Requires AUTH PLAIN/LOGIN with these credentials. */
  auth?: { user: string; password: string };
  /**
   * 'none' (default): plain SMTP, no STARTTLS offered; 'starttls': offers STARTTLS; 'implicit':
   * TLS from the first byte (smtps://). The certificate is smtp-server's self-signed one, so the
   * URL tells nodemailer not to verify it.
   */
  tls?: 'none' | 'starttls' | 'implicit';
  /** Recipients refused at RCPT TO with 550 (no such mailbox). */
  refuse?: string[];
}

/** A real SMTP server in process on a loopback port the system chose, recording what it receives. */
export async function startTestSmtp(options: TestSmtpOptions = {}): Promise<TestSmtp> {
  const tls = options.tls ?? 'none';
  const mails: ReceivedMail[] = [];
  const waiters = new Set<() => void>();
  let server: SMTPServer | undefined;

  const create = () =>
    new SMTPServer({
      // nodemailer upgrades smtp:// with STARTTLS only when it is offered.
      disabledCommands: tls === 'none' ? ['STARTTLS'] : [],
      secure: tls === 'implicit',
      authOptional: !options.auth,
      allowInsecureAuth: true,
      closeTimeout: 200,
      logger: false,
      onAuth(auth, _session, callback) {
        if (options.auth && auth.username === options.auth.user && auth.password === options.auth.password) callback(null, { user: auth.username });
        else callback(new Error('Invalid username or password'));
      },
      onRcptTo(address, _session, callback) {
        if (options.refuse?.includes(address.address)) callback(Object.assign(new Error('No such mailbox'), { responseCode: 550 }));
        else callback();
      },
      onData(stream, session, callback) {
        simpleParser(stream).then(
          (parsed) => {
            const text = parsed.text ?? '';
            mails.push({
              to: session.envelope.rcptTo.map((address) => address.address),
              from: addressText(parsed.from),
              subject: parsed.subject ?? '',
              text,
              html: typeof parsed.html === 'string' ? parsed.html : '',
              links: linksIn(text),
              secure: session.secure,
            });
            for (const wake of waiters) wake();
            callback();
          },
          (error: Error) => callback(error),
        );
      },
    });

  const listen = async (port: number): Promise<number> => {
    server = create();
    const current = server;
    await new Promise<void>((resolve, reject) => {
      current.once('error', reject);
      current.listen(port, '127.0.0.1', () => {
        current.off('error', reject);
        resolve();
      });
    });
    const address = current.server.address();
    if (!address || typeof address !== 'object') throw new Error('the SMTP server has no port');
    return address.port;
  };

  const linkTo = (mail: ReceivedMail, path: string) => mail.links.find((link) => new URL(link).pathname.endsWith(path));

  const waitForMail = (predicate: (mail: ReceivedMail) => boolean = () => true, timeoutMs = 10_000): Promise<ReceivedMail> =>
    new Promise((resolve, reject) => {
      const check = () => {
        const found = mails.find(predicate);
        if (!found) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve(found);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(
          new Error(`no matching mail within ${timeoutMs} ms; received: ${JSON.stringify(mails.map((mail) => ({ to: mail.to, subject: mail.subject })))}`),
        );
      }, timeoutMs);
      waiters.add(check);
      check();
    });

  const port = await listen(0);
  const credentials = options.auth ? `${encodeURIComponent(options.auth.user)}:${encodeURIComponent(options.auth.password)}@` : '';
  return {
    url: `${tls === 'implicit' ? 'smtps' : 'smtp'}://${credentials}127.0.0.1:${port}${tls === 'none' ? '' : '?tls.rejectUnauthorized=false'}`,
    port,
    mails,
    waitForMail,
    async mailedLink(to, path, timeoutMs) {
      const mail = await waitForMail((candidate) => candidate.to.includes(to.toLowerCase()) && linkTo(candidate, path) !== undefined, timeoutMs);
      return linkTo(mail, path)!;
    },
    stop: async () => {
      const current = server;
      server = undefined;
      if (current) await new Promise<void>((resolve) => current.close(() => resolve()));
    },
    restart: async () => {
      if (server) return;
      await listen(port);
    },
  };
}

function addressText(address: AddressObject | AddressObject[] | undefined): string {
  if (!address) return '';
  return (Array.isArray(address) ? address : [address]).map((entry) => entry.text).join(', ');
}
