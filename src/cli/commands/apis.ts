import type { Command } from 'commander';
import { signingAlgorithms, tokenFormats } from '../../contracts/algorithms.js';
import { CliError } from '../context.js';
import { withManagement } from '../management-client.js';
import { formatTable, printJson } from '../output.js';
import { collect } from '../settings-input.js';
import { booleanOption, numberOrText, orgPath, pageFooter, type Page } from './orgs.js';

interface ApiBody {
  id: string;
  orgId: string;
  identifier: string;
  name: string;
  scopes: { name: string; description: string }[];
  allowOfflineAccess: boolean;
  tokenFormat: string;
  signingAlgorithm: string;
  accessTokenTtlMinutes: number;
  createdAt: string;
  updatedAt: string;
}

/**
 * `--scope` values. Scope names often hold colons themselves (`orders:read`) but never spaces, so
 * a value without a space is just a name, and otherwise the name ends at the last colon before the
 * first space: `orders:read:Read your orders` is orders:read, described as "Read your orders".
 */
export function parseScopeOption(value: string): { name: string; description: string } {
  const space = value.search(/\s/);
  if (space < 0) return { name: value, description: '' };
  const colon = value.lastIndexOf(':', space);
  if (colon <= 0) return { name: value, description: '' };
  return { name: value.slice(0, colon), description: value.slice(colon + 1).trim() };
}

function apiPath(api: string): string {
  return `/apis/${encodeURIComponent(api)}`;
}

function apiBody(options: ApiOptions, offlineAccess: boolean | undefined): Record<string, unknown> {
  const ttl = numberOrText(options.ttl);
  return {
    ...(options.identifier !== undefined ? { identifier: options.identifier } : {}),
    ...(options.name !== undefined ? { name: options.name } : {}),
    ...(options.scope ? { scopes: options.scope.map(parseScopeOption) } : {}),
    ...(offlineAccess !== undefined ? { allowOfflineAccess: offlineAccess } : {}),
    ...(options.tokenFormat !== undefined ? { tokenFormat: options.tokenFormat } : {}),
    ...(options.signingAlg !== undefined ? { signingAlgorithm: options.signingAlg } : {}),
    ...(ttl !== undefined ? { accessTokenTtlMinutes: ttl } : {}),
  };
}

interface ApiOptions {
  org?: string;
  identifier?: string;
  name?: string;
  scope?: string[];
  offlineAccess?: boolean | string;
  tokenFormat?: string;
  signingAlg?: string;
  ttl?: string;
  json?: boolean;
}

function printApi(api: ApiBody): void {
  const width = Math.max(0, ...api.scopes.map((scope) => scope.name.length));
  const lines = [
    `id:               ${api.id}`,
    `identifier:       ${api.identifier}  (the audience of its access tokens)`,
    `name:             ${api.name}`,
    `token format:     ${api.tokenFormat}${api.tokenFormat === 'jwt' ? `, signed with ${api.signingAlgorithm}` : ''}`,
    `token lifetime:   ${api.accessTokenTtlMinutes} minutes`,
    `offline access:   ${api.allowOfflineAccess ? 'allowed (refresh tokens)' : 'not allowed'}`,
    `scopes:           ${api.scopes.length === 0 ? '—' : ''}`,
    ...api.scopes.map((scope) => `  ${scope.name.padEnd(width)}  ${scope.description}`),
  ];
  process.stdout.write(`${lines.join('\n').replace(/ +$/gm, '')}\n`);
}

function addApiSettingFlags(command: Command): Command {
  return command
    .option('--scope <name[:description]>', 'a scope of the API (repeat); e.g. orders:read or "orders:read:Read your orders"', collect)
    .option('--token-format <format>', tokenFormats.join(' or '))
    .option('--signing-alg <alg>', `${signingAlgorithms.slice(0, -1).join(', ')} or ${signingAlgorithms.at(-1)} (JWT access tokens)`)
    .option('--ttl <minutes>', 'access token lifetime in minutes')
    .option('--json', 'print the API response as JSON');
}

export function registerApisCommand(program: Command): void {
  const apis = program.command('apis').description('APIs (resource servers): their identifiers, scopes and token settings');

  apis
    .command('list')
    .description('list the APIs of an organization')
    .option('--org <org>', 'organization id or name', 'default')
    .option('--search <text>', 'match names or identifiers containing the text')
    .option('--page <n>', 'page number', '1')
    .option('--per-page <n>', 'APIs per page (at most 100)', '20')
    .option('--json', 'print the API response as JSON')
    .action(async (options: { org: string; search?: string; page: string; perPage: string; json?: boolean }, command: Command) => {
      await withManagement(command, async (client) => {
        const page = await client.call<Page<ApiBody>>('GET', `${orgPath(options.org)}/apis`, {
          query: { q: options.search, page: options.page, perPage: options.perPage },
        });
        if (options.json) return printJson(page);
        if (page.items.length === 0) {
          process.stdout.write('No APIs yet. Register one with `latchkey apis create --identifier https://api.example.com --name "My API" --scope read`.\n');
          return;
        }
        process.stdout.write(
          `${formatTable(
            ['ID', 'IDENTIFIER', 'NAME', 'FORMAT', 'SCOPES'],
            page.items.map((api) => [api.id, api.identifier, api.name, api.tokenFormat, api.scopes.map((scope) => scope.name).join(' ') || '—']),
          )}\n${pageFooter(page)}`,
        );
      });
    });

  addApiSettingFlags(
    apis
      .command('create')
      .description('register an API; its identifier is the audience of its access tokens and never changes')
      .requiredOption('--identifier <uri>', 'absolute URI without fragment, e.g. https://api.example.com')
      .requiredOption('--name <name>', 'name shown in the console and on consent screens')
      .option('--org <org>', 'organization id or name', 'default')
      .option('--offline-access', 'allow refresh tokens for this API'),
  ).action(async (options: ApiOptions, command: Command) => {
    const body = apiBody(options, options.offlineAccess === true ? true : undefined);
    await withManagement(command, async (client) => {
      const api = await client.call<ApiBody>('POST', `${orgPath(options.org ?? 'default')}/apis`, { body });
      if (options.json) return printJson(api);
      printApi(api);
    });
  });

  apis
    .command('show <api>')
    .description('show an API by id or identifier')
    .option('--json', 'print the API response as JSON')
    .action(async (api: string, options: { json?: boolean }, command: Command) => {
      await withManagement(command, async (client) => {
        const found = await client.call<ApiBody>('GET', apiPath(api));
        if (options.json) return printJson(found);
        printApi(found);
      });
    });

  addApiSettingFlags(
    apis
      .command('update <api>')
      .description('change an API (by id or identifier); --scope replaces the whole scope list, and apps lose scopes it drops')
      .option('--name <name>', 'new name')
      .option('--no-scopes', 'remove every scope')
      .option('--offline-access <true|false>', 'whether refresh tokens are allowed'),
  ).action(async (api: string, options: ApiOptions & { scopes?: boolean }, command: Command) => {
    if (options.scopes === false && options.scope) throw new CliError('pass either --scope or --no-scopes, not both');
    const offlineAccess = booleanOption(typeof options.offlineAccess === 'string' ? options.offlineAccess : undefined, '--offline-access');
    const body = { ...apiBody(options, offlineAccess), ...(options.scopes === false ? { scopes: [] } : {}) };
    if (Object.keys(body).length === 0) {
      throw new CliError('nothing to change: pass --name, --scope, --no-scopes, --offline-access, --token-format, --signing-alg or --ttl');
    }
    await withManagement(command, async (client) => {
      const updated = await client.call<ApiBody>('PATCH', apiPath(api), { body });
      if (options.json) return printJson(updated);
      printApi(updated);
    });
  });

  apis
    .command('delete <api>')
    .description('delete an API (by id or identifier); apps lose its audience and scopes')
    .option('--yes', 'confirm: deleting an API cannot be undone')
    .option('--json', 'print {"deleted": <api>} as JSON')
    .action(async (api: string, options: { yes?: boolean; json?: boolean }, command: Command) => {
      if (!options.yes) throw new CliError(`deleting API ${api} cannot be undone and removes it from every app; run again with --yes to confirm`);
      await withManagement(command, async (client) => {
        await client.call('DELETE', apiPath(api));
        if (options.json) return printJson({ deleted: api });
        process.stdout.write(`Deleted API ${api}.\n`);
      });
    });
}
