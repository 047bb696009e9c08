import type { Kysely } from 'kysely';
import type { DpopProofRepository } from '../../ports/dpop-proof-repository.js';
import { deleteExpiredRows } from './expired-rows.js';
import type { DatabaseSchema } from './schema.js';

export class SqlDpopProofRepository implements DpopProofRepository {
  readonly #db: Kysely<DatabaseSchema>;

  constructor(db: Kysely<DatabaseSchema>) {
    this.#db = db;
  }

  /** One INSERT ... ON CONFLICT DO NOTHING: of two nodes seeing the same proof at once, one inserts it. */
  async addIfAbsent(proofKey: string, expiresAt: number): Promise<boolean> {
    const result = await this.#db
      .insertInto('dpop_proofs')
      .values({ proof_key: proofKey, expires_at: expiresAt })
      .onConflict((conflict) => conflict.column('proof_key').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
  }

  deleteExpired(now: number, limit: number): Promise<number> {
    return deleteExpiredRows(this.#db, 'dpop_proofs', now, limit);
  }
}
