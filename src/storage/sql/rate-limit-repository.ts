import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { admitAttempt, type RateAttempt, type RateDecision, type RateLimitRepository, type RateWindow } from '../../ports/rate-limiter.js';
import { deleteExpiredRows } from './expired-rows.js';
import type { DatabaseSchema } from './schema.js';

/** Keys are user input (an email as typed): a digest keeps the primary key short, whatever was sent. */
function keyHash(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/**
 * Attempt counters in the database, so that every node sharing it shares one budget. A reservation
 * is one transaction that locks the rows of its keys before it reads them, so reservations of the
 * same key run one after the other, on every node.
 */
export class SqlRateLimitRepository implements RateLimitRepository {
  readonly #db: Kysely<DatabaseSchema>;
  readonly #inTransaction: <T>(work: (db: Kysely<DatabaseSchema>) => Promise<T>) => Promise<T>;

  constructor(db: Kysely<DatabaseSchema>, inTransaction: <T>(work: (db: Kysely<DatabaseSchema>) => Promise<T>) => Promise<T>) {
    this.#db = db;
    this.#inTransaction = inTransaction;
  }

  async reserve(attempts: readonly RateAttempt[], now: number): Promise<RateDecision> {
    // One lock order (by digest) for every reservation: two that share keys can't deadlock.
    const keyed = attempts.map((attempt) => ({ ...attempt, hash: keyHash(attempt.key) })).sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0));
    if (keyed.length === 0) return { allowed: true };
    return this.#inTransaction(async (tx) => {
      // Creates the missing rows (as an ended window) and locks every row until the transaction
      // ends: ON CONFLICT DO UPDATE locks the row it meets and returns its latest committed values
      // on PostgreSQL, even under READ COMMITTED; SQLite runs one writer at a time.
      const rows = await tx
        .insertInto('rate_limits')
        .values(keyed.map((attempt) => ({ key_hash: attempt.hash, attempts: 0, last_at: now, expires_at: now })))
        .onConflict((conflict) => conflict.column('key_hash').doUpdateSet((eb) => ({ attempts: eb.ref('rate_limits.attempts') })))
        .returningAll()
        .execute();
      const windows = new Map<string, RateWindow>(rows.map((row) => [row.key_hash, { attempts: row.attempts, lastAt: row.last_at, endsAt: row.expires_at }]));
      const decisions = keyed.map((attempt) => ({ hash: attempt.hash, decision: admitAttempt(windows.get(attempt.hash), attempt.rule, now) }));
      const refusals = decisions.flatMap(({ decision }) => (decision.allowed ? [] : [decision.retryAt]));
      if (refusals.length > 0) return { allowed: false, retryAt: Math.max(...refusals) };
      for (const { hash, decision } of decisions) {
        if (!decision.allowed) continue;
        await tx
          .updateTable('rate_limits')
          .set({ attempts: decision.next.attempts, last_at: decision.next.lastAt, expires_at: decision.next.endsAt })
          .where('key_hash', '=', hash)
          .execute();
      }
      return { allowed: true };
    });
  }

  async release(key: string): Promise<void> {
    await this.#db
      .updateTable('rate_limits')
      .set((eb) => ({ attempts: eb('attempts', '-', 1) }))
      .where('key_hash', '=', keyHash(key))
      .where('attempts', '>', 0)
      .execute();
  }

  async reset(key: string): Promise<void> {
    await this.#db.deleteFrom('rate_limits').where('key_hash', '=', keyHash(key)).execute();
  }

  deleteExpired(now: number, limit: number): Promise<number> {
    return deleteExpiredRows(this.#db, 'rate_limits', now, limit);
  }
}
