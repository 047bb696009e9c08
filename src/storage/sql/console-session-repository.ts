import type { Kysely, Selectable } from 'kysely';
import type { ConsoleSessionRecord, ConsoleSessionRepository } from '../../ports/oauth-repositories.js';
import { deleteExpiredRows } from './expired-rows.js';
import type { ConsoleSessionsTable, DatabaseSchema } from './schema.js';

function toRecord(row: Selectable<ConsoleSessionsTable>): ConsoleSessionRecord {
  return {
    idHash: row.id_hash,
    userId: row.user_id,
    sealedTokens: row.tokens,
    csrfToken: row.csrf_token,
    accessExpiresAt: row.access_expires_at,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    sid: row.sid,
  };
}

export class SqlConsoleSessionRepository implements ConsoleSessionRepository {
  readonly #db: Kysely<DatabaseSchema>;
  constructor(db: Kysely<DatabaseSchema>) {
    this.#db = db;
  }

  async insert(session: ConsoleSessionRecord): Promise<void> {
    await this.#db
      .insertInto('console_sessions')
      .values({
        id_hash: session.idHash,
        user_id: session.userId,
        tokens: session.sealedTokens,
        csrf_token: session.csrfToken,
        access_expires_at: session.accessExpiresAt,
        created_at: session.createdAt,
        expires_at: session.expiresAt,
        sid: session.sid,
      })
      .execute();
  }

  async get(idHash: string): Promise<ConsoleSessionRecord | undefined> {
    const row = await this.#db.selectFrom('console_sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
    return row && toRecord(row);
  }

  async replaceTokens(idHash: string, previous: string, sealedTokens: string, accessExpiresAt: number): Promise<boolean> {
    const result = await this.#db
      .updateTable('console_sessions')
      .set({ tokens: sealedTokens, access_expires_at: accessExpiresAt })
      .where('id_hash', '=', idHash)
      .where('tokens', '=', previous)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async delete(idHash: string): Promise<ConsoleSessionRecord | undefined> {
    const row = await this.#db.deleteFrom('console_sessions').where('id_hash', '=', idHash).returningAll().executeTakeFirst();
    return row && toRecord(row);
  }

  async deleteForSid(sid: string): Promise<number> {
    const result = await this.#db.deleteFrom('console_sessions').where('sid', '=', sid).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  deleteExpired(now: number, limit: number): Promise<number> {
    return deleteExpiredRows(this.#db, 'console_sessions', now, limit);
  }
}
