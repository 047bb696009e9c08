import type { Kysely, Selectable } from 'kysely';
import type { JsonValue } from '../../ports/app-repositories.js';
import type {
  ClientRegistrationRecord,
  ClientRegistrationRepository,
  InitialAccessTokenRecord,
  InitialAccessTokenRepository,
  RegistrationPolicy,
} from '../../ports/registration-repositories.js';
import type { ClientRegistrationsTable, DatabaseSchema, InitialAccessTokensTable } from './schema.js';

const nullableNumber = (value: number | string | null): number | null => (value === null ? null : Number(value));

function toInitialToken(row: Selectable<InitialAccessTokensTable>): InitialAccessTokenRecord {
  return {
    id: row.id,
    orgId: row.org_id,
    name: row.name,
    tokenHash: row.token_hash,
    policy: JSON.parse(row.policy) as RegistrationPolicy,
    maxUses: Number(row.max_uses),
    usesLeft: Number(row.uses_left),
    createdBy: row.created_by,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
    lastUsedAt: nullableNumber(row.last_used_at),
    revokedAt: nullableNumber(row.revoked_at),
  };
}

export class SqlInitialAccessTokenRepository implements InitialAccessTokenRepository {
  readonly #db: Kysely<DatabaseSchema>;

  constructor(db: Kysely<DatabaseSchema>) {
    this.#db = db;
  }

  async insert(record: InitialAccessTokenRecord): Promise<void> {
    await this.#db
      .insertInto('initial_access_tokens')
      .values({
        id: record.id,
        org_id: record.orgId,
        name: record.name,
        token_hash: record.tokenHash,
        policy: JSON.stringify(record.policy),
        max_uses: record.maxUses,
        uses_left: record.usesLeft,
        created_by: record.createdBy,
        created_at: record.createdAt,
        expires_at: record.expiresAt,
        last_used_at: record.lastUsedAt,
        revoked_at: record.revokedAt,
      })
      .execute();
  }

  async getByHash(tokenHash: string): Promise<InitialAccessTokenRecord | undefined> {
    const row = await this.#db.selectFrom('initial_access_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
    return row ? toInitialToken(row) : undefined;
  }

  async listForOrg(orgId: string): Promise<InitialAccessTokenRecord[]> {
    const rows = await this.#db
      .selectFrom('initial_access_tokens')
      .selectAll()
      .where('org_id', '=', orgId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
    return rows.map(toInitialToken);
  }

  async revoke(id: string, orgId: string, now: number): Promise<boolean> {
    const result = await this.#db
      .updateTable('initial_access_tokens')
      .set({ revoked_at: now })
      .where('id', '=', id)
      .where('org_id', '=', orgId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async spend(id: string, now: number): Promise<InitialAccessTokenRecord | undefined> {
    // One conditional UPDATE: of concurrent spends of the last use, only one still finds uses_left > 0.
    const row = await this.#db
      .updateTable('initial_access_tokens')
      .set((eb) => ({ uses_left: eb('uses_left', '-', 1), last_used_at: now }))
      .where('id', '=', id)
      .where('uses_left', '>', 0)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .returningAll()
      .executeTakeFirst();
    return row ? toInitialToken(row) : undefined;
  }
}

function toRegistration(row: Selectable<ClientRegistrationsTable>): ClientRegistrationRecord {
  return {
    clientId: row.client_id,
    tokenHash: row.token_hash,
    initialTokenId: row.initial_token_id,
    metadata: JSON.parse(row.metadata) as Record<string, JsonValue>,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

export class SqlClientRegistrationRepository implements ClientRegistrationRepository {
  readonly #db: Kysely<DatabaseSchema>;

  constructor(db: Kysely<DatabaseSchema>) {
    this.#db = db;
  }

  async insert(record: ClientRegistrationRecord): Promise<void> {
    await this.#db
      .insertInto('client_registrations')
      .values({
        client_id: record.clientId,
        token_hash: record.tokenHash,
        initial_token_id: record.initialTokenId,
        metadata: JSON.stringify(record.metadata),
        created_at: record.createdAt,
        updated_at: record.updatedAt,
      })
      .execute();
  }

  async get(clientId: string): Promise<ClientRegistrationRecord | undefined> {
    const row = await this.#db.selectFrom('client_registrations').selectAll().where('client_id', '=', clientId).executeTakeFirst();
    return row ? toRegistration(row) : undefined;
  }

  async update(record: ClientRegistrationRecord, expectedTokenHash: string): Promise<boolean> {
    const result = await this.#db
      .updateTable('client_registrations')
      .set({ token_hash: record.tokenHash, metadata: JSON.stringify(record.metadata), updated_at: record.updatedAt })
      .where('client_id', '=', record.clientId)
      .where('token_hash', '=', expectedTokenHash)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async delete(clientId: string): Promise<boolean> {
    const result = await this.#db.deleteFrom('client_registrations').where('client_id', '=', clientId).executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }
}
