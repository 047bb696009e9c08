import type { Kysely, Selectable } from 'kysely';
import type { PasskeyDeviceType, PasskeyRecord, PasskeyRepository } from '../../ports/passkey-repository.js';
import type { DatabaseSchema, PasskeysTable } from './schema.js';

function toPasskey(row: Selectable<PasskeysTable>): PasskeyRecord {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    credentialId: row.credential_id,
    publicKey: row.public_key,
    signCount: Number(row.sign_count),
    transports: JSON.parse(row.transports) as string[],
    deviceType: row.device_type as PasskeyDeviceType,
    backedUp: row.backed_up === 1,
    aaguid: row.aaguid,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
  };
}

export class SqlPasskeyRepository implements PasskeyRepository {
  readonly #db: Kysely<DatabaseSchema>;

  constructor(db: Kysely<DatabaseSchema>) {
    this.#db = db;
  }

  async insert(passkey: PasskeyRecord): Promise<boolean> {
    const result = await this.#db
      .insertInto('passkeys')
      .values({
        id: passkey.id,
        user_id: passkey.userId,
        name: passkey.name,
        credential_id: passkey.credentialId,
        public_key: passkey.publicKey,
        sign_count: passkey.signCount,
        transports: JSON.stringify(passkey.transports),
        device_type: passkey.deviceType,
        backed_up: passkey.backedUp ? 1 : 0,
        aaguid: passkey.aaguid,
        created_at: passkey.createdAt,
        last_used_at: passkey.lastUsedAt,
      })
      .onConflict((conflict) => conflict.column('credential_id').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
  }

  async listForUser(userId: string): Promise<PasskeyRecord[]> {
    const rows = await this.#db.selectFrom('passkeys').selectAll().where('user_id', '=', userId).orderBy('created_at').orderBy('id').execute();
    return rows.map(toPasskey);
  }

  async findByCredentialId(credentialId: string): Promise<PasskeyRecord | undefined> {
    const row = await this.#db.selectFrom('passkeys').selectAll().where('credential_id', '=', credentialId).executeTakeFirst();
    return row && toPasskey(row);
  }

  async rename(id: string, userId: string, name: string): Promise<boolean> {
    const result = await this.#db.updateTable('passkeys').set({ name }).where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async delete(id: string, userId: string): Promise<boolean> {
    const result = await this.#db.deleteFrom('passkeys').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }

  async recordUse(id: string, signCount: number, now: number): Promise<boolean> {
    // One conditional UPDATE: of two uses with the same counter only one moves it, and a counter
    // that went back never does (a counter of zero means the authenticator keeps none).
    const result = await this.#db
      .updateTable('passkeys')
      .set({ sign_count: signCount, last_used_at: now })
      .where('id', '=', id)
      .where('sign_count', signCount === 0 ? '=' : '<', signCount)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async deleteForUser(userId: string): Promise<number> {
    const result = await this.#db.deleteFrom('passkeys').where('user_id', '=', userId).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
