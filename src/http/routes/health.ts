import type { FastifyInstance } from 'fastify';
import { paths } from '../../contracts/paths.js';

export interface HealthRouteOptions {
  /** Resolves when the database answers. */
  pingDatabase(): Promise<void>;
  /** Whether every configured signing key is loaded. */
  keysReady(): boolean;
  /** How long /readyz waits for the database before calling it down. */
  databaseTimeoutMs?: number;
}

function withTimeout(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** /healthz: the process is alive. /readyz: it can serve (database reachable, keys loaded), else 503. */
export function registerHealthRoutes(app: FastifyInstance, options: HealthRouteOptions): void {
  app.get(paths.healthz, (_request, reply) => reply.header('cache-control', 'no-store').send({ status: 'ok' }));

  app.get(paths.readyz, async (request, reply) => {
    let database = 'ok';
    try {
      await withTimeout(options.pingDatabase(), options.databaseTimeoutMs ?? 2000);
    } catch (error) {
      request.log.warn({ err: error }, 'readiness: database unreachable');
      database = 'unreachable';
    }
    const keys = options.keysReady() ? 'ok' : 'not loaded';
    const ready = database === 'ok' && keys === 'ok';
    return reply
      .code(ready ? 200 : 503)
      .header('cache-control', 'no-store')
      .send({ status: ready ? 'ready' : 'not ready', checks: { database, keys } });
  });
}
