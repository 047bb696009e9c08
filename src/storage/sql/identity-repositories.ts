import type { Kysely, Selectable } from 'kysely';
import type { PersonalAccessTokenRecord, PersonalAccessTokenRepository, UserRecord, UserRepository } from '../../ports/identity-repositories.js';
import { containsInsensitive, fromFlag, toFlag } from './query-helpers.js';
import type { DatabaseSchema, PersonalAccessTokensTable, UsersTable } from './schema.js';

function toUser(row: Selectable<UsersTable>): UserRecord {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    passwordHash: row.password_hash,
    emailVerified: fromFlag(row.email_verified),
    isAdmin: fromFlag(row.is_admin),
    disabledAt: row.disabled_at,
    lockedUntil: row.locked_until,
    profile: {
      givenName: row.given_name,
      familyName: row.family_name,
      picture: row.picture,
      locale: row.locale,
      phoneNumber: row.phone_number,
      address: row.address,
    },
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function userRow(user: UserRecord): UsersTable {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    password_hash: user.passwordHash,
    email_verified: toFlag(user.emailVerified),
    is_admin: toFlag(user.isAdmin),
    disabled_at: user.disabledAt,
    locked_until: user.lockedUntil,
    given_name: user.profile.givenName,
    family_name: user.profile.familyName,
    picture: user.profile.picture,
    locale: user.profile.locale,
    phone_number: user.profile.phoneNumber,
    address: user.profile.address,
    created_at: user.createdAt,
    updated_at: user.updatedAt,
  };
}

export class SqlUserRepository implements UserRepository {
  readonly #db: Kysely<DatabaseSchema>;
  constructor(db: Kysely<DatabaseSchema>) {
    this.#db = db;
  }

  async insert(user: UserRecord): Promise<boolean> {
    const result = await this.#db
      .insertInto('users')
      .values(userRow(user))
      .onConflict((conflict) => conflict.column('email').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
  }

  async get(id: string): Promise<UserRecord | undefined> {
    const row = await this.#db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toUser(row);
  }

  async getByEmail(email: string): Promise<UserRecord | undefined> {
    const row = await this.#db.selectFrom('users').selectAll().where('email', '=', email.toLowerCase()).executeTakeFirst();
    return row && toUser(row);
  }

  async update(user: UserRecord): Promise<void> {
    const { id: _id, ...values } = userRow(user);
    await this.#db.updateTable('users').set(values).where('id', '=', user.id).execute();
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.#db.deleteFrom('users').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }

  async list(query: { search?: string; offset: number; limit: number }): Promise<{ items: UserRecord[]; total: number }> {
    let base = this.#db.selectFrom('users');
    if (query.search) {
      const search = query.search;
      base = base.where((eb) => eb.or([containsInsensitive('email', search), containsInsensitive('name', search)]));
    }
    const [rows, count] = await Promise.all([
      base.selectAll().orderBy('created_at').orderBy('id').offset(query.offset).limit(query.limit).execute(),
      base.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow(),
    ]);
    return { items: rows.map(toUser), total: Number(count.total) };
  }

  async count(): Promise<number> {
    const row = await this.#db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('total'))
      .executeTakeFirstOrThrow();
    return Number(row.total);
  }

  async hasAdministrator(): Promise<boolean> {
    const row = await this.#db.selectFrom('users').select('id').where('is_admin', '=', toFlag(true)).limit(1).executeTakeFirst();
    return row !== undefined;
  }
}

function toToken(row: Selectable<PersonalAccessTokensTable>): PersonalAccessTokenRecord {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    tokenHash: row.token_hash,
    scopes: JSON.parse(row.scopes) as string[],
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}

export class SqlPersonalAccessTokenRepository implements PersonalAccessTokenRepository {
  readonly #db: Kysely<DatabaseSchema>;
  constructor(db: Kysely<DatabaseSchema>) {
    this.#db = db;
  }

  async insert(token: PersonalAccessTokenRecord): Promise<void> {
    await this.#db
      .insertInto('personal_access_tokens')
      .values({
        id: token.id,
        user_id: token.userId,
        name: token.name,
        token_hash: token.tokenHash,
        scopes: JSON.stringify(token.scopes),
        created_at: token.createdAt,
        expires_at: token.expiresAt,
        last_used_at: token.lastUsedAt,
        revoked_at: token.revokedAt,
      })
      .execute();
  }

  async getByHash(tokenHash: string): Promise<PersonalAccessTokenRecord | undefined> {
    const row = await this.#db.selectFrom('personal_access_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
    return row && toToken(row);
  }

  async listForUser(userId: string): Promise<PersonalAccessTokenRecord[]> {
    const rows = await this.#db.selectFrom('personal_access_tokens').selectAll().where('user_id', '=', userId).orderBy('created_at', 'desc').execute();
    return rows.map(toToken);
  }

  async revoke(id: string, userId: string, now: number): Promise<boolean> {
    const result = await this.#db
      .updateTable('personal_access_tokens')
      .set({ revoked_at: now })
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async touch(id: string, now: number): Promise<void> {
    await this.#db.updateTable('personal_access_tokens').set({ last_used_at: now }).where('id', '=', id).execute();
  }
}
