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
  lockedUntil: string | null;
  hasPassword: boolean;
  secondFactors: { enabled: boolean; methods: string[]; totp: number; recoveryCodesLeft: number };
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

interface SessionBody {
  sid: string;
  authTime: string;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  ip: string | null;
  userAgent: string | null;
}

function lockedNow(user: UserBody): boolean {
  return user.lockedUntil !== null && Date.parse(user.lockedUntil) > Date.now();
}

function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** "on (1 authenticator app, 10 recovery codes left)" or "off". */
function twoStepLine(factors: UserBody['secondFactors']): string {
  if (!factors.enabled) return 'off';
  const parts = [
    ...(factors.totp > 0 ? [plural(factors.totp, 'authenticator app', 'authenticator apps')] : []),
    ...(factors.methods.includes('passkey') ? ['passkeys'] : []),
    plural(factors.recoveryCodesLeft, 'recovery code left', 'recovery codes left'),
  ];
  return `on (${parts.join(', ')}; \`latchkey users reset-second-factors\` removes them)`;
}

function printUser(user: UserBody): void {
  process.stdout.write(
    [
      `id:       ${user.id}`,
      `email:    ${user.email}${user.emailVerified ? ' (verified)' : ' (not verified)'}`,
      `name:     ${user.name}`,
      `admin:    ${user.isAdmin ? 'yes (server administrator)' : 'no'}`,
      `status:   ${user.disabled ? `disabled since ${user.disabledAt ?? '?'}` : 'enabled'}`,
      ...(lockedNow(user) ? [`locked:   until ${user.lockedUntil} (too many failed sign-ins; \`latchkey users unlock\` lifts it)`] : []),
      `password: ${user.hasPassword ? 'set' : 'not set'}`,
      `two-step: ${twoStepLine(user.secondFactors)}`,
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
            ['ID', 'EMAIL', 'NAME', 'ADMIN', 'VERIFIED', 'TWO-STEP'],
            page.items.map((user) => [
              user.id,
              user.email,
              user.name,
              user.isAdmin ? 'yes' : 'no',
              user.emailVerified ? 'yes' : 'no',
              user.secondFactors.enabled ? 'on' : 'off',
            ]),
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
    .option('--no-password', 'set no password: the user is mailed a link (valid 72 hours) to set one (the default without a password)')
    .option('--admin', 'make the user a server administrator')
    .option('--verified', 'mark the email address as verified')
    .option('--json', 'print the API response as JSON')
    .action(
      async (
        options: { email: string; name?: string; password?: string | false; passwordStdin?: boolean; admin?: boolean; verified?: boolean; json?: boolean },
        command: Command,
      ) => {
        if (options.password === false && options.passwordStdin) throw new CliError('pass either --no-password or --password-stdin, not both');
        const password = options.password === false ? undefined : await passwordFrom(options as { password?: string; passwordStdin?: boolean });
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
          if (!user.hasPassword) process.stdout.write(`Mailed ${user.email} a link to set a password; it is valid for 72 hours.\n`);
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

  const actions: { name: string; path: string; description: string; done: (user: UserBody) => string }[] = [
    {
      name: 'disable',
      path: 'disable',
      description: 'disable a user: no sign-in, their sessions end, and their tokens stop working',
      done: (user) => `Disabled ${user.email}; their sessions ended and their tokens no longer work.`,
    },
    { name: 'enable', path: 'enable', description: 'enable a disabled user again', done: (user) => `Enabled ${user.email}.` },
    { name: 'verify', path: 'verify', description: "mark a user's email address as verified", done: (user) => `Marked ${user.email} as verified.` },
    {
      name: 'unlock',
      path: 'unlock',
      description: 'lift a lockout after too many failed sign-ins',
      done: (user) => `Unlocked ${user.email}; they can sign in again.`,
    },
  ];
  for (const action of actions) {
    users
      .command(`${action.name} <user>`)
      .description(`${action.description} (by id or email)`)
      .option('--json', 'print the API response as JSON')
      .action(async (user: string, options: { json?: boolean }, command: Command) => {
        await withManagement(command, async (client) => {
          const changed = await client.call<UserBody>('POST', `${userPath(user)}/${action.path}`);
          if (options.json) return printJson(changed);
          process.stdout.write(`${action.done(changed)}\n`);
        });
      });
  }

  users
    .command('reset-password <user>')
    .description('mail a user a link (valid 30 minutes) to set a new password')
    .option('--json', 'print {"mailed": <user>} as JSON')
    .action(async (user: string, options: { json?: boolean }, command: Command) => {
      await withManagement(command, async (client) => {
        await client.call('POST', `${userPath(user)}/password-reset`);
        if (options.json) return printJson({ mailed: user });
        process.stdout.write(`Mailed ${user} a link to set a new password; it is valid for 30 minutes.\n`);
      });
    });

  users
    .command('reset-second-factors <user>')
    .description(
      "remove every second factor of a user (by id or email) who lost theirs; they are mailed, and set one up again at their next sign-in where it's required",
    )
    .option('--json', 'print {"removed": <count>, "user": <user>} as JSON')
    .action(async (user: string, options: { json?: boolean }, command: Command) => {
      await withManagement(command, async (client) => {
        const result = await client.call<{ removed: number; user: UserBody }>('POST', `${userPath(user)}/second-factors/reset`);
        if (options.json) return printJson(result);
        process.stdout.write(
          result.removed === 0
            ? `${result.user.email} had no second factor; nothing was removed.\n`
            : `Removed ${plural(result.removed, 'second factor', 'second factors')} and the recovery codes of ${result.user.email}; they were mailed.\n`,
        );
      });
    });

  users
    .command('sessions <user>')
    .description("list a user's sign-in sessions, most recently used first")
    .option('--json', 'print the API response as JSON')
    .action(async (user: string, options: { json?: boolean }, command: Command) => {
      await withManagement(command, async (client) => {
        const sessions = await client.call<{ items: SessionBody[] }>('GET', `${userPath(user)}/sessions`);
        if (options.json) return printJson(sessions);
        if (sessions.items.length === 0) {
          process.stdout.write(`${user} has no sign-in sessions.\n`);
          return;
        }
        process.stdout.write(
          `${formatTable(
            ['SID', 'SIGNED IN', 'LAST SEEN', 'ENDS', 'IP', 'BROWSER'],
            sessions.items.map((session) => [session.sid, session.authTime, session.lastSeenAt, session.expiresAt, session.ip ?? '', session.userAgent ?? '']),
          )}\n`,
        );
      });
    });

  users
    .command('end-sessions <user>')
    .description("end a user's sign-in sessions (all, or one with --session); issued tokens live on: disable the user to stop those")
    .option('--session <sid>', 'end only this session (its SID from `latchkey users sessions`)')
    .option('--json', 'print {"ended": <user>, "session": <sid or null>} as JSON')
    .action(async (user: string, options: { session?: string; json?: boolean }, command: Command) => {
      await withManagement(command, async (client) => {
        const path = `${userPath(user)}/sessions${options.session !== undefined ? `/${encodeURIComponent(options.session)}` : ''}`;
        await client.call('DELETE', path);
        if (options.json) return printJson({ ended: user, session: options.session ?? null });
        process.stdout.write(options.session !== undefined ? `Ended session ${options.session} of ${user}.\n` : `Ended every session of ${user}.\n`);
      });
    });
}
