import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { sqliteFilePath } from '../../storage/sql/database.js';
import { backupSqlite, inspectSqliteBackup, restoreSqlite } from '../../storage/sql/sqlite-backup.js';
import { CliError, commandLogger, configFromCommand } from '../context.js';
import { printJson } from '../output.js';

/** The SQLite file the configuration names; PostgreSQL has its own tools. */
function sqliteFileOf(url: string): string {
  if (!url.startsWith('sqlite:')) {
    throw new CliError('backup and restore are for SQLite; back up PostgreSQL with pg_dump and restore with pg_restore (docs/deployment.md)');
  }
  const file = sqliteFilePath(url);
  if (file === ':memory:') throw new CliError('the database is in memory: there is nothing to back up');
  return file;
}

export function registerBackupCommands(program: Command): void {
  program
    .command('backup')
    .description('copy the SQLite database to a file, consistently, while the server runs (SQLite online backup)')
    .argument('<file>', 'where to write the copy; must not exist')
    .option('--json', 'print the result as JSON')
    .action(async (target: string, options: { json?: boolean }, command: Command) => {
      const { config } = configFromCommand(command);
      commandLogger(config);
      const source = sqliteFileOf(config.database.url);
      const destination = resolve(target);
      if (existsSync(destination)) throw new CliError(`${destination} exists already; choose a new file`);
      if (!existsSync(source)) throw new CliError(`the database ${source} does not exist`);
      const totalPages = await backupSqlite(source, destination);
      if (options.json) printJson({ database: source, backup: destination, pages: totalPages });
      else process.stdout.write(`Backed up ${source} to ${destination} (${totalPages} pages).\n`);
    });

  program
    .command('restore')
    .description('replace the SQLite database with a backup; stop every server using it first')
    .argument('<file>', 'a file `latchkey backup` wrote')
    .option('--force', 'replace the database even if it exists (it is overwritten)')
    .option('--json', 'print the result as JSON')
    .action(async (backupFile: string, options: { force?: boolean; json?: boolean }, command: Command) => {
      const { config } = configFromCommand(command);
      commandLogger(config);
      const target = sqliteFileOf(config.database.url);
      const source = resolve(backupFile);
      const inspected = inspectSqliteBackup(source);
      if (!inspected.ok) throw new CliError(`${source} can't be restored: ${inspected.reason}; nothing was changed`);
      const { migrations } = inspected;
      if (existsSync(target) && !options.force) {
        throw new CliError(`the database ${target} exists; stop the server and run again with --force to replace it`);
      }
      await restoreSqlite(source, target);
      if (options.json) printJson({ database: target, restoredFrom: source, migrations });
      else process.stdout.write(`Restored ${target} from ${source} (${migrations} migrations applied in it; newer ones run at the next start).\n`);
    });
}
