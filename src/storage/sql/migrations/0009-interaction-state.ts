import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDatabase = Kysely<any>;

/**
 * An interaction records what happened rather than which page to show: its step in the
 * sign-in and consent state machine, who signed in (user, methods, time, acr), what they
 * consented to and the error it ended with. The old prompt ('login' or 'consent') becomes
 * the pending step of the same name; a finished one becomes done. The device flow keeps its
 * interactions in the same table: `flow` tells them apart, and a device interaction names its
 * device code's hash, by which the verification page finds it.
 */
export async function up(db: AnyDatabase): Promise<void> {
  await db.schema.alterTable('interactions').renameColumn('prompt', 'step').execute();
  for (const column of ['user_id', 'amr', 'acr', 'consent', 'error']) {
    await db.schema.alterTable('interactions').addColumn(column, 'text').execute();
  }
  await db.schema.alterTable('interactions').addColumn('auth_time', 'bigint').execute();
  await db.schema
    .alterTable('interactions')
    .addColumn('flow', 'text', (column) => column.notNull().defaultTo('authorization'))
    .execute();
  await db.schema.alterTable('interactions').addColumn('device_code_hash', 'text').execute();
  await db.schema
    .createIndex('interactions_device_code')
    .on('interactions')
    .column('device_code_hash')
    .where(sql.ref('device_code_hash'), 'is not', null)
    .execute();
  await sql`update interactions set step = case when completed_at is not null then 'done' when step = 'consent' then 'consent_pending' else 'login_pending' end`.execute(
    db,
  );
}

export async function down(db: AnyDatabase): Promise<void> {
  await sql`delete from interactions where flow = 'device'`.execute(db);
  await sql`update interactions set step = case when step = 'consent_pending' then 'consent' else 'login' end`.execute(db);
  await db.schema.dropIndex('interactions_device_code').execute();
  for (const column of ['device_code_hash', 'flow', 'auth_time', 'error', 'consent', 'acr', 'amr', 'user_id']) {
    await db.schema.alterTable('interactions').dropColumn(column).execute();
  }
  await db.schema.alterTable('interactions').renameColumn('step', 'prompt').execute();
}
