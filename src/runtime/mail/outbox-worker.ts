import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { OutgoingMail } from '../../domain/mail/outgoing-mail.js';
import type { Clock } from '../../ports/clock.js';
import { UndeliverableMailError, type Mailer } from '../../ports/mailer.js';
import type { OutboxEntry, OutboxKind, OutboxRepository } from '../../ports/outbox.js';
import type { MailRenderer } from './mail-renderer.js';

export interface OutboxWorkerOptions {
  /** How often the outbox is asked for due entries. */
  pollIntervalMs: number;
  /** Entries claimed at once; a full batch is followed by the next one at once. */
  batchSize: number;
  /** How long a claim keeps other workers off an entry: longer than one delivery can take. */
  leaseMs: number;
  /** The first retry waits this long, each next one twice as long as the one before ... */
  backoffBaseMs: number;
  /** ... but never longer than this. */
  backoffMaxMs: number;
  /** Failed tries after which an entry is given up (kept, with its last error, for the operator). */
  maxAttempts: number;
  /** Sent and given-up entries are deleted this long after they finished. */
  retentionMs: number;
  /** How often finished entries are deleted. */
  cleanupIntervalMs: number;
}

export const defaultOutboxWorkerOptions: OutboxWorkerOptions = {
  pollIntervalMs: 1000,
  batchSize: 20,
  leaseMs: 120_000,
  backoffBaseMs: 5000,
  backoffMaxMs: 3_600_000,
  maxAttempts: 12,
  retentionMs: 7 * 24 * 3_600_000,
  cleanupIntervalMs: 600_000,
};

/** When the try after `attempts` failed tries happens, or null to give up. */
export function nextAttemptAt(
  attempts: number,
  now: number,
  options: Pick<OutboxWorkerOptions, 'backoffBaseMs' | 'backoffMaxMs' | 'maxAttempts'>,
): number | null {
  if (attempts >= options.maxAttempts) return null;
  return now + Math.min(options.backoffBaseMs * 2 ** (attempts - 1), options.backoffMaxMs);
}

export interface OutboxWorker {
  readonly id: string;
  /** Looks for due entries now instead of at the next poll. */
  wake(): void;
  /** Claims and delivers due entries once; answers how many were sent. */
  runOnce(): Promise<number>;
  /** Stops polling and waits for the delivery under way. */
  stop(): Promise<void>;
}

/**
 * How one kind of outbox entry leaves. `send` resolves once it was accepted; it rejects with an
 * UndeliverableError (or UndeliverableMailError) when trying again cannot help, else with any
 * error (retried with backoff).
 */
export interface OutboxSender {
  /** What the log calls one entry: "mail", "back-channel logout". */
  readonly noun: string;
  /** Log fields naming an entry, never its secrets: a mail's links are credentials. */
  logFields(entry: OutboxEntry): Record<string, unknown>;
  send(entry: OutboxEntry): Promise<void>;
}

/** The entry can never be delivered as it is (its app is gone, say): not retried. */
export class UndeliverableError extends Error {
  override readonly name = 'UndeliverableError';
}

/** Sends `mail` entries through the mailer, rendered at send time. */
export function mailSender(mailer: Mailer, renderer: MailRenderer, from: string): OutboxSender {
  return {
    noun: 'mail',
    logFields: (entry) => ({ mailId: entry.id, template: (entry.payload as { template?: string }).template }),
    send: async (entry) => {
      const mail = entry.payload as unknown as OutgoingMail;
      await mailer.send({ to: mail.to, from, ...renderer.render(mail) });
    },
  };
}

export interface OutboxWorkerDependencies {
  outbox: OutboxRepository;
  /** One sender for each kind the outbox carries. */
  senders: { readonly [Kind in OutboxKind]: OutboxSender };
  clock: Clock;
  logger: Logger;
}

/**
 * Delivers the outbox. Every node runs one: a claim is atomic and leased, so each entry is sent
 * by one worker, and one that crashed mid-delivery is taken over when its lease runs out (at the
 * price of a possible second copy: delivery is at least once, never silently lost).
 */
export function startOutboxWorker(dependencies: OutboxWorkerDependencies, overrides: Partial<OutboxWorkerOptions> = {}): OutboxWorker {
  const options = { ...defaultOutboxWorkerOptions, ...overrides };
  const { outbox, senders, clock } = dependencies;
  const id = `worker_${randomBytes(8).toString('hex')}`;
  const logger = dependencies.logger.child({ component: 'outbox', worker: id });
  let stopped = false;
  let running: Promise<number> | undefined;
  let again = false;
  let lastCleanup = clock.now();

  const deliver = async (entry: OutboxEntry): Promise<boolean> => {
    const sender = (senders as Partial<Record<string, OutboxSender>>)[entry.kind];
    if (!sender) return fail(entry, undefined, new UndeliverableError(`unknown outbox kind ${String(entry.kind)}`));
    try {
      await sender.send(entry);
    } catch (error) {
      return fail(entry, sender, error);
    }
    if (!(await outbox.markSent(entry.id, id, clock.now()))) {
      // The lease ran out during the delivery: another worker may send it again.
      logger.warn({ ...sender.logFields(entry), leaseMs: options.leaseMs }, `${sender.noun} sent after its claim had run out; it may be sent twice`);
    }
    logger.info({ ...sender.logFields(entry), attempts: entry.attempts + 1 }, `${sender.noun} sent`);
    return true;
  };

  // Only the error's message is logged and stored: never the entry itself.
  const fail = async (entry: OutboxEntry, sender: OutboxSender | undefined, error: unknown): Promise<false> => {
    const reason = error instanceof Error ? error.message : String(error);
    const now = clock.now();
    const undeliverable = error instanceof UndeliverableMailError || error instanceof UndeliverableError;
    const retryAt = undeliverable ? null : nextAttemptAt(entry.attempts + 1, now, options);
    await outbox.markFailed(entry.id, id, reason, retryAt, now);
    const noun = sender?.noun ?? entry.kind;
    const fields = { ...(sender ? sender.logFields(entry) : { entryId: entry.id }), attempts: entry.attempts + 1, error: reason };
    if (retryAt === null) logger.error(fields, undeliverable ? `${noun} given up: it cannot be delivered` : `${noun} given up after too many failed tries`);
    else logger.warn({ ...fields, retryInMs: retryAt - now }, `${noun} delivery failed; will retry`);
    return false;
  };

  // Claimed but not tried when the node stops: due again at once for any node, instead of after the lease.
  const release = async (entries: OutboxEntry[]): Promise<void> => {
    const now = clock.now();
    for (const entry of entries) await outbox.markFailed(entry.id, id, 'the node stopped before sending it', now, now);
  };

  const cleanup = async (now: number): Promise<void> => {
    if (now - lastCleanup < options.cleanupIntervalMs) return;
    lastCleanup = now;
    let deleted = 0;
    for (let batch; (batch = await outbox.deleteFinished(now - options.retentionMs, 500)) > 0 && !stopped;) deleted += batch;
    if (deleted > 0) logger.debug({ deleted }, 'deleted finished outbox entries');
  };

  const runOnce = async (): Promise<number> => {
    let sent = 0;
    for (;;) {
      const now = clock.now();
      const entries = await outbox.claimDue(id, now, now + options.leaseMs, options.batchSize);
      for (const [index, entry] of entries.entries()) {
        if (stopped) {
          await release(entries.slice(index));
          break;
        }
        if (await deliver(entry)) sent += 1;
      }
      if (entries.length < options.batchSize || stopped) break;
    }
    await cleanup(clock.now());
    return sent;
  };

  const tick = (): void => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = runOnce()
      .catch((error: unknown) => {
        logger.error({ err: error }, 'outbox poll failed');
        return 0;
      })
      .finally(() => {
        running = undefined;
        if (again) {
          again = false;
          tick();
        }
      });
  };

  const timer = setInterval(tick, options.pollIntervalMs);
  timer.unref();
  return {
    id,
    wake: () => setImmediate(tick),
    runOnce: () => runOnce(),
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
