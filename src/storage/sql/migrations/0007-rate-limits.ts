import type { Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDatabase = Kysely<any>;

/**
 * Attempt counters shared by every node on the database (sign-in per account and per address,
 * user-code entry per address). Keys are stored as SHA-256 digests: bounded in size whatever the
 * email typed, and no plain emails or addresses in this table. expires_at is when the window ends.
 */
export async function up(db: AnyDatabase): Promise<void> {
  await db.schema
    .createTable('rate_limits')
    .addColumn('key_hash', 'text', (c) => c.primaryKey())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('last_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('rate_limits_expires').on('rate_limits').column('expires_at').execute();
}

export async function down(db: AnyDatabase): Promise<void> {
  await db.schema.dropTable('rate_limits').execute();
}
