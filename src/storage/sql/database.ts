import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type MigrationResultSet } from 'kysely';
import type PgModule from 'pg';
import { migrationProvider } from './migrations/index.js';
import { preparedStatementPool } from './postgres-prepared.js';
import type { DatabaseSchema } from './schema.js';

export type SqlDialectName = 'sqlite' | 'postgres';

export interface SqlDatabase {
  readonly db: Kysely<DatabaseSchema>;
  readonly dialect: SqlDialectName;
  /** A description safe to print: the file, or the URL without its password. */
  readonly description: string;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** A database that can't be opened, with a message an operator can act on. */
export class DatabaseOpenError extends Error {
  override readonly name = 'DatabaseOpenError';
}

export interface OpenDatabaseOptions {
  poolSize?: number;
  cwd?: string;
}

/** The path of a `sqlite:` URL: `sqlite:./data/x.db`, `sqlite:/abs/x.db`, `sqlite:///abs/x.db`, `sqlite::memory:`. */
export function sqliteFilePath(url: string, cwd: string = process.cwd()): string {
  let path = url.slice('sqlite:'.length);
  if (path.startsWith('//')) path = path.slice(2);
  if (path === ':memory:' || path === '') return ':memory:';
  return resolve(cwd, path);
}

export function describeDatabaseUrl(url: string, cwd?: string): string {
  if (url.startsWith('sqlite:')) return `SQLite ${sqliteFilePath(url, cwd)}`;
  try {
    const parsed = new URL(url);
    return `PostgreSQL ${parsed.username ? `${decodeURIComponent(parsed.username)}@` : ''}${parsed.host}${parsed.pathname}`;
  } catch {
    return 'PostgreSQL (unparseable URL)';
  }
}

const int8Oid = 20;

/**
 * better-sqlite3 with its prepared statements reused: Kysely prepares each query afresh, which
 * costs more than running it. Statements are only ever run synchronously (no streaming), so
 * one statement per SQL text is safe.
 */
function withStatementCache(connection: BetterSqlite3.Database, maxStatements = 500) {
  const statements = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => connection.close(),
    prepare(sql: string) {
      let statement = statements.get(sql);
      if (!statement) {
        statement = connection.prepare(sql);
        if (statements.size >= maxStatements) statements.delete(statements.keys().next().value!);
        statements.set(sql, statement);
      }
      return statement;
    },
  };
}

function openSqlite(url: string, cwd: string | undefined): SqlDatabase {
  const file = sqliteFilePath(url, cwd);
  let connection: BetterSqlite3.Database;
  try {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    connection = new BetterSqlite3(file);
    connection.pragma('journal_mode = WAL');
    connection.pragma('synchronous = NORMAL');
    connection.pragma('foreign_keys = ON');
    // Another process (the CLI beside a running server) may hold the write lock for a moment.
    connection.pragma('busy_timeout = 5000');
  } catch (error) {
    throw new DatabaseOpenError(`cannot open SQLite database ${file}: ${(error as Error).message}`);
  }
  const db = new Kysely<DatabaseSchema>({ dialect: new SqliteDialect({ database: withStatementCache(connection) }) });
  return {
    db,
    dialect: 'sqlite',
    description: `SQLite ${file}`,
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    close: () => db.destroy(),
  };
}

async function openPostgres(url: string, poolSize: number): Promise<SqlDatabase> {
  const description = describeDatabaseUrl(url);
  // Loaded only for PostgreSQL: a server on SQLite keeps its memory.
  const { default: pg }: { default: typeof PgModule } = await import('pg');
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    connectionTimeoutMillis: 5000,
    // Times are stored as bigint epoch milliseconds; they fit a JS number.
    types: {
      getTypeParser: (oid: number, format?: 'text' | 'binary'): unknown =>
        oid === int8Oid ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format),
    },
  });
  // An idle client that loses its connection must not crash the process.
  pool.on('error', () => undefined);
  try {
    const client = await pool.connect();
    client.release();
  } catch (error) {
    await pool.end().catch(() => undefined);
    const reason = (error as NodeJS.ErrnoException).code ? `${(error as NodeJS.ErrnoException).code}: ${(error as Error).message}` : (error as Error).message;
    throw new DatabaseOpenError(`cannot connect to ${description}: ${reason}`);
  }
  const db = new Kysely<DatabaseSchema>({ dialect: new PostgresDialect({ pool: preparedStatementPool(pool) }) });
  return {
    db,
    dialect: 'postgres',
    description,
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    close: () => db.destroy(),
  };
}

/** Opens the database named by a `sqlite:` or `postgres://` URL. Fails fast, with the reason, when it can't. */
export async function openDatabase(url: string, options: OpenDatabaseOptions = {}): Promise<SqlDatabase> {
  if (url.startsWith('sqlite:')) return openSqlite(url, options.cwd);
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return openPostgres(url, options.poolSize ?? 10);
  throw new DatabaseOpenError('the database URL must start with sqlite: or postgres://');
}

function migratorFor(database: SqlDatabase): Migrator {
  return new Migrator({ db: database.db, provider: migrationProvider });
}

export interface MigrationReport {
  applied: string[];
}

/** Applies every pending migration. Concurrent callers on PostgreSQL are serialized by Kysely's migration lock. */
export async function migrateToLatest(database: SqlDatabase): Promise<MigrationReport> {
  const result: MigrationResultSet = await migratorFor(database).migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((entry) => entry.status === 'Error');
    throw new DatabaseOpenError(`migration ${failed?.migrationName ?? '(unknown)'} failed on ${database.description}: ${(result.error as Error).message}`);
  }
  return { applied: (result.results ?? []).filter((entry) => entry.status === 'Success').map((entry) => entry.migrationName) };
}

/** Names of migrations not yet applied to this database. */
export async function pendingMigrations(database: SqlDatabase): Promise<string[]> {
  const migrations = await migratorFor(database).getMigrations();
  return migrations.filter((migration) => migration.executedAt === undefined).map((migration) => migration.name);
}
