import { PostgresAdapter, type Kysely, type Selectable } from 'kysely';
import type { JsonValue } from '../../ports/app-repositories.js';
import type { OutboxEntry, OutboxKind, OutboxRepository } from '../../ports/outbox.js';
import type { DatabaseSchema, OutboxTable } from './schema.js';

function toEntry(row: Selectable<OutboxTable>): OutboxEntry {
  return {
    id: row.id,
    kind: row.kind as OutboxKind,
    appId: row.app_id,
    payload: JSON.parse(row.payload) as JsonValue,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    lastError: row.last_error,
    createdAt: row.created_at,
    sentAt: row.sent_at,
    failedAt: row.failed_at,
  };
}

/**
 * The outbox on Kysely. A claim is one UPDATE that re-checks that the row is due and unleased:
 * PostgreSQL re-evaluates the WHERE clause of a row another transaction just updated, and SQLite
 * runs one writer at a time, so two workers never claim the same row. On PostgreSQL the rows are
 * picked FOR UPDATE SKIP LOCKED, so that a second worker takes the next rows instead of waiting
 * for the first one's and then finding them claimed.
 */
export class SqlOutboxRepository implements OutboxRepository {
  readonly #db: Kysely<DatabaseSchema>;
  readonly #skipLocked: boolean;

  constructor(db: Kysely<DatabaseSchema>) {
    this.#db = db;
    this.#skipLocked = db.getExecutor().adapter instanceof PostgresAdapter;
  }

  async enqueue(entry: { id: string; kind: OutboxKind; payload: JsonValue; createdAt: number; appId?: string | null }): Promise<void> {
    await this.#db
      .insertInto('outbox')
      .values({
        id: entry.id,
        kind: entry.kind,
        app_id: entry.appId ?? null,
        payload: JSON.stringify(entry.payload),
        attempts: 0,
        next_attempt_at: entry.createdAt,
        claimed_until: null,
        claimed_by: null,
        last_error: null,
        created_at: entry.createdAt,
        sent_at: null,
        failed_at: null,
      })
      .execute();
  }

  async claimDue(worker: string, now: number, leaseUntil: number, limit: number): Promise<OutboxEntry[]> {
    // The due rows are picked once, in a materialized CTE: as an IN-subquery of the UPDATE,
    // PostgreSQL may run the LIMIT ... FOR UPDATE SKIP LOCKED again for each outer row and so claim
    // far more than `limit` rows, leaving the other workers idle.
    const rows = await this.#db
      .with(
        (cte) => cte('picked').materialized(),
        (db) =>
          db
            .selectFrom('outbox')
            .select('id')
            .where('sent_at', 'is', null)
            .where('failed_at', 'is', null)
            .where('next_attempt_at', '<=', now)
            .where((inner) => inner.or([inner('claimed_until', 'is', null), inner('claimed_until', '<=', now)]))
            .orderBy('next_attempt_at')
            .limit(limit)
            .$if(this.#skipLocked, (query) => query.forUpdate().skipLocked()),
      )
      .updateTable('outbox')
      .set({ claimed_by: worker, claimed_until: leaseUntil })
      .where('id', 'in', (eb) => eb.selectFrom('picked').select('picked.id'))
      .where('sent_at', 'is', null)
      .where('failed_at', 'is', null)
      .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<=', now)]))
      .returningAll()
      .execute();
    return rows.map(toEntry).sort((a, b) => a.nextAttemptAt - b.nextAttemptAt);
  }

  async markSent(id: string, worker: string, now: number): Promise<boolean> {
    const result = await this.#db
      .updateTable('outbox')
      .set({ sent_at: now, claimed_until: null, claimed_by: null })
      .where('id', '=', id)
      .where('claimed_by', '=', worker)
      .where('sent_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async markFailed(id: string, worker: string, error: string, retryAt: number | null, now: number): Promise<boolean> {
    const result = await this.#db
      .updateTable('outbox')
      .set((eb) => ({
        attempts: eb('attempts', '+', 1),
        last_error: error.slice(0, 1000),
        next_attempt_at: retryAt ?? now,
        failed_at: retryAt === null ? now : null,
        claimed_until: null,
        claimed_by: null,
      }))
      .where('id', '=', id)
      .where('claimed_by', '=', worker)
      .where('sent_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async get(id: string): Promise<OutboxEntry | undefined> {
    const row = await this.#db.selectFrom('outbox').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toEntry(row);
  }

  async listPending(limit: number): Promise<OutboxEntry[]> {
    const rows = await this.#db
      .selectFrom('outbox')
      .selectAll()
      .where('sent_at', 'is', null)
      .where('failed_at', 'is', null)
      .orderBy('created_at')
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map(toEntry);
  }

  async listRecent(limit: number): Promise<OutboxEntry[]> {
    const rows = await this.#db.selectFrom('outbox').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
    return rows.map(toEntry);
  }

  async listForApp(appId: string, kind: OutboxKind, limit: number): Promise<OutboxEntry[]> {
    const rows = await this.#db
      .selectFrom('outbox')
      .selectAll()
      .where('app_id', '=', appId)
      .where('kind', '=', kind)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map(toEntry);
  }

  async deleteFinished(before: number, limit: number): Promise<number> {
    const ids = await this.#db
      .selectFrom('outbox')
      .select('id')
      .where((eb) => eb.or([eb('sent_at', '<', before), eb('failed_at', '<', before)]))
      .limit(limit)
      .execute();
    if (ids.length === 0) return 0;
    const result = await this.#db
      .deleteFrom('outbox')
      .where(
        'id',
        'in',
        ids.map((row) => row.id),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
