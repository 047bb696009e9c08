import type { Kysely } from 'kysely';
import type { DatabaseSchema } from './schema.js';

/**
 * Serializes transactions that call it with the same name: the upsert holds a row lock until the
 * transaction ends (PostgreSQL), and SQLite runs one writer at a time anyway. Statements after it
 * see what earlier holders committed, because each statement takes a fresh snapshot under
 * READ COMMITTED.
 */
export async function takeTransactionLock(tx: Kysely<DatabaseSchema>, name: string, now: number): Promise<void> {
  await tx
    .insertInto('settings')
    .values({ name: `lock:${name}`, value: '', updated_at: now })
    .onConflict((conflict) => conflict.column('name').doUpdateSet({ updated_at: now }))
    .execute();
}
