import type { Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDatabase = Kysely<any>;

/**
 * Trusted issuers: per app, external issuers whose signed JWTs the app may present as JWT bearer
 * assertions (RFC 7523) and token exchange subject or actor tokens (RFC 8693), with their public
 * keys, the subjects and scopes they may speak for, and an optional end.
 */
export async function up(db: AnyDatabase): Promise<void> {
  await db.schema
    .createTable('app_trusted_issuers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('client_id', 'text', (c) => c.notNull().references('apps.client_id').onDelete('cascade'))
    .addColumn('issuer', 'text', (c) => c.notNull())
    .addColumn('public_jwks', 'text', (c) => c.notNull())
    .addColumn('subjects', 'text', (c) => c.notNull())
    .addColumn('allow_any_subject', 'integer', (c) => c.notNull())
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  // One relationship per issuer and app: the issuer names it in the grant.
  await db.schema.createIndex('app_trusted_issuers_client_issuer').on('app_trusted_issuers').columns(['client_id', 'issuer']).unique().execute();
}

export async function down(db: AnyDatabase): Promise<void> {
  await db.schema.dropTable('app_trusted_issuers').execute();
}
