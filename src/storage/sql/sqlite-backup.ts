import { rmSync } from 'node:fs';
import Database from 'better-sqlite3';

/**
 * Copies a SQLite database to `destination` with SQLite's online backup API: page by page,
 * restarting when a writer changes a page already copied, so the copy is one consistent state
 * even while a server writes. Returns the number of pages.
 */
export async function backupSqlite(source: string, destination: string): Promise<number> {
  const database = new Database(source, { readonly: true, fileMustExist: true });
  try {
    return (await database.backup(destination)).totalPages;
  } finally {
    database.close();
  }
}

/** Why a file is not a Latchkey database to restore from, or how many migrations it holds. */
export function inspectSqliteBackup(file: string): { ok: true; migrations: number } | { ok: false; reason: string } {
  let database: Database.Database | undefined;
  try {
    database = new Database(file, { readonly: true, fileMustExist: true });
    const integrity = database.pragma('integrity_check', { simple: true });
    if (integrity !== 'ok') return { ok: false, reason: `it is damaged (integrity_check: ${String(integrity)})` };
    const found = database.prepare("select count(*) as count from sqlite_master where type = 'table' and name = 'kysely_migration'").get() as { count: number };
    if (found.count === 0) return { ok: false, reason: 'it is not a Latchkey database (it has no migrations table)' };
    return { ok: true, migrations: (database.prepare('select count(*) as count from kysely_migration').get() as { count: number }).count };
  } catch (error) {
    return { ok: false, reason: `it is not a SQLite database (${(error as Error).message})` };
  } finally {
    database?.close();
  }
}

/** Replaces the database at `target` by the backup; a write-ahead log beside the old one belongs to it, not to the backup. */
export async function restoreSqlite(backup: string, target: string): Promise<void> {
  for (const suffix of ['-wal', '-shm']) rmSync(`${target}${suffix}`, { force: true });
  await backupSqlite(backup, target);
}
