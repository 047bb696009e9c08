import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type PgModule from 'pg';
import type { NodeCoordination } from '../../ports/node-coordination.js';
import type { DatabaseSchema } from './schema.js';

/** The channel every node LISTENs on; a message is `<sender node id> <text>`. */
const channel = 'latchkey_nodes';
/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more. */
export const maxAnnouncementBytes = 7900;
const reconnectDelaysMs = [250, 1000, 2000, 5000, 10_000];

/**
 * Node coordination on PostgreSQL: announcements are NOTIFY on one channel, which every node
 * LISTENs to on a connection of its own (outside the pool, which may hand any connection to any
 * query); locks are session advisory locks taken on that same connection, so a lock never holds a
 * pooled connection and dies with the node. A lost connection is reopened with backoff, and the
 * listener is told of the gap.
 */
export class PostgresCoordination implements NodeCoordination {
  readonly #url: string;
  readonly #db: Kysely<DatabaseSchema>;
  readonly #nodeId = randomBytes(8).toString('hex');
  readonly #onError: (error: Error) => void;
  #client: PgModule.Client | undefined;
  #connecting: Promise<PgModule.Client | undefined> | undefined;
  #listener: { onMessage: (message: string) => void; onGap: () => void } | undefined;
  #closed = false;
  #failures = 0;
  #reconnectTimer: NodeJS.Timeout | undefined;
  /** Queries on the one connection run one at a time: a lock's query must not interleave with LISTEN. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(url: string, db: Kysely<DatabaseSchema>, onError: (error: Error) => void) {
    this.#url = url;
    this.#db = db;
    this.#onError = onError;
  }

  async announce(message: string): Promise<void> {
    const payload = `${this.#nodeId} ${message}`;
    if (Buffer.byteLength(payload) > maxAnnouncementBytes) throw new RangeError(`an announcement must stay under ${maxAnnouncementBytes} bytes`);
    await sql`select pg_notify(${channel}, ${payload})`.execute(this.#db);
  }

  async listen(onMessage: (message: string) => void, onGap: () => void): Promise<void> {
    this.#listener = { onMessage, onGap };
    await this.#connection();
  }

  async exclusively<T>(lock: string, work: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }> {
    const client = await this.#connection();
    if (!client) return { ran: false };
    const acquired = await this.#serial(() => client.query<{ locked: boolean }>('select pg_try_advisory_lock(hashtext($1)) as locked', [lock]));
    if (!acquired.rows[0]?.locked) return { ran: false };
    try {
      return { ran: true, value: await work() };
    } finally {
      // A connection lost meanwhile took the lock with it.
      if (this.#client === client) await this.#serial(() => client.query('select pg_advisory_unlock(hashtext($1))', [lock])).catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#reconnectTimer);
    const client = this.#client ?? (await this.#connecting?.catch(() => undefined));
    this.#client = undefined;
    await client?.end().catch(() => undefined);
  }

  #serial<T>(query: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(query, query);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #connection(): Promise<PgModule.Client | undefined> {
    if (this.#client) return Promise.resolve(this.#client);
    this.#connecting ??= this.#connect().finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  async #connect(): Promise<PgModule.Client | undefined> {
    if (this.#closed) return undefined;
    const { default: pg }: { default: typeof PgModule } = await import('pg');
    const client = new pg.Client({ connectionString: this.#url, connectionTimeoutMillis: 5000 });
    client.on('notification', (notification) => {
      if (notification.channel !== channel || !notification.payload) return;
      const space = notification.payload.indexOf(' ');
      if (space < 0 || notification.payload.slice(0, space) === this.#nodeId) return;
      this.#listener?.onMessage(notification.payload.slice(space + 1));
    });
    client.on('error', (error) => this.#lost(client, error));
    client.on('end', () => this.#lost(client, new Error('the coordination connection ended')));
    try {
      await client.connect();
      await client.query(`LISTEN ${channel}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      this.#onError(error as Error);
      this.#scheduleReconnect();
      return undefined;
    }
    if (this.#closed) {
      await client.end().catch(() => undefined);
      return undefined;
    }
    const reconnected = this.#failures > 0;
    this.#failures = 0;
    this.#client = client;
    // Whatever was announced while no connection listened is lost: assume it all.
    if (reconnected) this.#listener?.onGap();
    return client;
  }

  #lost(client: PgModule.Client, error: Error): void {
    if (this.#client !== client) return;
    this.#client = undefined;
    client.end().catch(() => undefined);
    if (this.#closed) return;
    this.#onError(error);
    this.#failures = Math.max(this.#failures, 1);
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    if (this.#closed || this.#reconnectTimer) return;
    const delay = reconnectDelaysMs[Math.min(this.#failures, reconnectDelaysMs.length - 1)]!;
    this.#failures += 1;
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = undefined;
      void this.#connection();
    }, delay);
    this.#reconnectTimer.unref();
  }
}
