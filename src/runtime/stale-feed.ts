import type { InProcessEvents } from '../ports/domain-events.js';
import type { NodeCoordination } from '../ports/node-coordination.js';
import { maxAnnouncementBytes } from '../storage/sql/postgres-coordination.js';
import { staleAfter, type StaleEntries, type StaleFeed, type StaleNotice } from './directories.js';

const everything = '*';

function isEmpty(stale: StaleEntries): boolean {
  return stale.clientIds.length === 0 && stale.apiIdentifiers.length === 0 && stale.userId === null && !stale.signingKeys;
}

/** The announcement of stale entries; too many to fit one NOTIFY become "everything". */
export function encodeStale(stale: StaleEntries): string {
  const message = JSON.stringify({ c: stale.clientIds, a: stale.apiIdentifiers, u: stale.userId, k: stale.signingKeys ? 1 : 0 });
  // Room for the sender's node id in front.
  return Buffer.byteLength(message) > maxAnnouncementBytes - 64 ? everything : message;
}

const isStrings = (value: unknown): value is string[] => Array.isArray(value) && value.every((item) => typeof item === 'string');

/** Reads an announcement; one it can't read makes everything stale, which is always safe. */
export function decodeStale(message: string): StaleNotice {
  if (message === everything) return 'everything';
  try {
    const parsed = JSON.parse(message) as { c?: unknown; a?: unknown; u?: unknown; k?: unknown };
    if (!isStrings(parsed.c) || !isStrings(parsed.a) || !(parsed.u === null || typeof parsed.u === 'string')) return 'everything';
    return { clientIds: parsed.c, apiIdentifiers: parsed.a, userId: parsed.u, signingKeys: parsed.k === 1 };
  } catch {
    return 'everything';
  }
}

/**
 * What makes cached entries stale, on every node: this node's domain events at once, and the
 * other nodes' through their announcements (NOTIFY on PostgreSQL). Each change this node makes is
 * announced after it committed (events are published after the commit).
 */
export class StaleCacheFeed implements StaleFeed {
  readonly #listeners = new Set<(notice: StaleNotice) => void>();
  readonly #coordination: NodeCoordination;
  readonly #onError: (error: Error) => void;
  readonly #pending = new Set<Promise<void>>();

  constructor(events: InProcessEvents, coordination: NodeCoordination, onError: (error: Error) => void) {
    this.#coordination = coordination;
    this.#onError = onError;
    events.subscribe((event) => {
      const stale = staleAfter(event);
      if (isEmpty(stale)) return;
      this.#emit(stale);
      const sent = coordination
        .announce(encodeStale(stale))
        .catch((error: unknown) => this.#onError(error as Error))
        .finally(() => this.#pending.delete(sent));
      this.#pending.add(sent);
    });
  }

  subscribe(listener: (notice: StaleNotice) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Starts hearing the other nodes (the server does; a CLI command only announces). */
  listen(): Promise<void> {
    return this.#coordination.listen(
      (message) => this.#emit(decodeStale(message)),
      () => this.#emit('everything'),
    );
  }

  /** Waits for the announcements on their way, so that a CLI command's changes reach the nodes before it exits. */
  async flush(): Promise<void> {
    await Promise.all([...this.#pending]);
  }

  #emit(notice: StaleNotice): void {
    for (const listener of this.#listeners) {
      try {
        listener(notice);
      } catch (error) {
        this.#onError(error as Error);
      }
    }
  }
}
