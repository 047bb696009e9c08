import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The admin URL of the PostgreSQL used by tests; unset means PostgreSQL tests are skipped. */
export const postgresAdminUrl = process.env.LATCHKEY_TEST_POSTGRES_URL;

export const postgresSkipReason = postgresAdminUrl
  ? false
  : 'LATCHKEY_TEST_POSTGRES_URL is unset: skipping the PostgreSQL half (set it, e.g. postgres://postgres@127.0.0.1:5432/test)';

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** A fresh, empty database for one test file; drop() removes it, even with connections left open. */
export async function createTestDatabase(): Promise<TestDatabase> {
  if (!postgresAdminUrl) throw new Error('LATCHKEY_TEST_POSTGRES_URL is unset');
  const name = `latchkey_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: postgresAdminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(postgresAdminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: async () => {
      const client = new pg.Client({ connectionString: postgresAdminUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
