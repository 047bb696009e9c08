import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDatabase = Kysely<any>;

/**
 * What ending a session needs to find (OIDC Back-Channel Logout 1.0):
 * - grants by the sid of the session they were issued in, to revoke the online ones and to know
 *   which apps to tell;
 * - outbox.app_id: the app a back-channel logout entry is for, so that its delivery log is one
 *   indexed read (null for mail);
 * - console_sessions.sid: the Latchkey session the console signed in with, so that the console
 *   session ends with it (null for console sessions started before this migration).
 */
export async function up(db: AnyDatabase): Promise<void> {
  await db.schema.createIndex('grants_session_sid').on('grants').column('session_sid').where(sql.ref('session_sid'), 'is not', null).execute();
  await db.schema.alterTable('outbox').addColumn('app_id', 'text').execute();
  await db.schema.createIndex('outbox_app').on('outbox').columns(['app_id', 'created_at']).where(sql.ref('app_id'), 'is not', null).execute();
  await db.schema.alterTable('console_sessions').addColumn('sid', 'text').execute();
  await db.schema.createIndex('console_sessions_sid').on('console_sessions').column('sid').where(sql.ref('sid'), 'is not', null).execute();
}

export async function down(db: AnyDatabase): Promise<void> {
  await db.schema.dropIndex('console_sessions_sid').execute();
  await db.schema.alterTable('console_sessions').dropColumn('sid').execute();
  await db.schema.dropIndex('outbox_app').execute();
  await db.schema.alterTable('outbox').dropColumn('app_id').execute();
  await db.schema.dropIndex('grants_session_sid').execute();
}
