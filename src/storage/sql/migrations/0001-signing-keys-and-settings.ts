import { sql, type Kysely } from 'kysely';

// Migrations take `Kysely<any>`: they describe the schema as it was then, not as it is now.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDatabase = Kysely<any>;

export async function up(db: AnyDatabase): Promise<void> {
  await db.schema
    .createTable('signing_keys')
    .addColumn('kid', 'text', (column) => column.primaryKey())
    .addColumn('alg', 'text', (column) => column.notNull())
    .addColumn('status', 'text', (column) => column.notNull())
    .addColumn('public_jwk', 'text', (column) => column.notNull())
    .addColumn('private_jwe', 'text')
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .addColumn('rotated_at', 'bigint')
    .addColumn('retire_at', 'bigint')
    .execute();
  // At most one active key per algorithm, whatever races between nodes.
  await db.schema.createIndex('signing_keys_one_active_per_alg').on('signing_keys').column('alg').unique().where(sql.ref('status'), '=', 'active').execute();

  await db.schema
    .createTable('settings')
    .addColumn('name', 'text', (column) => column.primaryKey())
    .addColumn('value', 'text', (column) => column.notNull())
    .addColumn('updated_at', 'bigint', (column) => column.notNull())
    .execute();
}

export async function down(db: AnyDatabase): Promise<void> {
  await db.schema.dropTable('settings').execute();
  await db.schema.dropTable('signing_keys').execute();
}
