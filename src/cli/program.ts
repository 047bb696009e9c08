import { Command } from 'commander';
import { registerConfigCommand } from './commands/config.js';
import { registerKeysCommand } from './commands/keys.js';
import { registerMigrateCommand } from './commands/migrate.js';
import { registerStartCommand } from './commands/start.js';
import { addConfigOptions } from './context.js';

export function buildProgram(): Command {
  const program = new Command('latchkey')
    .description('Latchkey: a self-hostable OAuth 2.1 and OpenID Connect authorization server')
    .showHelpAfterError()
    .configureHelp({ sortSubcommands: true });
  addConfigOptions(program);
  registerStartCommand(program);
  registerMigrateCommand(program);
  registerConfigCommand(program);
  registerKeysCommand(program);
  return program;
}
