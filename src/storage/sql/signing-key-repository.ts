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
    activateAt: row.activate_at,
    revokedAt: row.revoked_at,
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
    activate_at: key.activateAt,
    revoked_at: key.revokedAt,
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
      .where('status', 'in', ['next', 'active', 'retiring'])
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

  async insertNext(key: StoredSigningKey, activateAt: number): Promise<boolean> {
    // The partial unique index on (alg) where status = 'next' decides races between nodes.
    const result = await this.#db
      .insertInto('signing_keys')
      .values(toRow({ ...key, status: 'next', activateAt }))
      .onConflict((conflict) => conflict.doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
  }

  async activateDue(now: number, retireAt: number): Promise<{ kid: string; alg: string; previousKid: string | null }[]> {
    const due = await this.#db.selectFrom('signing_keys').select(['kid', 'alg']).where('status', '=', 'next').where('activate_at', '<=', now).execute();
    const activated: { kid: string; alg: string; previousKid: string | null }[] = [];
    for (const candidate of due) {
      const outcome = await this.#inTransaction(async (db) => {
        await takeTransactionLock(db, `signing_keys:${candidate.alg}`, now);
        // Another node may have activated it meanwhile: only a key still next is promoted.
        const still = await db.selectFrom('signing_keys').select('kid').where('kid', '=', candidate.kid).where('status', '=', 'next').executeTakeFirst();
        if (!still) return undefined;
        const demoted = await db
          .updateTable('signing_keys')
          .set({ status: 'retiring', rotated_at: now, retire_at: retireAt })
          .where('alg', '=', candidate.alg)
          .where('status', '=', 'active')
          .returning('kid')
          .executeTakeFirst();
        await db.updateTable('signing_keys').set({ status: 'active' }).where('kid', '=', candidate.kid).execute();
        return { kid: candidate.kid, alg: candidate.alg, previousKid: demoted?.kid ?? null };
      });
      if (outcome) activated.push(outcome);
    }
    return activated;
  }

  async reseal(updates: readonly { kid: string; from: string; to: string }[], setting?: { name: string; value: string }): Promise<number> {
    return this.#inTransaction(async (db) => {
      let changed = 0;
      for (const update of updates) {
        const result = await db
          .updateTable('signing_keys')
          .set({ private_jwe: update.to })
          .where('kid', '=', update.kid)
          .where('private_jwe', '=', update.from)
          .executeTakeFirst();
        changed += Number(result.numUpdatedRows);
      }
      if (setting) {
        const updatedAt = Date.now();
        await db
          .insertInto('settings')
          .values({ name: setting.name, value: setting.value, updated_at: updatedAt })
          .onConflict((conflict) => conflict.column('name').doUpdateSet({ value: setting.value, updated_at: updatedAt }))
          .execute();
      }
      return changed;
    });
  }

  async revoke(kid: string, now: number, replacement: StoredSigningKey): Promise<{ revoked: StoredSigningKey; replaced: boolean } | undefined> {
    return this.#inTransaction(async (db) => {
      const found = await db.selectFrom('signing_keys').selectAll().where('kid', '=', kid).executeTakeFirst();
      if (!found) return undefined;
      await takeTransactionLock(db, `signing_keys:${found.alg}`, now);
      const row = await db
        .updateTable('signing_keys')
        .set({ status: 'revoked', private_jwe: null, revoked_at: now })
        .where('kid', '=', kid)
        .where('status', 'in', ['next', 'active', 'retiring'])
        .returningAll()
        .executeTakeFirst();
      if (!row) return undefined;
      const replaced = found.status === 'active';
      // The algorithm must keep signing: the replacement takes over at once.
      if (replaced)
        await db
          .insertInto('signing_keys')
          .values(toRow({ ...replacement, status: 'active', activateAt: now }))
          .execute();
      return { revoked: toStored(found), replaced };
    });
  }
}
