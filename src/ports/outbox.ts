import type { JsonValue } from './app-repositories.js';

/** What kinds of work the outbox carries; each has its own sender. */
export type OutboxKind = 'mail' | 'backchannel_logout';

/** What a `backchannel_logout` entry holds: whom to tell that which session ended. The logout token is signed when it is sent. */
export interface BackchannelLogoutPayload {
  clientId: string;
  sub: string;
  sid: string;
}

/** One piece of work that leaves the request: written with the change that causes it, sent later. */
export interface OutboxEntry {
  id: string;
  kind: OutboxKind;
  /** The app the entry is for (back-channel logout), by client_id; null for mail. */
  appId: string | null;
  payload: JsonValue;
  /** Failed tries so far. */
  attempts: number;
  /** Not tried before this time (backoff after a failure). */
  nextAttemptAt: number;
  lastError: string | null;
  createdAt: number;
  sentAt: number | null;
  /** When the outbox gave up on it (too many failures); it is then kept for the operator to see. */
  failedAt: number | null;
}

export interface OutboxRepository {
  /** Adds an entry; inside a transaction it is sent only if the transaction commits. */
  enqueue(entry: { id: string; kind: OutboxKind; payload: JsonValue; createdAt: number; appId?: string | null }): Promise<void>;
  /**
   * Claims up to `limit` due entries for `worker` until `leaseUntil`: due means not sent, not given
   * up, next attempt at or before `now`, and no live lease of another worker. Two workers (on
   * any nodes) never hold the same entry at once.
   */
  claimDue(worker: string, now: number, leaseUntil: number, limit: number): Promise<OutboxEntry[]>;
  /** Marks a claimed entry sent; false when `worker` no longer holds it. */
  markSent(id: string, worker: string, now: number): Promise<boolean>;
  /** Records a failed try: retried at `retryAt`, or given up at `now` when `retryAt` is null. */
  markFailed(id: string, worker: string, error: string, retryAt: number | null, now: number): Promise<boolean>;
  get(id: string): Promise<OutboxEntry | undefined>;
  /** Entries not yet sent nor given up, oldest first (for tests and the operator). */
  listPending(limit: number): Promise<OutboxEntry[]>;
  /** The latest entries whatever their state, newest first (what the operator looks at first). */
  listRecent(limit: number): Promise<OutboxEntry[]>;
  /** The latest entries of a kind for one app, newest first: its delivery log. */
  listForApp(appId: string, kind: OutboxKind, limit: number): Promise<OutboxEntry[]>;
  /** Deletes at most `limit` entries sent or given up before `before`; returns how many. */
  deleteFinished(before: number, limit: number): Promise<number>;
}
