import type { Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDatabase = Kysely<any>;

/** Device authorization requests (RFC 8628): pending until the user approves on another device. */
export async function up(db: AnyDatabase): Promise<void> {
  await db.schema
    .createTable('device_codes')
    .addColumn('device_code_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_code', 'text', (c) => c.notNull().unique())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('audiences', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text')
    .addColumn('session_sid', 'text')
    .addColumn('auth_time', 'bigint')
    .addColumn('amr', 'text')
    .addColumn('interval_seconds', 'integer', (c) => c.notNull())
    .addColumn('last_polled_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('device_codes_expires').on('device_codes').column('expires_at').execute();
}

export async function down(db: AnyDatabase): Promise<void> {
  await db.schema.dropTable('device_codes').execute();
}
