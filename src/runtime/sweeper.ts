import type { Runtime } from './runtime.js';

export const sweepIntervalMs = 60_000;

/**
 * Deletes what has expired (codes, grants, opaque tokens, revoked jtis, sessions, interactions)
 * so that the tables don't grow forever. Every node runs it; the deletes are idempotent.
 */
export function startSweeper(runtime: Runtime): { stop(): void; sweep(): Promise<number> } {
  const { storage, clock, logger } = runtime;
  const sweep = async (): Promise<number> => {
    const now = clock.now();
    const counts = await Promise.all([
      storage.grants.deleteExpired(now),
      storage.accessTokens.deleteExpired(now),
      storage.revokedJtis.deleteExpired(now),
      storage.sessions.deleteExpired(now),
      storage.interactions.deleteExpired(now),
      storage.deviceCodes.deleteExpired(now),
      storage.consoleSessions.deleteExpired(now),
    ]);
    const total = counts.reduce((sum, count) => sum + count, 0);
    if (total > 0) logger.debug({ deleted: total }, 'swept expired rows');
    return total;
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
  return { stop: () => clearInterval(timer), sweep };
}
