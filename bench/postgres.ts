import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const postgresAdminUrl = process.env.LATCHKEY_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface BenchDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

async function withAdmin<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: postgresAdminUrl, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** The database `name` on the server of `serverUrl`, dropped once however often `drop` is called. */
function benchDatabase(serverUrl: string, name: string): BenchDatabase {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    url: url.toString(),
    name,
    drop: async () => {
      if (dropped) return;
      dropped = true;
      await withAdmin((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}

/** A fresh database `latchkey_bench_<random>`, or the reason PostgreSQL can't be used. */
export async function createBenchDatabase(): Promise<BenchDatabase | { skipped: string }> {
  const name = `latchkey_bench_${randomBytes(5).toString('hex')}`;
  try {
    await withAdmin((client) => client.query(`CREATE DATABASE "${name}"`));
  } catch (error) {
    return { skipped: `PostgreSQL at ${new URL(postgresAdminUrl).host} is not usable (${(error as Error).message})` };
  }
  return benchDatabase(postgresAdminUrl, name);
}

/** A copy of a database nobody is connected to (CREATE DATABASE ... TEMPLATE), dropped like the original. */
export async function copyDatabase(source: BenchDatabase): Promise<BenchDatabase> {
  const name = `${source.name}_copy`;
  await withAdmin((client) => client.query(`CREATE DATABASE "${name}" TEMPLATE "${source.name}"`));
  return benchDatabase(source.url, name);
}

/** The PostgreSQL server's version string, for the report. */
export async function postgresVersion(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query<{ server_version: string }>('SHOW server_version');
    return result.rows[0]?.server_version ?? 'unknown';
  } finally {
    await client.end();
  }
}
