import type { Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDatabase = Kysely<any>;

/**
 * DPoP (RFC 9449): the proofs already seen, one row per proof key (a digest of the key
 * thumbprint and the jti) until the proof could no longer be accepted, so that every node
 * refuses a replay (§11.1); and the key thumbprint a grant is bound to: its authorization code
 * (dpop_jkt, §10) and, for a public client, its refresh tokens (§5).
 */
export async function up(db: AnyDatabase): Promise<void> {
  await db.schema
    .createTable('dpop_proofs')
    .addColumn('proof_key', 'text', (c) => c.primaryKey())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('dpop_proofs_expires').on('dpop_proofs').column('expires_at').execute();
  await db.schema.alterTable('grants').addColumn('dpop_jkt', 'text').execute();
}

export async function down(db: AnyDatabase): Promise<void> {
  await db.schema.alterTable('grants').dropColumn('dpop_jkt').execute();
  await db.schema.dropTable('dpop_proofs').execute();
}
