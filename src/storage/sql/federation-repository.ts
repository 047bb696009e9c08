import type { Kysely, Selectable } from 'kysely';
import type {
  ClaimMapping,
  ConnectionRecord,
  ConnectionRepository,
  FederationStatePurpose,
  FederationStateRecord,
  FederationStateRepository,
  LinkedIdentityRecord,
  LinkedIdentityRepository,
} from '../../ports/federation-repositories.js';
import { deleteExpiredRows } from './expired-rows.js';
import type { DatabaseSchema, FederationConnectionsTable, FederationIdentitiesTable, FederationStatesTable } from './schema.js';

/** The server's own connections share one scope key; an organization's use its id. */
const serverScope = '*';

function scopeOf(orgId: string | null): string {
  return orgId ?? serverScope;
}

function toConnection(row: Selectable<FederationConnectionsTable>): ConnectionRecord {
  return {
    id: row.id,
    orgId: row.org_id,
    name: row.name,
    displayName: row.display_name,
    issuer: row.issuer,
    clientId: row.client_id,
    clientSecretJwe: row.client_secret_jwe,
    scopes: JSON.parse(row.scopes) as string[],
    claimMapping: JSON.parse(row.claim_mapping) as ClaimMapping,
    domains: JSON.parse(row.domains) as string[],
    trustUpstreamMfa: row.trust_upstream_mfa === 1,
    enabled: row.enabled === 1,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

function connectionRow(connection: ConnectionRecord): Selectable<FederationConnectionsTable> {
  return {
    id: connection.id,
    org_id: connection.orgId,
    scope: scopeOf(connection.orgId),
    name: connection.name,
    display_name: connection.displayName,
    issuer: connection.issuer,
    client_id: connection.clientId,
    client_secret_jwe: connection.clientSecretJwe,
    scopes: JSON.stringify(connection.scopes),
    claim_mapping: JSON.stringify(connection.claimMapping),
    domains: JSON.stringify(connection.domains),
    trust_upstream_mfa: connection.trustUpstreamMfa ? 1 : 0,
    enabled: connection.enabled ? 1 : 0,
    created_at: connection.createdAt,
    updated_at: connection.updatedAt,
  };
}

export class SqlConnectionRepository implements ConnectionRepository {
  readonly #db: Kysely<DatabaseSchema>;

  constructor(db: Kysely<DatabaseSchema>) {
    this.#db = db;
  }

  async insert(connection: ConnectionRecord): Promise<boolean> {
    const result = await this.#db
      .insertInto('federation_connections')
      .values(connectionRow(connection))
      .onConflict((conflict) => conflict.columns(['scope', 'name']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
  }

  async get(id: string): Promise<ConnectionRecord | undefined> {
    const row = await this.#db.selectFrom('federation_connections').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toConnection(row);
  }

  async getByName(orgId: string | null, name: string): Promise<ConnectionRecord | undefined> {
    const row = await this.#db.selectFrom('federation_connections').selectAll().where('scope', '=', scopeOf(orgId)).where('name', '=', name).executeTakeFirst();
    return row && toConnection(row);
  }

  async list(orgId: string | null): Promise<ConnectionRecord[]> {
    const rows = await this.#db.selectFrom('federation_connections').selectAll().where('scope', '=', scopeOf(orgId)).orderBy('name').execute();
    return rows.map(toConnection);
  }

  async listEnabledFor(orgId: string | null): Promise<ConnectionRecord[]> {
    const scopes = orgId === null ? [serverScope] : [serverScope, orgId];
    const rows = await this.#db
      .selectFrom('federation_connections')
      .selectAll()
      .where('scope', 'in', scopes)
      .where('enabled', '=', 1)
      .orderBy('display_name')
      .orderBy('id')
      .execute();
    return rows.map(toConnection);
  }

  async update(connection: ConnectionRecord): Promise<boolean> {
    const { id, ...values } = connectionRow(connection);
    const taken = await this.#db
      .selectFrom('federation_connections')
      .select('id')
      .where('scope', '=', values.scope)
      .where('name', '=', values.name)
      .where('id', '!=', id)
      .executeTakeFirst();
    if (taken) return false;
    await this.#db.updateTable('federation_connections').set(values).where('id', '=', id).execute();
    return true;
  }

  async delete(id: string): Promise<boolean> {
    // Not every SQLite connection enforces foreign keys: the dependent rows go explicitly.
    await this.#db.deleteFrom('federation_states').where('connection_id', '=', id).execute();
    await this.#db.deleteFrom('federation_identities').where('connection_id', '=', id).execute();
    const result = await this.#db.deleteFrom('federation_connections').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }
}

function toIdentity(row: Selectable<FederationIdentitiesTable>): LinkedIdentityRecord {
  return {
    id: row.id,
    connectionId: row.connection_id,
    subject: row.subject,
    userId: row.user_id,
    email: row.email,
    createdAt: Number(row.created_at),
    lastUsedAt: row.last_used_at === null ? null : Number(row.last_used_at),
  };
}

export class SqlLinkedIdentityRepository implements LinkedIdentityRepository {
  readonly #db: Kysely<DatabaseSchema>;

  constructor(db: Kysely<DatabaseSchema>) {
    this.#db = db;
  }

  async insert(identity: LinkedIdentityRecord): Promise<boolean> {
    const result = await this.#db
      .insertInto('federation_identities')
      .values({
        id: identity.id,
        connection_id: identity.connectionId,
        subject: identity.subject,
        user_id: identity.userId,
        email: identity.email,
        created_at: identity.createdAt,
        last_used_at: identity.lastUsedAt,
      })
      .onConflict((conflict) => conflict.columns(['connection_id', 'subject']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
  }

  async find(connectionId: string, subject: string): Promise<LinkedIdentityRecord | undefined> {
    const row = await this.#db
      .selectFrom('federation_identities')
      .selectAll()
      .where('connection_id', '=', connectionId)
      .where('subject', '=', subject)
      .executeTakeFirst();
    return row && toIdentity(row);
  }

  async listForUser(userId: string): Promise<LinkedIdentityRecord[]> {
    const rows = await this.#db.selectFrom('federation_identities').selectAll().where('user_id', '=', userId).orderBy('created_at').orderBy('id').execute();
    return rows.map(toIdentity);
  }

  async touch(id: string, now: number): Promise<void> {
    await this.#db.updateTable('federation_identities').set({ last_used_at: now }).where('id', '=', id).execute();
  }

  async delete(id: string, userId: string): Promise<boolean> {
    const result = await this.#db.deleteFrom('federation_identities').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }
}

function toState(row: Selectable<FederationStatesTable>): FederationStateRecord {
  return {
    stateHash: row.state_hash,
    purpose: row.purpose as FederationStatePurpose,
    connectionId: row.connection_id,
    interactionUid: row.interaction_uid,
    browserHash: row.browser_hash,
    data: JSON.parse(row.data) as Record<string, unknown>,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
    consumedAt: row.consumed_at === null ? null : Number(row.consumed_at),
  };
}

export class SqlFederationStateRepository implements FederationStateRepository {
  readonly #db: Kysely<DatabaseSchema>;

  constructor(db: Kysely<DatabaseSchema>) {
    this.#db = db;
  }

  async insert(state: FederationStateRecord): Promise<void> {
    await this.#db
      .insertInto('federation_states')
      .values({
        state_hash: state.stateHash,
        purpose: state.purpose,
        connection_id: state.connectionId,
        interaction_uid: state.interactionUid,
        browser_hash: state.browserHash,
        data: JSON.stringify(state.data),
        created_at: state.createdAt,
        expires_at: state.expiresAt,
        consumed_at: state.consumedAt,
      })
      .execute();
  }

  async get(stateHash: string): Promise<FederationStateRecord | undefined> {
    const row = await this.#db.selectFrom('federation_states').selectAll().where('state_hash', '=', stateHash).executeTakeFirst();
    return row && toState(row);
  }

  async consume(stateHash: string, purpose: FederationStatePurpose, now: number): Promise<FederationStateRecord | undefined> {
    // One conditional UPDATE: of two concurrent uses, only one finds consumed_at still null.
    const row = await this.#db
      .updateTable('federation_states')
      .set({ consumed_at: now })
      .where('state_hash', '=', stateHash)
      .where('purpose', '=', purpose)
      .where('consumed_at', 'is', null)
      .where('expires_at', '>', now)
      .returningAll()
      .executeTakeFirst();
    return row && toState(row);
  }

  deleteExpired(now: number, limit: number): Promise<number> {
    return deleteExpiredRows(this.#db, 'federation_states', now, limit);
  }
}
