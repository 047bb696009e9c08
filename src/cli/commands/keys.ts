import type { Command } from 'commander';
import { isSigningAlgorithm, signingAlgorithms, type SigningAlgorithm } from '../../contracts/algorithms.js';
import { operatorActor } from '../../domain/access/actor.js';
import { rotateSigningKeys } from '../../domain/keys/key-rotation.js';
import { openRuntime } from '../../runtime/runtime.js';
import { CliError, commandLogger, configFromCommand } from '../context.js';
import { formatTable, isoTime, printJson } from '../output.js';

function parseAlgorithms(value: string | undefined, configured: readonly SigningAlgorithm[]): SigningAlgorithm[] {
  if (!value) return [...configured];
  const requested = value
    .split(',')
    .map((alg) => alg.trim())
    .filter(Boolean);
  const unknown = requested.filter((alg) => !isSigningAlgorithm(alg));
  if (unknown.length > 0) {
    throw new CliError(`unknown algorithm ${unknown.join(', ')}; expected one of ${signingAlgorithms.join(', ')}`);
  }
  const notConfigured = requested.filter((alg) => !configured.includes(alg as SigningAlgorithm));
  if (notConfigured.length > 0) {
    throw new CliError(`${notConfigured.join(', ')} is not in keys.algorithms (${configured.join(', ')})`);
  }
  return requested as SigningAlgorithm[];
}

export function registerKeysCommand(program: Command): void {
  const keys = program.command('keys').description('list, rotate and revoke the signing keys');

  keys
    .command('list')
    .description('list signing keys: next (published, signs later), active, retiring (still published), retired and revoked')
    .option('--json', 'print the keys as JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const { config } = configFromCommand(command);
      const runtime = await openRuntime({ config, logger: commandLogger(config), ensureKeys: false });
      try {
        const all = await runtime.signingKeys.listAll();
        const listed = all.map((key) => ({
          kid: key.kid,
          alg: key.alg,
          status: key.status,
          createdAt: isoTime(key.createdAt),
          activateAt: key.activateAt === null ? null : isoTime(key.activateAt),
          rotatedAt: key.rotatedAt === null ? null : isoTime(key.rotatedAt),
          retireAt: key.retireAt === null ? null : isoTime(key.retireAt),
          revokedAt: key.revokedAt === null ? null : isoTime(key.revokedAt),
        }));
        if (options.json) return printJson({ keys: listed });
        if (listed.length === 0) {
          process.stdout.write('No signing keys yet: `latchkey start` creates them on first start.\n');
          return;
        }
        process.stdout.write(
          `${formatTable(
            ['KID', 'ALG', 'STATUS', 'CREATED', 'SIGNS FROM', 'ROTATED', 'RETIRES', 'REVOKED'],
            listed.map((key) => [
              key.kid,
              key.alg,
              key.status,
              key.createdAt,
              key.activateAt ?? '—',
              key.rotatedAt ?? '—',
              key.retireAt ?? '—',
              key.revokedAt ?? '—',
            ]),
          )}\n`,
        );
      } finally {
        await runtime.close();
      }
    });

  keys
    .command('rotate')
    .description('make a new signing key active; the old one stays published until its tokens have expired')
    .option('--alg <algorithms>', `comma-separated algorithms to rotate (default: all configured)`)
    .option('--json', 'print the result as JSON')
    .action(async (options: { alg?: string; json?: boolean }, command: Command) => {
      const { config } = configFromCommand(command);
      const algorithms = parseAlgorithms(options.alg, config.keys.algorithms);
      const runtime = await openRuntime({ config, logger: commandLogger(config) });
      try {
        const rotated = await rotateSigningKeys(runtime, { actor: operatorActor }, algorithms);
        const result = rotated.map((entry) => ({
          alg: entry.alg,
          kid: entry.kid,
          previousKid: entry.previousKid,
          previousRetiresAt: entry.previousRetireAt === null ? null : isoTime(entry.previousRetireAt),
        }));
        if (options.json) return printJson({ rotated: result });
        for (const entry of result) {
          process.stdout.write(
            `${entry.alg}: new key ${entry.kid} signs from now on` +
              (entry.previousKid ? `; ${entry.previousKid} stays published until ${entry.previousRetiresAt}\n` : '\n'),
          );
        }
        process.stdout.write('Running servers pick up the new keys within keys.refreshIntervalSeconds.\n');
      } finally {
        await runtime.close();
      }
    });

  keys
    .command('revoke <kid>')
    .description('revoke a signing key at once (its private key leaked): it leaves the JWKS and what it signed stops verifying')
    .option('--json', 'print the result as JSON')
    .action(async (kid: string, options: { json?: boolean }, command: Command) => {
      const { config } = configFromCommand(command);
      const runtime = await openRuntime({ config, logger: commandLogger(config) });
      try {
        const { revoked } = await runtime.registry.keys.revoke({ actor: operatorActor }, kid).catch((error: unknown) => {
          throw new CliError((error as Error).message);
        });
        if (options.json) return printJson({ revoked });
        process.stdout.write(
          `${revoked.kid} (${revoked.alg}) is revoked and no longer published` +
            (revoked.replacementKid ? `; ${revoked.replacementKid} signs ${revoked.alg} from now on\n` : '\n'),
        );
        process.stdout.write('Running servers drop it at once on PostgreSQL, and otherwise within keys.refreshIntervalSeconds.\n');
      } finally {
        await runtime.close();
      }
    });
}
