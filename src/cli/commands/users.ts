import type { Command } from 'commander';
import { CliError } from '../context.js';
import { withManagement } from '../management-client.js';
import { formatTable, printJson } from '../output.js';
import { booleanOption, pageFooter, type Page } from './orgs.js';

interface UserBody {
  id: string;
  email: string;
  name: string;
  emailVerified: boolean;
  isAdmin: boolean;
  disabled: boolean;
  disabledAt: string | null;
  hasPassword: boolean;
  createdAt: string;
  updatedAt: string;
}

function userPath(user: string): string {
  return `/users/${encodeURIComponent(user)}`;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** The password from `--password` or, so that it stays out of `ps` and shell history, from stdin. */
async function passwordFrom(options: { password?: string; passwordStdin?: boolean }): Promise<string | undefined> {
  if (options.password !== undefined && options.passwordStdin) throw new CliError('pass either --password or --password-stdin, not both');
  if (!options.passwordStdin) return options.password;
  if (process.stdin.isTTY) process.stderr.write('Password (then Enter and Ctrl-D): ');
  const password = (await readStdin()).replace(/\r?\n$/, '');
  if (password === '') throw new CliError('--password-stdin read an empty password from stdin');
  return password;
}

function printUser(user: UserBody): void {
  process.stdout.write(
    [
      `id:       ${user.id}`,
      `email:    ${user.email}${user.emailVerified ? ' (verified)' : ' (not verified)'}`,
      `name:     ${user.name}`,
      `admin:    ${user.isAdmin ? 'yes (server administrator)' : 'no'}`,
      `status:   ${user.disabled ? `disabled since ${user.disabledAt ?? '?'}` : 'enabled'}`,
      `password: ${user.hasPassword ? 'set' : 'not set'}`,
      `created:  ${user.createdAt}`,
    ].join('\n') + '\n',
  );
}

export function registerUsersCommand(program: Command): void {
  const users = program.command('users').description('users of this server (operator and server administrators)');

  users
    .command('list')
    .description('list users')
    .option('--search <text>', 'match emails or names containing the text')
    .option('--page <n>', 'page number', '1')
    .option('--per-page <n>', 'users per page (at most 100)', '20')
    .option('--json', 'print the API response as JSON')
    .action(async (options: { search?: string; page: string; perPage: string; json?: boolean }, command: Command) => {
      await withManagement(command, async (client) => {
        const page = await client.call<Page<UserBody>>('GET', '/users', { query: { q: options.search, page: options.page, perPage: options.perPage } });
        if (options.json) return printJson(page);
        if (page.items.length === 0) {
          process.stdout.write('No users found. Create one with `latchkey users create --email alice@example.com --password-stdin`.\n');
          return;
        }
        process.stdout.write(
          `${formatTable(
            ['ID', 'EMAIL', 'NAME', 'ADMIN', 'VERIFIED'],
            page.items.map((user) => [user.id, user.email, user.name, user.isAdmin ? 'yes' : 'no', user.emailVerified ? 'yes' : 'no']),
          )}\n${pageFooter(page)}`,
        );
      });
    });

  users
    .command('create')
    .description('create a user; the password is stored as an argon2id hash')
    .requiredOption('--email <email>', 'email address (unique)')
    .option('--name <name>', 'display name (default: the part of the email before @)')
    .option('--password <password>', 'password, at least 8 characters (visible in `ps`; prefer --password-stdin)')
    .option('--password-stdin', 'read the password from stdin')
    .option('--admin', 'make the user a server administrator')
    .option('--verified', 'mark the email address as verified')
    .option('--json', 'print the API response as JSON')
    .action(
      async (
        options: { email: string; name?: string; password?: string; passwordStdin?: boolean; admin?: boolean; verified?: boolean; json?: boolean },
        command: Command,
      ) => {
        const password = await passwordFrom(options);
        await withManagement(command, async (client) => {
          const user = await client.call<UserBody>('POST', '/users', {
            body: {
              email: options.email,
              ...(options.name !== undefined ? { name: options.name } : {}),
              ...(password !== undefined ? { password } : {}),
              ...(options.admin ? { isAdmin: true } : {}),
              ...(options.verified ? { emailVerified: true } : {}),
            },
          });
          if (options.json) return printJson(user);
          printUser(user);
        });
      },
    );

  users
    .command('show <user>')
    .description('show a user by id or email')
    .option('--json', 'print the API response as JSON')
    .action(async (user: string, options: { json?: boolean }, command: Command) => {
      await withManagement(command, async (client) => {
        const found = await client.call<UserBody>('GET', userPath(user));
        if (options.json) return printJson(found);
        printUser(found);
      });
    });

  users
    .command('update <user>')
    .description('change a user (by id or email)')
    .option('--name <name>', 'display name')
    .option('--password <password>', 'new password (visible in `ps`; prefer --password-stdin)')
    .option('--password-stdin', 'read the new password from stdin')
    .option('--admin <true|false>', 'whether the user is a server administrator')
    .option('--verified <true|false>', 'whether the email address is verified')
    .option('--disabled <true|false>', 'whether the user is disabled: no sign-in, and nothing issued to them works')
    .option('--json', 'print the API response as JSON')
    .action(
      async (
        user: string,
        options: { name?: string; password?: string; passwordStdin?: boolean; admin?: string; verified?: string; disabled?: string; json?: boolean },
        command: Command,
      ) => {
        const isAdmin = booleanOption(options.admin, '--admin');
        const emailVerified = booleanOption(options.verified, '--verified');
        const disabled = booleanOption(options.disabled, '--disabled');
        const password = await passwordFrom(options);
        const body = {
          ...(options.name !== undefined ? { name: options.name } : {}),
          ...(password !== undefined ? { password } : {}),
          ...(isAdmin !== undefined ? { isAdmin } : {}),
          ...(emailVerified !== undefined ? { emailVerified } : {}),
          ...(disabled !== undefined ? { disabled } : {}),
        };
        if (Object.keys(body).length === 0)
          throw new CliError('nothing to change: pass --name, --password, --password-stdin, --admin, --verified or --disabled');
        await withManagement(command, async (client) => {
          const updated = await client.call<UserBody>('PATCH', userPath(user), { body });
          if (options.json) return printJson(updated);
          printUser(updated);
        });
      },
    );

  users
    .command('delete <user>')
    .description('delete a user (by id or email) with their memberships, tokens and credentials')
    .option('--yes', 'confirm: deleting a user cannot be undone')
    .option('--json', 'print {"deleted": <user>} as JSON')
    .action(async (user: string, options: { yes?: boolean; json?: boolean }, command: Command) => {
      if (!options.yes) throw new CliError(`deleting user ${user} cannot be undone; run again with --yes to confirm`);
      await withManagement(command, async (client) => {
        await client.call('DELETE', userPath(user));
        if (options.json) return printJson({ deleted: user });
        process.stdout.write(`Deleted user ${user}.\n`);
      });
    });
}
