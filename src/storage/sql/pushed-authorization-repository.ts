import type { Kysely, Selectable } from 'kysely';
import type { PushedAuthorizationRequestRecord, PushedAuthorizationRequestRepository, PushedRequestUse } from '../../ports/pushed-authorization-repository.js';
import { deleteExpiredRows } from './expired-rows.js';
import type { DatabaseSchema, PushedAuthorizationRequestsTable } from './schema.js';

function toRecord(row: Selectable<PushedAuthorizationRequestsTable>): PushedAuthorizationRequestRecord {
  return {
    uriHash: row.uri_hash,
    clientId: row.client_id,
    parameters: JSON.parse(row.parameters) as Record<string, string[]>,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
    consumedAt: row.consumed_at === null ? null : Number(row.consumed_at),
  };
}

export class SqlPushedAuthorizationRequestRepository implements PushedAuthorizationRequestRepository {
  readonly #db: Kysely<DatabaseSchema>;

  constructor(db: Kysely<DatabaseSchema>) {
    this.#db = db;
  }

  async insert(record: PushedAuthorizationRequestRecord): Promise<void> {
    await this.#db
      .insertInto('pushed_authorization_requests')
      .values({
        uri_hash: record.uriHash,
        client_id: record.clientId,
        parameters: JSON.stringify(record.parameters),
        created_at: record.createdAt,
        expires_at: record.expiresAt,
        consumed_at: record.consumedAt,
      })
      .execute();
  }

  async consume(uriHash: string, clientId: string, now: number): Promise<PushedRequestUse> {
    // One conditional UPDATE: of two concurrent uses, only one finds consumed_at still null.
    const row = await this.#db
      .updateTable('pushed_authorization_requests')
      .set({ consumed_at: now })
      .where('uri_hash', '=', uriHash)
      .where('client_id', '=', clientId)
      .where('consumed_at', 'is', null)
      .where('expires_at', '>', now)
      .returningAll()
      .executeTakeFirst();
    if (row) return { ok: true, record: toRecord(row) };
    // Refused: read only to say why; nothing changes.
    const found = await this.#db
      .selectFrom('pushed_authorization_requests')
      .select(['client_id', 'consumed_at', 'expires_at'])
      .where('uri_hash', '=', uriHash)
      .executeTakeFirst();
    if (!found) return { ok: false, refusal: 'unknown' };
    if (found.client_id !== clientId) return { ok: false, refusal: 'other_client' };
    if (found.consumed_at !== null) return { ok: false, refusal: 'used' };
    return { ok: false, refusal: 'expired' };
  }

  deleteExpired(now: number, limit: number): Promise<number> {
    return deleteExpiredRows(this.#db, 'pushed_authorization_requests', now, limit);
  }
}
