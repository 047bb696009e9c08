import type { Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDatabase = Kysely<any>;

/**
 * The claims parameter (OIDC Core §5.5) of the authorization request a grant was born of, as JSON:
 * the ID tokens of the grant, refreshed ones too (§12.2), and userinfo answer it. Null for grants
 * of requests without one, and for those made before.
 */
export async function up(db: AnyDatabase): Promise<void> {
  await db.schema.alterTable('grants').addColumn('claims', 'text').execute();
}

export async function down(db: AnyDatabase): Promise<void> {
  await db.schema.alterTable('grants').dropColumn('claims').execute();
}
