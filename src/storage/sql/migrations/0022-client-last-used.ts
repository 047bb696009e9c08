import type { Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDatabase = Kysely<any>;

/**
 * When an app, and each of its secrets, last authenticated: written at most once a minute per
 * secret, in batches, off the request path (src/runtime/client-usage.ts).
 */
export async function up(db: AnyDatabase): Promise<void> {
  await db.schema.alterTable('apps').addColumn('last_used_at', 'bigint').execute();
  await db.schema.alterTable('app_secrets').addColumn('last_used_at', 'bigint').execute();
}

export async function down(db: AnyDatabase): Promise<void> {
  await db.schema.alterTable('app_secrets').dropColumn('last_used_at').execute();
  await db.schema.alterTable('apps').dropColumn('last_used_at').execute();
}
