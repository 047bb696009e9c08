import type { Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDatabase = Kysely<any>;

/**
 * An app's asset signing certificate and its private key (docs/asset-tokens.md): one row per app
 * at most, the key sealed with a key derived from the server secret, apart from the settings
 * document so that nothing that reads or audits settings ever sees it.
 */
export async function up(db: AnyDatabase): Promise<void> {
  await db.schema
    .createTable('app_asset_signing_keys')
    .addColumn('client_id', 'text', (column) => column.primaryKey().references('apps.client_id').onDelete('cascade'))
    .addColumn('certificate_pem', 'text', (column) => column.notNull())
    .addColumn('sealed_private_key', 'text', (column) => column.notNull())
    .addColumn('alg', 'text', (column) => column.notNull())
    .addColumn('fingerprint', 'text', (column) => column.notNull())
    .addColumn('subject', 'text', (column) => column.notNull())
    .addColumn('not_before', 'bigint', (column) => column.notNull())
    .addColumn('expires_at', 'bigint', (column) => column.notNull())
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .execute();
}

export async function down(db: AnyDatabase): Promise<void> {
  await db.schema.dropTable('app_asset_signing_keys').execute();
}
