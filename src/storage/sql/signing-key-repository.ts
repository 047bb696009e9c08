import type { Kysely, Selectable } from 'kysely';
import type { SigningKeyRepository, SigningKeyStatus, StoredSigningKey } from '../../ports/signing-key-repository.js';
import { takeTransactionLock } from './lock.js';
import type { DatabaseSchema, SigningKeysTable } from './schema.js';

function toStored(row: Selectable<SigningKeysTable>): StoredSigningKey {
  return {
    kid: row.kid,
    alg: row.alg,
    status: row.status as SigningKeyStatus,
    publicJwk: JSON.parse(row.public_jwk) as StoredSigningKey['publicJwk'],
    privateJwe: row.private_jwe,
    createdAt: row.created_at,
    rotatedAt: row.rotated_at,
    retireAt: row.retire_at,
  };
}

function toRow(key: StoredSigningKey): SigningKeysTable {
  return {
    kid: key.kid,
    alg: key.alg,
    status: key.status,
    public_jwk: JSON.stringify(key.publicJwk),
    private_jwe: key.privateJwe,
    created_at: key.createdAt,
    rotated_at: key.rotatedAt,
    retire_at: key.retireAt,
  };
}

export class SqlSigningKeyRepository implements SigningKeyRepository {
  readonly #db: Kysely<DatabaseSchema>;
  readonly #inTransaction: <T>(work: (db: Kysely<DatabaseSchema>) => Promise<T>) => Promise<T>;

  constructor(db: Kysely<DatabaseSchema>, inTransaction: <T>(work: (db: Kysely<DatabaseSchema>) => Promise<T>) => Promise<T>) {
    this.#db = db;
    this.#inTransaction = inTransaction;
  }

  async listLive(): Promise<StoredSigningKey[]> {
    const rows = await this.#db
      .selectFrom('signing_keys')
      .selectAll()
      .where('status', 'in', ['active', 'retiring'])
      .orderBy('created_at')
      .orderBy('kid')
      .execute();
    return rows.map(toStored);
  }

  async listAll(): Promise<StoredSigningKey[]> {
    const rows = await this.#db.selectFrom('signing_keys').selectAll().orderBy('created_at').orderBy('kid').execute();
    return rows.map(toStored);
  }

  async insertFirstActive(key: StoredSigningKey): Promise<boolean> {
    // The partial unique index on (alg) where status = 'active' decides races between nodes.
    const result = await this.#db
      .insertInto('signing_keys')
      .values(toRow({ ...key, status: 'active' }))
      .onConflict((conflict) => conflict.doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
  }

  async rotate(key: StoredSigningKey, rotatedAt: number, retireAt: number): Promise<{ previousKid: string | null }> {
    return this.#inTransaction(async (db) => {
      // Rotations racing on several nodes take turns, so each demotes the key the previous one made.
      await takeTransactionLock(db, `signing_keys:${key.alg}`, rotatedAt);
      const demoted = await db
        .updateTable('signing_keys')
        .set({ status: 'retiring', rotated_at: rotatedAt, retire_at: retireAt })
        .where('alg', '=', key.alg)
        .where('status', '=', 'active')
        .returning('kid')
        .executeTakeFirst();
      await db
        .insertInto('signing_keys')
        .values(toRow({ ...key, status: 'active' }))
        .execute();
      return { previousKid: demoted?.kid ?? null };
    });
  }

  async retireDue(now: number): Promise<string[]> {
    const rows = await this.#db
      .updateTable('signing_keys')
      .set({ status: 'retired', private_jwe: null })
      .where('status', '=', 'retiring')
      .where('retire_at', '<=', now)
      .returning('kid')
      .execute();
    return rows.map((row) => row.kid);
  }
}
