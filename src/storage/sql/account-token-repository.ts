import type { Kysely, Selectable } from 'kysely';
import type { AccountTokenPurpose, AccountTokenRecord, AccountTokenRepository } from '../../ports/account-tokens.js';
import type { JsonValue } from '../../ports/app-repositories.js';
import { deleteExpiredRows } from './expired-rows.js';
import type { AccountTokensTable, DatabaseSchema } from './schema.js';

function toToken(row: Selectable<AccountTokensTable>): AccountTokenRecord {
  return {
    tokenHash: row.token_hash,
    purpose: row.purpose as AccountTokenPurpose,
    userId: row.user_id,
    email: row.email,
    data: JSON.parse(row.data) as Record<string, JsonValue>,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    usedAt: row.used_at,
  };
}

export class SqlAccountTokenRepository implements AccountTokenRepository {
  readonly #db: Kysely<DatabaseSchema>;

  constructor(db: Kysely<DatabaseSchema>) {
    this.#db = db;
  }

  async insert(token: AccountTokenRecord): Promise<void> {
    await this.#db
      .insertInto('account_tokens')
      .values({
        token_hash: token.tokenHash,
        purpose: token.purpose,
        user_id: token.userId,
        email: token.email,
        data: JSON.stringify(token.data),
        created_at: token.createdAt,
        expires_at: token.expiresAt,
        used_at: token.usedAt,
      })
      .execute();
  }

  async get(tokenHash: string): Promise<AccountTokenRecord | undefined> {
    const row = await this.#db.selectFrom('account_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
    return row && toToken(row);
  }

  async consume(tokenHash: string, purpose: AccountTokenPurpose, now: number): Promise<AccountTokenRecord | undefined> {
    // One conditional UPDATE: of two concurrent uses, only one finds used_at still null.
    const row = await this.#db
      .updateTable('account_tokens')
      .set({ used_at: now })
      .where('token_hash', '=', tokenHash)
      .where('purpose', '=', purpose)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .returningAll()
      .executeTakeFirst();
    return row && toToken(row);
  }

  async revokeForUser(userId: string, purpose: AccountTokenPurpose, now: number): Promise<number> {
    const result = await this.#db
      .updateTable('account_tokens')
      .set({ used_at: now })
      .where('user_id', '=', userId)
      .where('purpose', '=', purpose)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  deleteExpired(now: number, limit: number): Promise<number> {
    return deleteExpiredRows(this.#db, 'account_tokens', now, limit);
  }
}
