import type { Kysely, Selectable } from 'kysely';
import type { RecoveryCodeRepository, TotpFactorRecord, TotpFactorRepository } from '../../ports/second-factor-repositories.js';
import type { DatabaseSchema, TotpFactorsTable } from './schema.js';

type InTransaction = <T>(work: (tx: Kysely<DatabaseSchema>) => Promise<T>) => Promise<T>;

function toFactor(row: Selectable<TotpFactorsTable>): TotpFactorRecord {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    sealedSecret: row.sealed_secret,
    lastStep: row.last_step === null ? null : Number(row.last_step),
    createdAt: Number(row.created_at),
    confirmedAt: row.confirmed_at === null ? null : Number(row.confirmed_at),
    lastUsedAt: row.last_used_at === null ? null : Number(row.last_used_at),
  };
}

export class SqlTotpFactorRepository implements TotpFactorRepository {
  readonly #db: Kysely<DatabaseSchema>;

  constructor(db: Kysely<DatabaseSchema>) {
    this.#db = db;
  }

  async insert(factor: TotpFactorRecord): Promise<void> {
    await this.#db
      .insertInto('totp_factors')
      .values({
        id: factor.id,
        user_id: factor.userId,
        name: factor.name,
        sealed_secret: factor.sealedSecret,
        last_step: factor.lastStep,
        created_at: factor.createdAt,
        confirmed_at: factor.confirmedAt,
        last_used_at: factor.lastUsedAt,
      })
      .execute();
  }

  async get(id: string): Promise<TotpFactorRecord | undefined> {
    const row = await this.#db.selectFrom('totp_factors').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toFactor(row);
  }

  async listForUser(userId: string): Promise<TotpFactorRecord[]> {
    const rows = await this.#db.selectFrom('totp_factors').selectAll().where('user_id', '=', userId).orderBy('created_at').orderBy('id').execute();
    return rows.map(toFactor);
  }

  async confirm(id: string, userId: string, step: number, now: number): Promise<boolean> {
    const result = await this.#db
      .updateTable('totp_factors')
      .set({ confirmed_at: now, last_step: step, last_used_at: now })
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .where('confirmed_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async acceptStep(id: string, step: number, now: number): Promise<boolean> {
    // One conditional UPDATE: of two uses of the same step, only one still finds last_step below it.
    const result = await this.#db
      .updateTable('totp_factors')
      .set({ last_step: step, last_used_at: now })
      .where('id', '=', id)
      .where('confirmed_at', 'is not', null)
      .where((eb) => eb.or([eb('last_step', 'is', null), eb('last_step', '<', step)]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async delete(id: string, userId: string): Promise<boolean> {
    const result = await this.#db.deleteFrom('totp_factors').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }

  async deleteUnconfirmed(userId: string): Promise<number> {
    const result = await this.#db.deleteFrom('totp_factors').where('user_id', '=', userId).where('confirmed_at', 'is', null).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async deleteForUser(userId: string): Promise<number> {
    const result = await this.#db.deleteFrom('totp_factors').where('user_id', '=', userId).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

export class SqlRecoveryCodeRepository implements RecoveryCodeRepository {
  readonly #db: Kysely<DatabaseSchema>;
  readonly #inTransaction: InTransaction;

  constructor(db: Kysely<DatabaseSchema>, inTransaction: InTransaction) {
    this.#db = db;
    this.#inTransaction = inTransaction;
  }

  replace(userId: string, digests: readonly string[], now: number): Promise<void> {
    return this.#inTransaction(async (tx) => {
      await tx.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
      if (digests.length === 0) return;
      await tx
        .insertInto('recovery_codes')
        .values(digests.map((digest) => ({ user_id: userId, digest, created_at: now, used_at: null })))
        .execute();
    });
  }

  async consume(userId: string, digest: string, now: number): Promise<boolean> {
    const result = await this.#db
      .updateTable('recovery_codes')
      .set({ used_at: now })
      .where('user_id', '=', userId)
      .where('digest', '=', digest)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async countUnused(userId: string): Promise<number> {
    const row = await this.#db
      .selectFrom('recovery_codes')
      .select((eb) => eb.fn.countAll<number | string>().as('count'))
      .where('user_id', '=', userId)
      .where('used_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  async deleteForUser(userId: string): Promise<number> {
    const result = await this.#db.deleteFrom('recovery_codes').where('user_id', '=', userId).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
