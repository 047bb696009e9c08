import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDatabase = Kysely<any>;

/**
 * The signing key lifecycle: a key may be published before it signs (status `next`, starting at
 * `activate_at`), and revoked in an emergency (status `revoked`, gone from the JWKS at once).
 */
export async function up(db: AnyDatabase): Promise<void> {
  await db.schema.alterTable('signing_keys').addColumn('activate_at', 'bigint').execute();
  await db.schema.alterTable('signing_keys').addColumn('revoked_at', 'bigint').execute();
  // At most one scheduled key per algorithm, whichever node schedules it.
  await db.schema.createIndex('signing_keys_one_next_per_alg').on('signing_keys').column('alg').unique().where(sql.ref('status'), '=', 'next').execute();
}

export async function down(db: AnyDatabase): Promise<void> {
  await db.schema.dropIndex('signing_keys_one_next_per_alg').execute();
  await db.schema.alterTable('signing_keys').dropColumn('revoked_at').execute();
  await db.schema.alterTable('signing_keys').dropColumn('activate_at').execute();
}
