import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterSessionEnded } from '../domain/identity/sessions.js';
import { expiredDeviceCodeRetentionMs } from '../protocol/endpoints/device-authorization-endpoint.js';
import type { Runtime } from './runtime.js';

export const sweepIntervalMs = 60_000;

/** Rows per delete: a few milliseconds of work, so that requests wait no longer than that. */
export const sweepBatchSize = 500;

/**
 * Deletes what has expired (codes, grants, opaque tokens, revoked jtis, sessions, interactions,
 * ended rate-limit windows, account links, pushed authorization requests, DPoP proofs) so that the
 * tables don't grow forever. Every node schedules it and one at a time runs it (a lock shared through the
 * database); the deletes are idempotent either way. It deletes in small batches and lets requests run between them. Expired device
 * codes are kept a while longer, so that a device still polling hears that its code expired.
 */
export function startSweeper(runtime: Runtime, options: { batchSize?: number } = {}): { stop(): void; sweep(): Promise<number> } {
  const { storage, clock, logger, events } = runtime;
  const batchSize = options.batchSize ?? sweepBatchSize;
  const repositories = [
    storage.grants,
    storage.accessTokens,
    storage.revokedJtis,
    // Sessions are not deleted here: endExpiredSessions ends each with its logout.
    storage.interactions,
    storage.deviceCodes,
    storage.consoleSessions,
    storage.rateLimits,
    storage.accountTokens,
    storage.federationStates,
    storage.pushedAuthorizationRequests,
    storage.dpopProofs,
  ].map((repository) => ({ repository, retentionMs: repository === storage.deviceCodes ? expiredDeviceCodeRetentionMs : 0 }));
  let stopped = false;
  // An expired session ends as any other does (its online grants, back-channel logouts, the
  // console session): one transaction each, and only the node whose delete returned the row acts,
  // so that several nodes sweeping at once tell each app once.
  const endExpiredSessions = async (now: number): Promise<number> => {
    let ended = 0;
    for (;;) {
      const expired = await storage.sessions.listExpired(now, batchSize);
      for (const session of expired) {
        const gone = await storage.transaction(async (tx) => {
          const deleted = await tx.sessions.delete(session.idHash);
          if (deleted) await afterSessionEnded(tx, deleted, now);
          return deleted;
        });
        if (gone) {
          ended += 1;
          events.publish({ type: 'session.ended', sid: gone.sid });
        }
      }
      if (expired.length < batchSize || stopped) break;
      await nextTurn();
    }
    return ended;
  };
  const sweepAll = async (): Promise<number> => {
    const now = clock.now();
    let total = await endExpiredSessions(now);
    for (const { repository, retentionMs } of repositories) {
      for (;;) {
        const deleted = await repository.deleteExpired(now - retentionMs, batchSize);
        total += deleted;
        if (deleted < batchSize || stopped) break;
        await nextTurn();
      }
    }
    if (total > 0) logger.debug({ deleted: total }, 'swept expired rows');
    return total;
  };
  // One node at a time: the others would only race it for the same rows.
  const sweep = async (): Promise<number> => {
    const outcome = await runtime.coordination.exclusively('latchkey:sweeper', sweepAll);
    return outcome.ran ? outcome.value : 0;
  };
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    sweep()
      .catch((error: unknown) => logger.error({ err: error }, 'sweeping expired rows failed'))
      .finally(() => {
        running = false;
      });
  }, sweepIntervalMs);
  timer.unref();
  return {
    stop: () => {
      stopped = true;
      clearInterval(timer);
    },
    sweep,
  };
}
