import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDatabase = Kysely<any>;

/**
 * The sweeper deletes by expiry in small batches, so every table it sweeps gets an index on
 * expires_at. access_tokens' grant index skips client-credentials tokens (no grant): one B-tree
 * fewer to write for each of them.
 */
export async function up(db: AnyDatabase): Promise<void> {
  for (const table of ['sessions', 'interactions', 'revoked_jtis']) {
    await db.schema.createIndex(`${table}_expires`).on(table).column('expires_at').execute();
  }
  await db.schema.dropIndex('access_tokens_grant').execute();
  await db.schema.createIndex('access_tokens_grant').on('access_tokens').column('grant_id').where(sql.ref('grant_id'), 'is not', null).execute();
}

export async function down(db: AnyDatabase): Promise<void> {
  await db.schema.dropIndex('access_tokens_grant').execute();
  await db.schema.createIndex('access_tokens_grant').on('access_tokens').column('grant_id').execute();
  for (const table of ['sessions', 'interactions', 'revoked_jtis']) {
    await db.schema.dropIndex(`${table}_expires`).execute();
  }
}
