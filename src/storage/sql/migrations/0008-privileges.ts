import type { Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDatabase = Kysely<any>;

/**
 * Pre-authorizations (an administrator authorizes a user, or every member with a role, for an
 * app's scopes without their own consent), disabled users, and who really acted in the audit log
 * (the app a user's token was issued to and the delegation chain).
 */
export async function up(db: AnyDatabase): Promise<void> {
  await db.schema
    .createTable('app_preauthorizations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('client_id', 'text', (c) => c.notNull().references('apps.client_id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.references('users.id').onDelete('cascade'))
    .addColumn('role', 'text')
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('audiences', 'text', (c) => c.notNull())
    .addColumn('authority', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('app_preauthorizations_client').on('app_preauthorizations').column('client_id').execute();

  await db.schema.alterTable('users').addColumn('disabled_at', 'bigint').execute();
  await db.schema.alterTable('audit_events').addColumn('actor_context', 'text').execute();
}

export async function down(db: AnyDatabase): Promise<void> {
  await db.schema.alterTable('audit_events').dropColumn('actor_context').execute();
  await db.schema.alterTable('users').dropColumn('disabled_at').execute();
  await db.schema.dropTable('app_preauthorizations').execute();
}
