import type { Command } from 'commander';
import { migrateToLatest, openDatabase } from '../../storage/sql/database.js';
import { commandLogger, configFromCommand } from '../context.js';
import { printJson } from '../output.js';

export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('apply pending database migrations (run it before starting new code on PostgreSQL)')
    .option('--json', 'print the result as JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const { config } = configFromCommand(command);
      commandLogger(config);
      const database = await openDatabase(config.database.url, { poolSize: 1 });
      try {
        const { applied } = await migrateToLatest(database);
        if (options.json) printJson({ database: database.description, applied });
        else if (applied.length === 0) process.stdout.write(`${database.description} is up to date.\n`);
        else process.stdout.write(`Applied to ${database.description}:\n${applied.map((name) => `  ${name}`).join('\n')}\n`);
      } finally {
        await database.close();
      }
    });
}
