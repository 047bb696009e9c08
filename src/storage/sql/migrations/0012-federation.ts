import type { Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDatabase = Kysely<any>;

/**
 * Sign-in with upstream OpenID providers.
 * - federation_connections: the providers; `scope` is the organization id, or '*' for the
 *   server's own, so that one unique index holds names unique per scope on both dialects (NULLs
 *   never collide in a unique index). The client secret is a JWE sealed with a derived key.
 * - federation_identities: (connection, upstream sub) → user, unique.
 * - federation_states: the single-use rows of a sign-in in flight (state, PKCE verifier, nonce;
 *   or a link waiting for the account's password), found by the digest of a random value.
 */
export async function up(db: AnyDatabase): Promise<void> {
  await db.schema
    .createTable('federation_connections')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.references('organizations.id').onDelete('cascade'))
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('issuer', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('client_secret_jwe', 'text', (c) => c.notNull())
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('claim_mapping', 'text', (c) => c.notNull())
    .addColumn('domains', 'text', (c) => c.notNull())
    .addColumn('trust_upstream_mfa', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('federation_connections_scope_name').unique().on('federation_connections').columns(['scope', 'name']).execute();

  await db.schema
    .createTable('federation_identities')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('connection_id', 'text', (c) => c.notNull().references('federation_connections.id').onDelete('cascade'))
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('email', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint')
    .execute();
  await db.schema.createIndex('federation_identities_subject').unique().on('federation_identities').columns(['connection_id', 'subject']).execute();
  await db.schema.createIndex('federation_identities_user').on('federation_identities').column('user_id').execute();

  await db.schema
    .createTable('federation_states')
    .addColumn('state_hash', 'text', (c) => c.primaryKey())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('connection_id', 'text', (c) => c.notNull().references('federation_connections.id').onDelete('cascade'))
    .addColumn('interaction_uid', 'text', (c) => c.notNull())
    .addColumn('browser_hash', 'text', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('consumed_at', 'bigint')
    .execute();
  await db.schema.createIndex('federation_states_expires').on('federation_states').column('expires_at').execute();
}

export async function down(db: AnyDatabase): Promise<void> {
  await db.schema.dropTable('federation_states').execute();
  await db.schema.dropTable('federation_identities').execute();
  await db.schema.dropTable('federation_connections').execute();
}
