import type { Logger } from 'pino';
import type { Config } from '../../config/schema.js';
import type { Mailer } from '../../ports/mailer.js';
import type { Runtime } from '../runtime.js';
import { LogMailer } from './log-mailer.js';
import { MailRenderer } from './mail-renderer.js';
import { backchannelLogoutSender } from '../backchannel-logout-sender.js';
import { mailSender, startOutboxWorker, type OutboxWorker, type OutboxWorkerOptions } from './outbox-worker.js';
import { SmtpMailer } from './smtp-mailer.js';

/** The SMTP server of `mail.smtpUrl`, or the log when it is unset (development). */
export function createMailer(config: Config, logger: Logger): Mailer {
  return config.mail.smtpUrl ? new SmtpMailer(config.mail.smtpUrl) : new LogMailer(logger);
}

export interface MailDelivery {
  readonly mailer: Mailer;
  readonly worker: OutboxWorker;
  /** True when mails are only logged. */
  readonly logOnly: boolean;
  stop(): Promise<void>;
}

/**
 * Starts this node's outbox worker (mail and back-channel logouts). Changes that queue mail publish their event after commit, so
 * an account or invitation event wakes the worker at once; the poll catches the rest, including
 * mail queued on other nodes.
 */
export function startMailDelivery(runtime: Runtime, options: Partial<OutboxWorkerOptions> = {}): MailDelivery {
  const { config, logger, clock, storage } = runtime;
  const mailer = createMailer(config, logger);
  if (mailer instanceof LogMailer) logger.warn('mail.smtpUrl is unset: mails are written to the log instead of being sent (development mode)');
  const renderer = new MailRenderer({ serverName: config.mail.serverName, templatesDir: config.ui.templatesDir });
  const senders = {
    mail: mailSender(mailer, renderer, config.mail.from),
    backchannel_logout: backchannelLogoutSender({
      issuer: config.issuer,
      signingKeys: runtime.signingKeys,
      apps: storage.apps,
      clock,
      subjects: runtime.subjects,
    }),
  };
  const worker = startOutboxWorker({ outbox: storage.outbox, senders, clock, logger }, options);
  const unsubscribe = runtime.events.subscribe((event) => {
    // A session's end may have queued back-channel logouts.
    if (event.type.startsWith('user.') || event.type.startsWith('invitation.') || event.type === 'session.ended') worker.wake();
  });
  return {
    mailer,
    worker,
    logOnly: mailer instanceof LogMailer,
    stop: async () => {
      unsubscribe();
      await worker.stop();
      await mailer.close();
    },
  };
}
