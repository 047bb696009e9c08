import type { ClientUse } from '../ports/app-repositories.js';
import type { Clock } from '../ports/clock.js';
import type { Storage } from '../ports/storage.js';

export interface ClientUsageOptions {
  /** A secret's use is written at most once in this window (a minute). */
  intervalMs?: number;
  /** How long recorded uses wait to be written together. */
  flushDelayMs?: number;
  onError?: (error: Error) => void;
}

/**
 * "Last used" for apps and their secrets, kept off the request path: `record` only notes the use
 * in memory and returns; at most one use per secret per minute is noted (so at most two per app,
 * which has at most two live secrets), and the notes are written together a moment later in one
 * transaction. A use noted by this node in the last minute is not written again, so the shown
 * time may lag the real last use by up to a minute; a lost batch (the node stops hard) loses at
 * most that.
 */
export class ClientUsageRecorder {
  readonly #storage: Pick<Storage, 'transaction'>;
  readonly #clock: Clock;
  readonly #intervalMs: number;
  readonly #flushDelayMs: number;
  readonly #onError: (error: Error) => void;
  /** When each secret's use was last noted, by `clientId secretId`. */
  readonly #noted = new Map<string, number>();
  #pending = new Map<string, ClientUse>();
  #timer: ReturnType<typeof setTimeout> | null = null;
  #flushing: Promise<void> = Promise.resolve();

  constructor(storage: Pick<Storage, 'transaction'>, clock: Clock, options: ClientUsageOptions = {}) {
    this.#storage = storage;
    this.#clock = clock;
    this.#intervalMs = options.intervalMs ?? 60_000;
    this.#flushDelayMs = options.flushDelayMs ?? 1000;
    this.#onError = options.onError ?? (() => undefined);
  }

  /** Notes that the client authenticated now (with this secret). Never waits, never throws. */
  record(clientId: string, secretId: string | null): void {
    const key = `${clientId} ${secretId ?? ''}`;
    const now = this.#clock.now();
    const noted = this.#noted.get(key);
    if (noted !== undefined && now - noted < this.#intervalMs) return;
    this.#noted.set(key, now);
    this.#pending.set(key, { clientId, secretId, at: now });
    if (this.#timer === null) {
      this.#timer = setTimeout(() => void this.flush(), this.#flushDelayMs);
      this.#timer.unref();
    }
  }

  /** Writes what is noted now (also on shutdown); resolves when it is stored or has failed. */
  flush(): Promise<void> {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    const uses = [...this.#pending.values()];
    this.#pending = new Map();
    this.#forgetOld();
    if (uses.length === 0) return this.#flushing;
    this.#flushing = this.#flushing.then(() =>
      this.#storage
        .transaction((tx) => tx.apps.recordUses(uses))
        .catch((error: unknown) => this.#onError(error instanceof Error ? error : new Error(String(error)))),
    );
    return this.#flushing;
  }

  /** Notes older than the window no longer hold anything back: drop them, so memory stays bounded by the secrets used in a minute. */
  #forgetOld(): void {
    const now = this.#clock.now();
    for (const [key, noted] of this.#noted) if (now - noted >= this.#intervalMs) this.#noted.delete(key);
  }
}
