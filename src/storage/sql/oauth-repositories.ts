import type { Insertable, Kysely, Selectable } from 'kysely';
import { sql } from 'kysely';
import type { JsonValue } from '../../ports/app-repositories.js';
import type {
  ClaimsRequest,
  AccessTokenRecord,
  AccessTokenRepository,
  ConsentRecord,
  ConsentRepository,
  GrantRecord,
  GrantRepository,
  InteractionChange,
  InteractionFlow,
  InteractionLogin,
  InteractionRecord,
  InteractionRepository,
  InteractionStep,
  RefreshInstallation,
  RevokedJtiRepository,
  SessionRecord,
  SessionRepository,
} from '../../ports/oauth-repositories.js';
import { deleteExpiredRows } from './expired-rows.js';
import { InsertBatcher } from './insert-batcher.js';
import { ReadBatcher } from './read-batcher.js';
import type { AccessTokensTable, DatabaseSchema, GrantsTable, InteractionsTable, SessionsTable } from './schema.js';

function deleted(result: { numDeletedRows: bigint }): number {
  return Number(result.numDeletedRows);
}

function toSession(row: Selectable<SessionsTable>): SessionRecord {
  return {
    idHash: row.id_hash,
    sid: row.sid,
    userId: row.user_id,
    authTime: row.auth_time,
    amr: JSON.parse(row.amr) as string[],
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    lastSeenAt: row.last_seen_at ?? row.created_at,
    ip: row.ip,
    userAgent: row.user_agent,
  };
}

export class SqlSessionRepository implements SessionRepository {
  readonly #db: Kysely<DatabaseSchema>;
  readonly #byHash: ReadBatcher<string, SessionRecord>;

  constructor(db: Kysely<DatabaseSchema>, options: { batched: boolean }) {
    this.#db = db;
    this.#byHash = new ReadBatcher(
      (hashes) => this.#readByHashes(hashes),
      (hash) => hash,
      options,
    );
  }

  async #readByHashes(hashes: string[]): Promise<(hash: string) => SessionRecord | undefined> {
    const rows = await this.#db.selectFrom('sessions').selectAll().where('id_hash', 'in', hashes).execute();
    const byHash = new Map(rows.map((row) => [row.id_hash, toSession(row)]));
    return (hash) => byHash.get(hash);
  }

  async insert(session: SessionRecord): Promise<void> {
    await this.#db
      .insertInto('sessions')
      .values({
        id_hash: session.idHash,
        sid: session.sid,
        user_id: session.userId,
        auth_time: session.authTime,
        amr: JSON.stringify(session.amr),
        created_at: session.createdAt,
        expires_at: session.expiresAt,
        last_seen_at: session.lastSeenAt,
        ip: session.ip,
        user_agent: session.userAgent,
      })
      .execute();
  }

  getByHash(idHash: string): Promise<SessionRecord | undefined> {
    return this.#byHash.get(idHash);
  }

  async delete(idHash: string): Promise<SessionRecord | undefined> {
    const row = await this.#db.deleteFrom('sessions').where('id_hash', '=', idHash).returningAll().executeTakeFirst();
    return row && toSession(row);
  }

  async listForUser(userId: string, now: number): Promise<SessionRecord[]> {
    const rows = await this.#db
      .selectFrom('sessions')
      .selectAll()
      .where('user_id', '=', userId)
      .where('expires_at', '>', now)
      .orderBy('last_seen_at', 'desc')
      .orderBy('created_at', 'desc')
      .execute();
    return rows.map(toSession);
  }

  async listExpired(now: number, limit: number): Promise<SessionRecord[]> {
    const rows = await this.#db.selectFrom('sessions').selectAll().where('expires_at', '<=', now).orderBy('expires_at').limit(limit).execute();
    return rows.map(toSession);
  }

  async deleteForUser(userId: string, keepIdHash?: string): Promise<SessionRecord[]> {
    let query = this.#db.deleteFrom('sessions').where('user_id', '=', userId);
    if (keepIdHash !== undefined) query = query.where('id_hash', '!=', keepIdHash);
    const rows = await query.returningAll().execute();
    return rows.map(toSession);
  }

  async reauthenticate(idHash: string, change: { idHash: string; amr: string[]; authTime: number; lastSeenAt: number }): Promise<SessionRecord | undefined> {
    const row = await this.#db
      .updateTable('sessions')
      .set({ id_hash: change.idHash, amr: JSON.stringify(change.amr), auth_time: change.authTime, last_seen_at: change.lastSeenAt })
      .where('id_hash', '=', idHash)
      .returningAll()
      .executeTakeFirst();
    return row && toSession(row);
  }

  async touch(idHash: string, now: number, expiresAt: number): Promise<boolean> {
    const result = await this.#db.updateTable('sessions').set({ last_seen_at: now, expires_at: expiresAt }).where('id_hash', '=', idHash).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  deleteExpired(now: number, limit: number): Promise<number> {
    return deleteExpiredRows(this.#db, 'sessions', now, limit);
  }
}

function toInteraction(row: Selectable<InteractionsTable>): InteractionRecord {
  const login: InteractionLogin | null =
    row.user_id === null || row.auth_time === null
      ? null
      : { userId: row.user_id, amr: JSON.parse(row.amr ?? '[]') as string[], authTime: row.auth_time, acr: row.acr };
  return {
    uid: row.uid,
    flow: row.flow as InteractionFlow,
    clientId: row.client_id,
    request: JSON.parse(row.request) as Record<string, JsonValue>,
    deviceCodeHash: row.device_code_hash,
    browserHash: row.browser_hash,
    step: row.step as InteractionStep,
    login,
    consent: row.consent === null ? null : (JSON.parse(row.consent) as string[]),
    error: row.error,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    completedAt: row.completed_at,
  };
}

function loginColumns(login: InteractionLogin | null) {
  return {
    user_id: login?.userId ?? null,
    amr: login ? JSON.stringify(login.amr) : null,
    auth_time: login?.authTime ?? null,
    acr: login?.acr ?? null,
  };
}

const finalSteps: ReadonlySet<InteractionStep> = new Set(['done', 'failed']);

export class SqlInteractionRepository implements InteractionRepository {
  readonly #db: Kysely<DatabaseSchema>;
  constructor(db: Kysely<DatabaseSchema>) {
    this.#db = db;
  }

  async insert(interaction: InteractionRecord): Promise<void> {
    await this.#db
      .insertInto('interactions')
      .values({
        uid: interaction.uid,
        flow: interaction.flow,
        client_id: interaction.clientId,
        request: JSON.stringify(interaction.request),
        device_code_hash: interaction.deviceCodeHash,
        browser_hash: interaction.browserHash,
        step: interaction.step,
        ...loginColumns(interaction.login),
        consent: interaction.consent === null ? null : JSON.stringify(interaction.consent),
        error: interaction.error,
        created_at: interaction.createdAt,
        expires_at: interaction.expiresAt,
        completed_at: interaction.completedAt,
      })
      .execute();
  }

  async get(uid: string): Promise<InteractionRecord | undefined> {
    const row = await this.#db.selectFrom('interactions').selectAll().where('uid', '=', uid).executeTakeFirst();
    return row && toInteraction(row);
  }

  async findLiveForDevice(deviceCodeHash: string, browserHash: string, now: number): Promise<InteractionRecord | undefined> {
    const row = await this.#db
      .selectFrom('interactions')
      .selectAll()
      .where('device_code_hash', '=', deviceCodeHash)
      .where('browser_hash', '=', browserHash)
      .where('completed_at', 'is', null)
      .where('expires_at', '>', now)
      .orderBy('created_at', 'desc')
      .orderBy('uid', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row && toInteraction(row);
  }

  async advance(uid: string, from: InteractionStep, change: InteractionChange, now: number): Promise<boolean> {
    const result = await this.#db
      .updateTable('interactions')
      .set({
        step: change.step,
        ...(change.login !== undefined ? loginColumns(change.login) : {}),
        ...(change.consent !== undefined ? { consent: change.consent === null ? null : JSON.stringify(change.consent) } : {}),
        ...(change.error !== undefined ? { error: change.error } : {}),
        ...(finalSteps.has(change.step) ? { completed_at: now } : {}),
      })
      .where('uid', '=', uid)
      .where('step', '=', from)
      .where('completed_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  deleteExpired(now: number, limit: number): Promise<number> {
    return deleteExpiredRows(this.#db, 'interactions', now, limit);
  }
}

export class SqlConsentRepository implements ConsentRepository {
  readonly #db: Kysely<DatabaseSchema>;
  constructor(db: Kysely<DatabaseSchema>) {
    this.#db = db;
  }

  async get(userId: string, clientId: string): Promise<ConsentRecord | undefined> {
    const row = await this.#db.selectFrom('consents').selectAll().where('user_id', '=', userId).where('client_id', '=', clientId).executeTakeFirst();
    return (
      row && { userId: row.user_id, clientId: row.client_id, scopes: JSON.parse(row.scopes) as string[], createdAt: row.created_at, updatedAt: row.updated_at }
    );
  }

  async put(consent: ConsentRecord): Promise<void> {
    const scopes = JSON.stringify(consent.scopes);
    await this.#db
      .insertInto('consents')
      .values({ user_id: consent.userId, client_id: consent.clientId, scopes, created_at: consent.createdAt, updated_at: consent.updatedAt })
      .onConflict((conflict) => conflict.columns(['user_id', 'client_id']).doUpdateSet({ scopes, updated_at: consent.updatedAt }))
      .execute();
  }

  async delete(userId: string, clientId: string): Promise<boolean> {
    const result = await this.#db.deleteFrom('consents').where('user_id', '=', userId).where('client_id', '=', clientId).executeTakeFirst();
    return deleted(result) === 1;
  }

  async listForUser(userId: string): Promise<ConsentRecord[]> {
    const rows = await this.#db.selectFrom('consents').selectAll().where('user_id', '=', userId).orderBy('updated_at', 'desc').execute();
    return rows.map((row) => ({
      userId: row.user_id,
      clientId: row.client_id,
      scopes: JSON.parse(row.scopes) as string[],
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    }));
  }
}

function toGrant(row: Selectable<GrantsTable>): GrantRecord {
  return {
    id: row.id,
    clientId: row.client_id,
    userId: row.user_id,
    orgId: row.org_id,
    scope: row.scope === '' ? [] : row.scope.split(' '),
    audiences: JSON.parse(row.audiences) as string[],
    sessionSid: row.session_sid,
    authTime: row.auth_time,
    amr: JSON.parse(row.amr) as string[],
    nonce: row.nonce,
    redirectUri: row.redirect_uri,
    codeHash: row.code_hash,
    codeChallenge: row.code_challenge,
    codeExpiresAt: row.code_expires_at,
    codeConsumedAt: row.code_consumed_at,
    refreshHash: row.refresh_hash,
    refreshPreviousHash: row.refresh_previous_hash,
    refreshGeneration: row.refresh_generation,
    refreshRotatedAt: row.refresh_rotated_at,
    refreshExpiresAt: row.refresh_expires_at,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    dpopJkt: row.dpop_jkt ?? null,
    claims: row.claims ? (JSON.parse(row.claims) as ClaimsRequest) : null,
  };
}

type GrantWithJtiStatus = { grant: GrantRecord; jtiRevoked: boolean };

export class SqlGrantRepository implements GrantRepository {
  readonly #db: Kysely<DatabaseSchema>;
  readonly #byId: ReadBatcher<string, GrantRecord>;
  readonly #withJtiStatus: ReadBatcher<{ id: string; jti: string }, GrantWithJtiStatus>;
  readonly #byCodeHash: ReadBatcher<string, GrantRecord>;
  readonly #inserts: InsertBatcher<Insertable<GrantsTable>>;

  /** `batched`: the hot reads and inserts of concurrent requests share statements (outside transactions). */
  constructor(db: Kysely<DatabaseSchema>, options: { batched: boolean }) {
    this.#db = db;
    this.#byId = new ReadBatcher(
      (ids) => this.#readByIds(ids),
      (id) => id,
      options,
    );
    this.#withJtiStatus = new ReadBatcher(
      (keys) => this.#readWithJtiStatus(keys),
      (key) => `${key.id} ${key.jti}`,
      options,
    );
    this.#byCodeHash = new ReadBatcher(
      (hashes) => this.#readByCodeHashes(hashes),
      (hash) => hash,
      options,
    );
    this.#inserts = new InsertBatcher((rows) => this.#insertRows(rows), options);
  }

  async #readByCodeHashes(hashes: string[]): Promise<(hash: string) => GrantRecord | undefined> {
    const rows = await this.#db.selectFrom('grants').selectAll().where('code_hash', 'in', hashes).execute();
    const byHash = new Map(rows.map((row) => [row.code_hash, toGrant(row)]));
    return (hash) => byHash.get(hash);
  }

  async #insertRows(rows: Insertable<GrantsTable>[]): Promise<void> {
    await this.#db.insertInto('grants').values(rows).execute();
  }

  async #readByIds(ids: string[]): Promise<(id: string) => GrantRecord | undefined> {
    const rows = await this.#db.selectFrom('grants').selectAll().where('id', 'in', ids).execute();
    const byId = new Map(rows.map((row) => [row.id, toGrant(row)]));
    return (id) => byId.get(id);
  }

  /**
   * The grants of a batch, each joined with the batch's jtis that were revoked: almost always none,
   * so one row per grant; a revoked jti adds a row to every grant of the batch, and only the row
   * whose grant asked for that jti counts.
   */
  async #readWithJtiStatus(keys: { id: string; jti: string }[]): Promise<(key: { id: string; jti: string }) => GrantWithJtiStatus | undefined> {
    const rows = await this.#db
      .selectFrom('grants')
      .leftJoin('revoked_jtis', (join) =>
        join.on(
          'revoked_jtis.jti',
          'in',
          keys.map((key) => key.jti),
        ),
      )
      .selectAll('grants')
      .select('revoked_jtis.jti as revoked_jti')
      .where(
        'grants.id',
        'in',
        keys.map((key) => key.id),
      )
      .execute();
    const grants = new Map<string, GrantRecord>();
    const revoked = new Set<string>();
    for (const row of rows) {
      if (!grants.has(row.id)) grants.set(row.id, toGrant(row));
      if (row.revoked_jti !== null) revoked.add(`${row.id} ${row.revoked_jti}`);
    }
    return (key) => {
      const grant = grants.get(key.id);
      return grant && { grant, jtiRevoked: revoked.has(`${key.id} ${key.jti}`) };
    };
  }

  insert(grant: GrantRecord): Promise<void> {
    const row: Insertable<GrantsTable> = {
      id: grant.id,
      client_id: grant.clientId,
      user_id: grant.userId,
      org_id: grant.orgId,
      scope: grant.scope.join(' '),
      audiences: JSON.stringify(grant.audiences),
      session_sid: grant.sessionSid,
      auth_time: grant.authTime,
      amr: JSON.stringify(grant.amr),
      nonce: grant.nonce,
      redirect_uri: grant.redirectUri,
      code_hash: grant.codeHash,
      code_challenge: grant.codeChallenge,
      code_expires_at: grant.codeExpiresAt,
      code_consumed_at: grant.codeConsumedAt,
      refresh_hash: grant.refreshHash,
      refresh_previous_hash: grant.refreshPreviousHash,
      refresh_generation: grant.refreshGeneration,
      refresh_rotated_at: grant.refreshRotatedAt,
      refresh_expires_at: grant.refreshExpiresAt,
      created_at: grant.createdAt,
      expires_at: grant.expiresAt,
      revoked_at: grant.revokedAt,
      dpop_jkt: grant.dpopJkt,
      claims: grant.claims ? JSON.stringify(grant.claims) : null,
    };
    return this.#inserts.add(row);
  }

  get(id: string): Promise<GrantRecord | undefined> {
    return this.#byId.get(id);
  }

  getWithJtiStatus(id: string, jti: string): Promise<GrantWithJtiStatus | undefined> {
    return this.#withJtiStatus.get({ id, jti });
  }

  getByCodeHash(codeHash: string): Promise<GrantRecord | undefined> {
    return this.#byCodeHash.get(codeHash);
  }

  async redeemCode(id: string, now: number, refresh: RefreshInstallation | null, expiresAt: number, dpopJkt: string | null = null): Promise<boolean> {
    const result = await this.#db
      .updateTable('grants')
      .set({
        code_consumed_at: now,
        dpop_jkt: dpopJkt,
        refresh_hash: refresh?.hash ?? null,
        refresh_expires_at: refresh?.expiresAt ?? null,
        refresh_rotated_at: refresh ? now : null,
        expires_at: expiresAt,
      })
      .where('id', '=', id)
      .where('code_consumed_at', 'is', null)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async rotateRefresh(id: string, expectedHash: string, next: RefreshInstallation, now: number, expiresAt: number): Promise<boolean> {
    const result = await this.#db
      .updateTable('grants')
      .set((eb) => ({
        refresh_previous_hash: expectedHash,
        refresh_hash: next.hash,
        refresh_generation: eb('refresh_generation', '+', 1),
        refresh_rotated_at: now,
        refresh_expires_at: next.expiresAt,
        expires_at: expiresAt,
      }))
      .where('id', '=', id)
      .where('refresh_hash', '=', expectedHash)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async revoke(id: string, now: number): Promise<boolean> {
    const result = await this.#db.updateTable('grants').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async revokeForUserAndClient(userId: string, clientId: string, now: number): Promise<number> {
    const result = await this.#db
      .updateTable('grants')
      .set({ revoked_at: now })
      .where('user_id', '=', userId)
      .where('client_id', '=', clientId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async revokeOnlineForUser(userId: string, now: number): Promise<number> {
    // The scope column is space-separated; padding it makes the match exact on both dialects.
    const result = await this.#db
      .updateTable('grants')
      .set({ revoked_at: now })
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .where(sql<string>`' ' || scope || ' '`, 'not like', '% offline_access %')
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async endSession(sid: string, now: number): Promise<{ clientIds: string[]; revoked: number }> {
    const result = await this.#db
      .updateTable('grants')
      .set({ revoked_at: now })
      .where('session_sid', '=', sid)
      .where('revoked_at', 'is', null)
      .where(sql<string>`' ' || scope || ' '`, 'not like', '% offline_access %')
      .executeTakeFirst();
    const rows = await this.#db.selectFrom('grants').select('client_id').distinct().where('session_sid', '=', sid).orderBy('client_id').execute();
    return { clientIds: rows.map((row) => row.client_id), revoked: Number(result.numUpdatedRows) };
  }

  deleteExpired(now: number, limit: number): Promise<number> {
    return deleteExpiredRows(this.#db, 'grants', now, limit);
  }
}

function toAccessToken(row: Selectable<AccessTokensTable>): AccessTokenRecord {
  return {
    tokenHash: row.token_hash,
    grantId: row.grant_id,
    clientId: row.client_id,
    subject: row.subject,
    payload: JSON.parse(row.payload) as Record<string, JsonValue>,
    issuedAt: row.issued_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
  };
}

export class SqlAccessTokenRepository implements AccessTokenRepository {
  readonly #db: Kysely<DatabaseSchema>;
  readonly #inserts: InsertBatcher<Insertable<AccessTokensTable>>;
  readonly #byHash: ReadBatcher<string, AccessTokenRecord>;

  constructor(db: Kysely<DatabaseSchema>, options: { batched: boolean }) {
    this.#db = db;
    this.#inserts = new InsertBatcher((rows) => this.#insertRows(rows), options);
    this.#byHash = new ReadBatcher(
      (hashes) => this.#readByHashes(hashes),
      (hash) => hash,
      options,
    );
  }

  async #readByHashes(hashes: string[]): Promise<(hash: string) => AccessTokenRecord | undefined> {
    const rows = await this.#db.selectFrom('access_tokens').selectAll().where('token_hash', 'in', hashes).execute();
    const byHash = new Map(rows.map((row) => [row.token_hash, toAccessToken(row)]));
    return (hash) => byHash.get(hash);
  }

  async #insertRows(rows: Insertable<AccessTokensTable>[]): Promise<void> {
    await this.#db.insertInto('access_tokens').values(rows).execute();
  }

  insert(token: AccessTokenRecord): Promise<void> {
    const row: Insertable<AccessTokensTable> = {
      token_hash: token.tokenHash,
      grant_id: token.grantId,
      client_id: token.clientId,
      subject: token.subject,
      payload: JSON.stringify(token.payload),
      issued_at: token.issuedAt,
      expires_at: token.expiresAt,
      revoked_at: token.revokedAt,
    };
    return this.#inserts.add(row);
  }

  get(tokenHash: string): Promise<AccessTokenRecord | undefined> {
    return this.#byHash.get(tokenHash);
  }

  async revoke(tokenHash: string, now: number): Promise<boolean> {
    const result = await this.#db
      .updateTable('access_tokens')
      .set({ revoked_at: now })
      .where('token_hash', '=', tokenHash)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  deleteExpired(now: number, limit: number): Promise<number> {
    return deleteExpiredRows(this.#db, 'access_tokens', now, limit);
  }
}

export class SqlRevokedJtiRepository implements RevokedJtiRepository {
  readonly #db: Kysely<DatabaseSchema>;
  constructor(db: Kysely<DatabaseSchema>) {
    this.#db = db;
  }

  async add(jti: string, expiresAt: number): Promise<void> {
    await this.#db
      .insertInto('revoked_jtis')
      .values({ jti, expires_at: expiresAt })
      .onConflict((conflict) => conflict.column('jti').doNothing())
      .execute();
  }

  async addIfAbsent(jti: string, expiresAt: number): Promise<boolean> {
    const result = await this.#db
      .insertInto('revoked_jtis')
      .values({ jti, expires_at: expiresAt })
      .onConflict((conflict) => conflict.column('jti').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
  }

  async has(jti: string): Promise<boolean> {
    return (await this.#db.selectFrom('revoked_jtis').select('jti').where('jti', '=', jti).executeTakeFirst()) !== undefined;
  }

  deleteExpired(now: number, limit: number): Promise<number> {
    return deleteExpiredRows(this.#db, 'revoked_jtis', now, limit);
  }
}
