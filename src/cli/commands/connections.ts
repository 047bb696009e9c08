import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { ConnectionView } from '../../contracts/views.js';
import { CliError } from '../context.js';
import { withManagement } from '../management-client.js';
import { formatTable, printJson } from '../output.js';
import { collect } from '../settings-input.js';
import { booleanOption, orgPath, pageFooter, type Page } from './orgs.js';

interface ConnectionOptions {
  org?: string;
  name?: string;
  displayName?: string;
  issuerUrl?: string;
  clientId?: string;
  clientSecret?: string;
  clientSecretFile?: string;
  scope?: string[];
  map?: string[];
  domain?: string[];
  noDomains?: boolean;
  trustUpstreamMfa?: string | boolean;
  enabled?: string;
  json?: boolean;
}

function connectionPath(connection: string): string {
  return `/connections/${encodeURIComponent(connection)}`;
}

/** The server's connections, or an organization's with --org. */
function listPath(org: string | undefined): string {
  return org ? `${orgPath(org)}/connections` : '/connections';
}

/** `--map email=mail`: the profile field, then the upstream claim that fills it. */
function claimMapping(values: string[] | undefined): Record<string, string> | undefined {
  if (!values) return undefined;
  return Object.fromEntries(
    values.map((value) => {
      const eq = value.indexOf('=');
      if (eq <= 0) throw new CliError(`--map takes field=claim (e.g. email=mail), got ${value}`);
      return [value.slice(0, eq), value.slice(eq + 1)];
    }),
  );
}

function secretOf(options: ConnectionOptions): string | undefined {
  if (options.clientSecret !== undefined && options.clientSecretFile !== undefined)
    throw new CliError('pass either --client-secret or --client-secret-file, not both');
  if (options.clientSecretFile !== undefined) return readFileSync(options.clientSecretFile, 'utf8').trim();
  return options.clientSecret;
}

function connectionBody(options: ConnectionOptions, trustUpstreamMfa: boolean | undefined): Record<string, unknown> {
  const secret = secretOf(options);
  const mapping = claimMapping(options.map);
  return {
    ...(options.name !== undefined ? { name: options.name } : {}),
    ...(options.displayName !== undefined ? { displayName: options.displayName } : {}),
    ...(options.issuerUrl !== undefined ? { issuer: options.issuerUrl } : {}),
    ...(options.clientId !== undefined ? { clientId: options.clientId } : {}),
    ...(secret !== undefined ? { clientSecret: secret } : {}),
    ...(options.scope ? { scopes: options.scope.flatMap((scope) => scope.split(/[\s,]+/).filter(Boolean)) } : {}),
    ...(mapping ? { claimMapping: mapping } : {}),
    ...(options.domain ? { domains: options.domain } : {}),
    ...(trustUpstreamMfa !== undefined ? { trustUpstreamMfa } : {}),
    ...(options.enabled !== undefined ? { enabled: booleanOption(options.enabled, '--enabled') } : {}),
  };
}

function printConnection(connection: ConnectionView): void {
  const mapping = Object.entries(connection.claimMapping);
  const lines = [
    `id:                 ${connection.id}`,
    `name:               ${connection.name}${connection.orgId ? `  (organization ${connection.orgId})` : '  (the server)'}`,
    `display name:       ${connection.displayName}`,
    `issuer:             ${connection.issuer}`,
    `client id:          ${connection.clientId}`,
    `client secret:      ${connection.clientSecretSet ? 'set (write-only)' : 'not set'}`,
    `scopes:             ${connection.scopes.join(' ')}`,
    `claim mapping:      ${mapping.length === 0 ? 'standard claims' : mapping.map(([field, claim]) => `${field}=${claim}`).join(', ')}`,
    `email domains:      ${connection.domains.join(', ') || '—'}`,
    `trust upstream MFA: ${connection.trustUpstreamMfa ? 'yes' : 'no'}`,
    `enabled:            ${connection.enabled ? 'yes' : 'no'}`,
    `callback URL:       ${connection.callbackUrl}  (register it at the upstream)`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

function addSettingFlags(command: Command): Command {
  return command
    .option('--display-name <text>', 'the button label: "Continue with <text>"')
    .option('--issuer-url <url>', 'the upstream issuer (https; http only on 127.0.0.1, ::1 or localhost)')
    .option('--client-id <id>', 'the client id Latchkey has at the upstream')
    .option('--client-secret <secret>', 'its client secret (write-only; prefer --client-secret-file)')
    .option('--client-secret-file <path>', 'read the client secret from a file')
    .option('--scope <scopes>', 'scopes to ask the upstream for (repeat or space-separated; default openid email profile)', collect)
    .option('--map <field=claim>', 'fill a profile field (email, given_name, family_name, name, picture, locale) from another claim (repeat)', collect)
    .option('--domain <domain>', 'an email domain this connection serves: home realm discovery (repeat)', collect)
    .option('--enabled <true|false>', 'offer the connection on the sign-in page')
    .option('--json', 'print the API response as JSON');
}

export function registerConnectionsCommand(program: Command): void {
  const connections = program
    .command('connections')
    .description('sign-in connections to upstream OpenID providers (Keycloak, Entra ID, Google, another Latchkey)');

  connections
    .command('list')
    .description("list the server's connections, or an organization's with --org")
    .option('--org <org>', 'organization id or name')
    .option('--json', 'print the API response as JSON')
    .action(async (options: { org?: string; json?: boolean }, command: Command) => {
      await withManagement(command, async (client) => {
        const page = await client.call<Page<ConnectionView>>('GET', listPath(options.org), { query: { perPage: '100' } });
        if (options.json) return printJson(page);
        if (page.items.length === 0) {
          process.stdout.write(
            'No connections yet. Add one with `latchkey connections create --name corp --display-name "Corp SSO" --issuer-url https://idp.example.com --client-id latchkey --client-secret-file secret.txt`.\n',
          );
          return;
        }
        process.stdout.write(
          `${formatTable(
            ['ID', 'NAME', 'DISPLAY NAME', 'ISSUER', 'DOMAINS', 'ENABLED'],
            page.items.map((item) => [item.id, item.name, item.displayName, item.issuer, item.domains.join(' ') || '—', item.enabled ? 'yes' : 'no']),
          )}\n${pageFooter(page)}`,
        );
      });
    });

  addSettingFlags(
    connections
      .command('create')
      .description('add a connection for the server, or for an organization with --org')
      .requiredOption('--name <slug>', 'a slug, unique among the connections of the server or organization')
      .option('--org <org>', 'organization id or name (default: the server)')
      .option('--trust-upstream-mfa', "count the upstream's second factor (amr mfa) as one here"),
  ).action(async (options: ConnectionOptions, command: Command) => {
    const body = connectionBody(options, options.trustUpstreamMfa === true ? true : undefined);
    await withManagement(command, async (client) => {
      const created = await client.call<ConnectionView>('POST', listPath(options.org), { body });
      if (options.json) return printJson(created);
      printConnection(created);
    });
  });

  connections
    .command('show <connection>')
    .description('show a connection by id')
    .option('--json', 'print the API response as JSON')
    .action(async (connection: string, options: { json?: boolean }, command: Command) => {
      await withManagement(command, async (client) => {
        const found = await client.call<ConnectionView>('GET', connectionPath(connection));
        if (options.json) return printJson(found);
        printConnection(found);
      });
    });

  addSettingFlags(
    connections
      .command('update <connection>')
      .description('change a connection (by id); --domain and --scope replace their lists, --client-secret replaces the secret')
      .option('--name <slug>', 'new name')
      .option('--trust-upstream-mfa <true|false>', "whether the upstream's second factor counts here"),
  ).action(async (connection: string, options: ConnectionOptions, command: Command) => {
    const trust = booleanOption(typeof options.trustUpstreamMfa === 'string' ? options.trustUpstreamMfa : undefined, '--trust-upstream-mfa');
    const body = connectionBody(options, trust);
    if (Object.keys(body).length === 0) throw new CliError('nothing to change: pass a setting such as --display-name, --domain or --enabled');
    await withManagement(command, async (client) => {
      const updated = await client.call<ConnectionView>('PATCH', connectionPath(connection), { body });
      if (options.json) return printJson(updated);
      printConnection(updated);
    });
  });

  connections
    .command('delete <connection>')
    .description('delete a connection (by id) and the identities linked through it')
    .option('--yes', 'confirm: users who signed in only through it lose that way in')
    .option('--json', 'print {"deleted": <connection>} as JSON')
    .action(async (connection: string, options: { yes?: boolean; json?: boolean }, command: Command) => {
      if (!options.yes) throw new CliError(`deleting connection ${connection} unlinks every identity linked through it; run again with --yes to confirm`);
      await withManagement(command, async (client) => {
        await client.call('DELETE', connectionPath(connection));
        if (options.json) return printJson({ deleted: connection });
        process.stdout.write(`Deleted connection ${connection}.\n`);
      });
    });
}
