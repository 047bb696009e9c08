import { sql, type Kysely } from 'kysely';
import type { DatabaseSchema } from './schema.js';

/** The tables the sweeper empties of expired rows, each with its primary key. */
const sweptTables = {
  sessions: 'id_hash',
  interactions: 'uid',
  grants: 'id',
  access_tokens: 'token_hash',
  revoked_jtis: 'jti',
  device_codes: 'device_code_hash',
  console_sessions: 'id_hash',
  rate_limits: 'key_hash',
  account_tokens: 'token_hash',
  federation_states: 'state_hash',
  pushed_authorization_requests: 'uri_hash',
  dpop_proofs: 'proof_key',
} as const satisfies Partial<Record<keyof DatabaseSchema, string>>;

/**
 * Deletes at most `limit` rows whose expires_at has passed, and says how many. A bounded batch
 * keeps each statement short: better-sqlite3 runs it on the event loop, where an unbounded delete
 * of half a million rows would stall every request for seconds. Portable SQL (SQLite has no
 * DELETE ... LIMIT by default): the keys of one batch by the expires_at index, then those rows.
 */
export async function deleteExpiredRows(db: Kysely<DatabaseSchema>, table: keyof typeof sweptTables, now: number, limit: number): Promise<number> {
  const key = sql.ref(sweptTables[table]);
  const result =
    await sql`delete from ${sql.table(table)} where ${key} in (select ${key} from ${sql.table(table)} where expires_at <= ${now} limit ${limit})`.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}
