import { setImmediate as nextTurn } from 'node:timers/promises';
import { expiredDeviceCodeRetentionMs } from '../protocol/endpoints/device-authorization-endpoint.js';
import type { Runtime } from './runtime.js';

export const sweepIntervalMs = 60_000;

/** Rows per delete: a few milliseconds of work, so that requests wait no longer than that. */
export const sweepBatchSize = 500;

/**
 * Deletes what has expired (codes, grants, opaque tokens, revoked jtis, sessions, interactions,
 * ended rate-limit windows, account links, pushed authorization requests) so that the tables don't
 * grow forever. Every node schedules it and one at a time runs it (a lock shared through the
 * database); the deletes are idempotent either way. It deletes in small batches and lets requests run between them. Expired device
 * codes are kept a while longer, so that a device still polling hears that its code expired.
 */
export function startSweeper(runtime: Runtime, options: { batchSize?: number } = {}): { stop(): void; sweep(): Promise<number> } {
  const { storage, clock, logger } = runtime;
  const batchSize = options.batchSize ?? sweepBatchSize;
  const repositories = [
    storage.grants,
    storage.accessTokens,
    storage.revokedJtis,
    storage.sessions,
    storage.interactions,
    storage.deviceCodes,
    storage.consoleSessions,
    storage.rateLimits,
    storage.accountTokens,
    storage.federationStates,
    storage.pushedAuthorizationRequests,
  ].map((repository) => ({ repository, retentionMs: repository === storage.deviceCodes ? expiredDeviceCodeRetentionMs : 0 }));
  let stopped = false;
  const sweepAll = async (): Promise<number> => {
    const now = clock.now();
    let total = 0;
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
