import type { Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDatabase = Kysely<any>;

/**
 * The account half of the identity provider.
 * - outbox: work that leaves the request (mail now; webhooks and logout tokens later), written in
 *   the transaction of the change that causes it and sent by a worker. A worker claims a row by
 *   setting claimed_until (a lease); a row is done when sent_at is set, given up when failed_at is.
 * - account_tokens: single-use links (first-run setup, email verification, password reset), stored
 *   as SHA-256 digests of 256-bit random values; used_at marks the one use.
 * - users: the OIDC standard profile claims, and the lockout after repeated failed sign-ins.
 * - sessions: what the account page shows of each (device, address, last seen), and the idle timeout.
 */
export async function up(db: AnyDatabase): Promise<void> {
  await db.schema
    .createTable('outbox')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('claimed_until', 'bigint')
    .addColumn('claimed_by', 'text')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('sent_at', 'bigint')
    .addColumn('failed_at', 'bigint')
    .execute();
  await db.schema.createIndex('outbox_due').on('outbox').columns(['sent_at', 'failed_at', 'next_attempt_at']).execute();

  await db.schema
    .createTable('account_tokens')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text')
    .addColumn('email', 'text')
    .addColumn('data', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .execute();
  await db.schema.createIndex('account_tokens_user').on('account_tokens').columns(['user_id', 'purpose']).execute();
  await db.schema.createIndex('account_tokens_expires').on('account_tokens').column('expires_at').execute();

  for (const column of ['given_name', 'family_name', 'picture', 'locale', 'phone_number', 'address']) {
    await db.schema.alterTable('users').addColumn(column, 'text').execute();
  }
  await db.schema.alterTable('users').addColumn('locked_until', 'bigint').execute();

  await db.schema.alterTable('sessions').addColumn('last_seen_at', 'bigint').execute();
  await db.schema.alterTable('sessions').addColumn('ip', 'text').execute();
  await db.schema.alterTable('sessions').addColumn('user_agent', 'text').execute();
}

export async function down(db: AnyDatabase): Promise<void> {
  for (const column of ['user_agent', 'ip', 'last_seen_at']) await db.schema.alterTable('sessions').dropColumn(column).execute();
  for (const column of ['locked_until', 'address', 'phone_number', 'locale', 'picture', 'family_name', 'given_name']) {
    await db.schema.alterTable('users').dropColumn(column).execute();
  }
  await db.schema.dropTable('account_tokens').execute();
  await db.schema.dropTable('outbox').execute();
}
