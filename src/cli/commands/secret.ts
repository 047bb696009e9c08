import type { Command } from 'commander';
import { openRuntime } from '../../runtime/runtime.js';
import { secretStatus, type SecretDependencies } from '../../runtime/secret-rotation.js';
import { commandLogger, configFromCommand } from '../context.js';
import { formatTable, isoTime, printJson } from '../output.js';

const labels: Record<keyof SecretDependencies, string> = {
  clientSecrets: 'client secrets',
  personalAccessTokens: 'personal access tokens',
  refreshTokens: 'refresh tokens',
  authorizationCodes: 'authorization codes',
  opaqueAccessTokens: 'opaque access tokens',
  sessions: 'browser sessions',
  invitations: 'invitations',
  initialAccessTokens: 'initial access tokens',
  registrationAccessTokens: 'registration access tokens',
  recoveryCodes: 'recovery codes',
  signingKeys: 'signing keys',
  totpSecrets: 'authenticator app secrets',
  connectionSecrets: 'connection client secrets',
  assetSigningKeys: 'asset signing keys',
};

export function registerSecretCommand(program: Command): void {
  const secret = program.command('secret').description('the server secret and the previous ones it replaced');

  secret
    .command('status')
    .description('for each previous secret, how many live credentials still depend on it, and whether it is safe to drop')
    .option('--json', 'print the status as JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const { config } = configFromCommand(command);
      const runtime = await openRuntime({ config, logger: commandLogger(config), ensureKeys: false });
      try {
        const status = await secretStatus(runtime);
        if (options.json) {
          return printJson({
            current: { id: status.current.id, activatedAt: status.current.activatedAt === null ? null : isoTime(status.current.activatedAt) },
            previous: status.previous.map((entry) => ({ ...entry, activatedAt: entry.activatedAt === null ? null : isoTime(entry.activatedAt) })),
          });
        }
        const since = status.current.activatedAt === null ? '' : ` (serving since ${isoTime(status.current.activatedAt)})`;
        process.stdout.write(`Current secret ${status.current.id}${since}.\n`);
        if (status.previous.length === 0) {
          process.stdout.write('No previous secrets are configured (previousSecrets, LATCHKEY_PREVIOUS_SECRETS).\n');
          return;
        }
        for (const entry of status.previous) {
          const verdict = entry.safeToDrop ? 'safe to drop: nothing live depends on it' : `not safe to drop: ${entry.total} live item(s) depend on it`;
          process.stdout.write(`\nPrevious secret ${entry.id}: ${verdict}.\n`);
          const rows = (Object.keys(labels) as (keyof SecretDependencies)[])
            .filter((key) => entry.dependencies[key] > 0)
            .map((key) => [labels[key], String(entry.dependencies[key])]);
          if (rows.length > 0) process.stdout.write(`${formatTable(['DEPENDS ON IT', 'COUNT'], rows)}\n`);
        }
      } finally {
        await runtime.close();
      }
    });
}
