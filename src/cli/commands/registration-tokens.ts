import type { Command } from 'commander';
import { appTypes } from '../../contracts/app-types.js';
import { withManagement } from '../management-client.js';
import { formatTable, printJson } from '../output.js';
import { collect } from '../settings-input.js';
import { numberOrText, orgPath } from './orgs.js';

interface RegistrationTokenBody {
  id: string;
  name: string;
  policy: { appTypes: string[]; grantTypes: string[]; scopes: string[] | null; redirectUriHosts: string[] | null };
  maxUses: number;
  usesLeft: number;
  state: string;
  createdBy: string;
  createdAt: string;
  expiresAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  token?: string;
}

/** Repeated or comma-separated values. */
function listOf(values: readonly string[] | undefined): string[] | undefined {
  return values ? values.flatMap((value) => value.split(/[ ,]+/)).filter(Boolean) : undefined;
}

function policyLines(token: RegistrationTokenBody): string[] {
  return [
    `app types:   ${token.policy.appTypes.join(', ')}`,
    `grant types: ${token.policy.grantTypes.join(', ')}`,
    `scopes:      ${token.policy.scopes?.join(' ') ?? 'any the organization allows'}`,
    `redirects:   ${token.policy.redirectUriHosts?.join(', ') ?? 'any host the registry allows'}`,
  ];
}

export function registerRegistrationTokensCommand(program: Command): void {
  const tokens = program
    .command('registration-tokens')
    .description('initial access tokens with which apps register themselves (dynamic client registration, RFC 7591)');

  tokens
    .command('create')
    .description('issue an initial access token for an organization; it is printed once')
    .option('--org <org>', 'organization id or name', 'default')
    .requiredOption('--name <name>', 'what it is for, e.g. "partner onboarding"')
    .option('--max-uses <n>', 'how many apps it may register', '1')
    .option('--expires-in-days <n>', 'lifetime in days, 1 to 90', '7')
    .option('--app-type <type>', `app types it may register (repeat or comma-separate): ${appTypes.join(', ')}; default native, spa, web`, collect)
    .option('--grant-type <grant>', 'grant types registered apps may use (repeat); default authorization_code, refresh_token', collect)
    .option('--scope <scope>', 'scopes registered apps may ask for (repeat); default any the organization allows', collect)
    .option('--redirect-host <host>', 'hosts redirect URIs may name: app.example.com, *.example.com or com.example.app: (repeat); default any', collect)
    .option('--json', 'print the API response as JSON (with the token)')
    .action(
      async (
        options: {
          org: string;
          name: string;
          maxUses: string;
          expiresInDays: string;
          appType?: string[];
          grantType?: string[];
          scope?: string[];
          redirectHost?: string[];
          json?: boolean;
        },
        command: Command,
      ) => {
        await withManagement(command, async (client) => {
          const appTypeList = listOf(options.appType);
          const grantTypes = listOf(options.grantType);
          const scopes = listOf(options.scope);
          const hosts = listOf(options.redirectHost);
          const created = await client.call<RegistrationTokenBody>('POST', `${orgPath(options.org)}/registration-tokens`, {
            body: {
              name: options.name,
              maxUses: numberOrText(options.maxUses),
              expiresInDays: numberOrText(options.expiresInDays),
              ...(appTypeList ? { appTypes: appTypeList } : {}),
              ...(grantTypes ? { grantTypes } : {}),
              ...(scopes ? { scopes } : {}),
              ...(hosts ? { redirectUriHosts: hosts } : {}),
            },
          });
          if (options.json) return printJson(created);
          process.stdout.write(
            [
              `token:       ${created.token ?? ''}`,
              `id:          ${created.id}`,
              `name:        ${created.name}`,
              `uses:        ${created.maxUses}`,
              `expires:     ${created.expiresAt}`,
              ...policyLines(created),
              '',
              "Store the token now: it is shown once and can't be retrieved again. An app registers with it as",
              '`Authorization: Bearer <token>` at the registration endpoint (registration_endpoint in discovery).',
            ].join('\n') + '\n',
          );
        });
      },
    );

  tokens
    .command('list')
    .description("list an organization's initial access tokens (never the tokens themselves)")
    .option('--org <org>', 'organization id or name', 'default')
    .option('--json', 'print the API response as JSON')
    .action(async (options: { org: string; json?: boolean }, command: Command) => {
      await withManagement(command, async (client) => {
        const result = await client.call<{ items: RegistrationTokenBody[] }>('GET', `${orgPath(options.org)}/registration-tokens`);
        if (options.json) return printJson(result);
        if (result.items.length === 0) {
          process.stdout.write(`${options.org} has no initial access tokens. Issue one with \`latchkey registration-tokens create --name <name>\`.\n`);
          return;
        }
        process.stdout.write(
          `${formatTable(
            ['ID', 'NAME', 'STATE', 'USES LEFT', 'APP TYPES', 'EXPIRES'],
            result.items.map((token) => [
              token.id,
              token.name,
              token.state,
              `${token.usesLeft}/${token.maxUses}`,
              token.policy.appTypes.join(','),
              token.expiresAt,
            ]),
          )}\n`,
        );
      });
    });

  tokens
    .command('revoke <tokenId>')
    .description('revoke an initial access token: it registers no more apps (those it registered stay)')
    .option('--org <org>', 'organization id or name', 'default')
    .option('--json', 'print {"revoked": <tokenId>} as JSON')
    .action(async (tokenId: string, options: { org: string; json?: boolean }, command: Command) => {
      await withManagement(command, async (client) => {
        await client.call('DELETE', `${orgPath(options.org)}/registration-tokens/${encodeURIComponent(tokenId)}`);
        if (options.json) return printJson({ revoked: tokenId });
        process.stdout.write(`Revoked ${tokenId}.\n`);
      });
    });
}
