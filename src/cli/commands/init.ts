import type { Command } from 'commander';
import { paths } from '../../contracts/paths.js';
import { isDomainError } from '../../domain/errors.js';
import { issuerBase } from '../../protocol/endpoints.js';
import { openRuntime } from '../../runtime/runtime.js';
import { CliError, commandLogger, configFromCommand } from '../context.js';
import { printJson } from '../output.js';

/** The exit code of `latchkey init` on a server that already has an administrator: nothing to do, nothing done. */
export const alreadyInitializedExitCode = 3;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

interface InitOptions {
  adminEmail: string;
  name?: string;
  orgName?: string;
  passwordStdin?: boolean;
  json?: boolean;
}

/**
 * `latchkey init`: the first-run setup without a browser, for automation. It creates the first
 * server administrator and their organization, as the setup link would, and refuses (exit code 3)
 * when the server already has an administrator.
 */
export function registerInitCommand(program: Command): void {
  program
    .command('init')
    .description('create the first server administrator and organization (what the setup link does, without a browser)')
    .requiredOption('--admin-email <email>', "the administrator's email address")
    .requiredOption('--password-stdin', 'read the password from stdin (it stays out of `ps` and shell history)')
    .option('--name <name>', "the administrator's name (default: the part of the email before @)")
    .option('--org-name <name>', 'the first organization\'s name (default: "My organization")')
    .option('--json', 'print the result as JSON')
    .action(async (options: InitOptions, command: Command) => {
      const { config } = configFromCommand(command);
      if (process.stdin.isTTY) process.stderr.write('Password (then Enter and Ctrl-D): ');
      const password = (await readStdin()).replace(/\r?\n$/, '');
      if (password === '') throw new CliError('--password-stdin read an empty password from stdin');
      const runtime = await openRuntime({ config, logger: commandLogger(config) });
      try {
        const email = options.adminEmail;
        const input = {
          email,
          name: options.name ?? email.split('@')[0] ?? email,
          password,
          organization: options.orgName ?? 'My organization',
        };
        let outcome;
        try {
          outcome = await runtime.registry.firstRun.complete(null, input);
        } catch (error) {
          if (isDomainError(error)) {
            const fields = error.problems.map((problem) => `  ${problem.field}: ${problem.message}`).join('\n');
            throw new CliError(fields ? `the setup was refused:\n${fields}` : error.message);
          }
          throw error;
        }
        if (!outcome.ok) {
          process.stderr.write(
            'latchkey: this server already has an administrator; nothing was changed. Sign in to the console, or use `latchkey users create`.\n',
          );
          process.exitCode = alreadyInitializedExitCode;
          return;
        }
        const { user, organization } = outcome.result;
        if (options.json) {
          printJson({
            user: { id: user.id, email: user.email, name: user.name, isAdmin: true },
            organization: { id: organization.id, name: organization.name, displayName: organization.displayName },
          });
          return;
        }
        process.stdout.write(
          [
            `Created the administrator ${user.email} (${user.id})`,
            `and the organization ${organization.displayName} (${organization.name}, ${organization.id}), owned by them.`,
            `Sign in to the console: ${issuerBase(config.issuer)}${paths.console}/`,
            '',
          ].join('\n'),
        );
      } finally {
        await runtime.close();
      }
    });
}
