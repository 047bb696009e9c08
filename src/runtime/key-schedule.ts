import { scheduleDueRotations } from '../domain/keys/key-rotation.js';
import type { ScheduledKey } from '../domain/keys/signing-keys.js';
import type { Runtime } from './runtime.js';

export const keyScheduleIntervalMs = 60_000;

/**
 * Scheduled rotation (`keys.rotateEveryDays`): every minute one node (a lock shared through the
 * database) publishes the successor of each key due for rotation, `keys.prePublishMinutes` before
 * it signs. Activation itself happens at every node's key refresh, when its time has come.
 */
export function startKeySchedule(runtime: Runtime): { stop(): void; run(): Promise<ScheduledKey[]> } {
  const { config, logger } = runtime;
  const rotateEveryMs = config.keys.rotateEveryDays * 86_400_000;
  const prePublishMs = config.keys.prePublishMinutes * 60_000;
  const run = async (): Promise<ScheduledKey[]> => {
    if (rotateEveryMs === 0) return [];
    const outcome = await runtime.coordination.exclusively('latchkey:key-schedule', () => scheduleDueRotations(runtime, rotateEveryMs, prePublishMs));
    const scheduled = outcome.ran ? outcome.value : [];
    for (const key of scheduled) {
      logger.info(
        { kid: key.kid, alg: key.alg, activateAt: new Date(key.activateAt).toISOString(), replacesKid: key.replacesKid },
        'scheduled signing key rotation',
      );
    }
    return scheduled;
  };
  let running = false;
  const tick = () => {
    if (running) return;
    running = true;
    run()
      .catch((error: unknown) => logger.error({ err: error }, 'scheduling signing key rotation failed'))
      .finally(() => {
        running = false;
      });
  };
  const timer = rotateEveryMs === 0 ? undefined : setInterval(tick, keyScheduleIntervalMs);
  timer?.unref();
  if (timer) tick();
  return { stop: () => clearInterval(timer), run };
}
