import { Command } from 'commander';
import { registerApisCommand } from './commands/apis.js';
import { registerAppsCommand } from './commands/apps.js';
import { registerAuditCommand } from './commands/audit.js';
import { registerConfigCommand } from './commands/config.js';
import { registerConnectionsCommand } from './commands/connections.js';
import { registerCredentialsCommand } from './commands/credentials.js';
import { registerInitCommand } from './commands/init.js';
import { registerKeysCommand } from './commands/keys.js';
import { registerMembersCommand } from './commands/members.js';
import { registerBackupCommands } from './commands/backup.js';
import { registerMigrateCommand } from './commands/migrate.js';
import { registerOrgsCommand } from './commands/orgs.js';
import { registerRegistrationTokensCommand } from './commands/registration-tokens.js';
import { registerSecretCommand } from './commands/secret.js';
import { registerStartCommand } from './commands/start.js';
import { registerTokensCommand } from './commands/tokens.js';
import { registerUsersCommand } from './commands/users.js';
import { addConfigOptions } from './context.js';
import { addRemoteOptions } from './management-client.js';

export function buildProgram(): Command {
  const program = new Command('latchkey')
    .description('Latchkey: a self-hostable OAuth 2.1 and OpenID Connect authorization server')
    .showHelpAfterError()
    .configureHelp({ sortSubcommands: true });
  addConfigOptions(program);
  addRemoteOptions(program);
  registerStartCommand(program);
  registerMigrateCommand(program);
  registerBackupCommands(program);
  registerInitCommand(program);
  registerConfigCommand(program);
  registerKeysCommand(program);
  registerSecretCommand(program);
  registerAppsCommand(program);
  registerOrgsCommand(program);
  registerUsersCommand(program);
  registerMembersCommand(program);
  registerApisCommand(program);
  registerCredentialsCommand(program);
  registerTokensCommand(program);
  registerRegistrationTokensCommand(program);
  registerAuditCommand(program);
  registerConnectionsCommand(program);
  return program;
}
