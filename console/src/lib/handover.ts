import type { AppWithSecret } from './types';

/**
 * A secret made by one page and shown by the next, in memory only: taken once, gone on reload.
 * Never in storage, the URL or the history state.
 */
const pending = new Map<string, AppWithSecret>();

export function handOver(app: AppWithSecret): void {
  pending.set(app.clientId, app);
}

export function takeOver(clientId: string): AppWithSecret | undefined {
  const app = pending.get(clientId);
  pending.delete(clientId);
  return app;
}
