import type { Command } from 'commander';
import { defaultPersonalTokenLifetimeDays, maxPersonalTokenLifetimeDays } from '../../contracts/limits.js';
import { allManagementScopes } from '../../contracts/scopes.js';
import { CliError } from '../context.js';
import { withManagement, type ManagementClient } from '../management-client.js';
import { formatTable, printJson } from '../output.js';
import { collect } from '../settings-input.js';
import { numberOrText } from './orgs.js';

interface TokenBody {
  id: string;
  userId: string;
  name: string;
  scopes: string[];
  createdAt: string;
  expiresAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  token?: string;
}

/** Repeated or comma-separated `--scope` values; `all` stands for every management scope. */
export function expandScopes(values: readonly string[]): string[] {
  const scopes = values.flatMap((value) => value.split(/[ ,]+/)).filter(Boolean);
  return [...new Set(scopes.flatMap((scope) => (scope === 'all' ? allManagementScopes : [scope])))];
}

/** The user's path segment; `me` (the token's own user, remote only) becomes an id. */
async function userSegment(client: ManagementClient, user: string): Promise<string> {
  if (user !== 'me') return encodeURIComponent(user);
  const me = await client.call<{ user: { id: string } | null }>('GET', '/me');
  if (!me.user) throw new CliError('--user me needs --url and --token of a user; the operator has no "me": name the user by email or id');
  return encodeURIComponent(me.user.id);
}

function scopesText(scopes: readonly string[]): string {
  return allManagementScopes.every((scope) => scopes.includes(scope)) ? 'all' : scopes.join(' ');
}

function state(token: TokenBody, now: number): string {
  if (token.revokedAt) return 'revoked';
  return Date.parse(token.expiresAt) <= now ? 'expired' : 'active';
}

export function registerTokensCommand(program: Command): void {
  const tokens = program.command('tokens').description('personal access tokens for the management API (--url/--token and automation)');

  tokens
    .command('create')
    .description('make a personal access token for a user; it is printed once')
    .requiredOption('--user <user>', 'the user it acts as (email or id; `me` with --token)')
    .requiredOption('--name <name>', 'what it is for, e.g. "laptop" or "CI"')
    .requiredOption('--scope <scope>', `scope (repeat, or comma-separated), or all: ${allManagementScopes.join(', ')}`, collect)
    .option('--expires-in-days <n>', `lifetime in days, 1 to ${maxPersonalTokenLifetimeDays}`, String(defaultPersonalTokenLifetimeDays))
    .option('--json', 'print the API response as JSON (with the token)')
    .action(async (options: { user: string; name: string; scope: string[]; expiresInDays: string; json?: boolean }, command: Command) => {
      await withManagement(command, async (client) => {
        const created = await client.call<TokenBody>('POST', `/users/${await userSegment(client, options.user)}/tokens`, {
          body: { name: options.name, scopes: expandScopes(options.scope), expiresInDays: numberOrText(options.expiresInDays) },
        });
        if (options.json) return printJson(created);
        process.stdout.write(
          [
            `token:   ${created.token ?? ''}`,
            `id:      ${created.id}`,
            `name:    ${created.name}`,
            `scopes:  ${created.scopes.join(' ')}`,
            `expires: ${created.expiresAt}`,
            '',
            "Store the token now: it is shown once and can't be retrieved again. Use it as",
            '`latchkey --url <server> --token <token> ...` (or LATCHKEY_URL and LATCHKEY_TOKEN), or as `Authorization: Bearer <token>`.',
          ].join('\n') + '\n',
        );
      });
    });

  tokens
    .command('list')
    .description("list a user's tokens (never the tokens themselves)")
    .requiredOption('--user <user>', 'the user (email or id; `me` with --token)')
    .option('--json', 'print the API response as JSON')
    .action(async (options: { user: string; json?: boolean }, command: Command) => {
      await withManagement(command, async (client) => {
        const result = await client.call<{ items: TokenBody[] }>('GET', `/users/${await userSegment(client, options.user)}/tokens`);
        if (options.json) return printJson(result);
        if (result.items.length === 0) {
          process.stdout.write(`${options.user} has no personal access tokens.\n`);
          return;
        }
        const now = Date.now();
        process.stdout.write(
          `${formatTable(
            ['ID', 'NAME', 'SCOPES', 'STATE', 'EXPIRES', 'LAST USED'],
            result.items.map((token) => [token.id, token.name, scopesText(token.scopes), state(token, now), token.expiresAt, token.lastUsedAt ?? '—']),
          )}\n`,
        );
      });
    });

  tokens
    .command('revoke <tokenId>')
    .description('revoke a token: it stops working at once')
    .requiredOption('--user <user>', 'the user it belongs to (email or id; `me` with --token)')
    .option('--json', 'print {"revoked": <tokenId>} as JSON')
    .action(async (tokenId: string, options: { user: string; json?: boolean }, command: Command) => {
      await withManagement(command, async (client) => {
        await client.call('DELETE', `/users/${await userSegment(client, options.user)}/tokens/${encodeURIComponent(tokenId)}`);
        if (options.json) return printJson({ revoked: tokenId });
        process.stdout.write(`Revoked ${tokenId}.\n`);
      });
    });
}
