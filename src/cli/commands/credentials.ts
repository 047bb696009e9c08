import type { Command } from 'commander';
import { CliError } from '../context.js';
import { withManagement } from '../management-client.js';
import { formatTable, printJson } from '../output.js';
import { collect } from '../settings-input.js';
import { listMembers, resolveMemberId } from './members.js';
import { numberOrText, orgPath, pageFooter, type Page } from './orgs.js';

interface CredentialBody {
  clientId: string;
  orgId: string;
  ownerUserId: string | null;
  name: string;
  description: string;
  status: string;
  apiGrants: { audience: string; scopes: string[] }[];
  createdAt: string;
  clientSecret?: string | null;
  [key: string]: unknown;
}

/**
 * `--grant https://api.example.com=orders:read,orders:write`. The audience is a URI and may hold
 * `=` in its query, scope names hardly ever do, so the split is at the last `=`.
 */
export function parseGrantOption(value: string): { audience: string; scopes: string[] } {
  const eq = value.lastIndexOf('=');
  if (eq <= 0) throw new CliError(`--grant expects <audience>=<scope1>,<scope2>, got ${value}`);
  return {
    audience: value.slice(0, eq),
    scopes: value
      .slice(eq + 1)
      .split(/[ ,]+/)
      .filter(Boolean),
  };
}

function credentialPath(clientId: string): string {
  return `/credentials/${encodeURIComponent(clientId)}`;
}

function grantsText(grants: CredentialBody['apiGrants']): string {
  return grants.map((grant) => `${grant.audience}=${grant.scopes.join(',')}`).join(' ');
}

function printCredential(credential: CredentialBody, owner?: string): void {
  const width = Math.max(0, ...credential.apiGrants.map((grant) => grant.audience.length));
  const lines = [
    `client_id:   ${credential.clientId}`,
    `name:        ${credential.name}`,
    ...(credential.description ? [`description: ${credential.description}`] : []),
    `owner:       ${owner ?? credential.ownerUserId ?? '—'}`,
    `status:      ${credential.status}`,
    'grants:',
    ...credential.apiGrants.map((grant) => `  ${grant.audience.padEnd(width)}  ${grant.scopes.join(' ')}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

function printSecret(secret: string | null | undefined): void {
  if (!secret) return;
  process.stdout.write(`client_secret: ${secret}\n\nStore the client secret now: it is shown once and can't be retrieved again.\n`);
}

export function registerCredentialsCommand(program: Command): void {
  const credentials = program
    .command('credentials')
    .description("per-user OAuth 2.0 client credentials: audience + scope pairs for machine access on a user's behalf");

  credentials
    .command('list')
    .description('list client credentials of an organization, with their owner')
    .option('--org <org>', 'organization id or name', 'default')
    .option('--user <user>', 'only those of this member (user id or email)')
    .option('--page <n>', 'page number', '1')
    .option('--per-page <n>', 'credentials per page (at most 100)', '20')
    .option('--json', 'print the API response as JSON')
    .action(async (options: { org: string; user?: string; page: string; perPage: string; json?: boolean }, command: Command) => {
      await withManagement(command, async (client) => {
        const userId = options.user ? await resolveMemberId(client, options.org, options.user, '--user') : undefined;
        const page = await client.call<Page<CredentialBody>>('GET', `${orgPath(options.org)}/credentials`, {
          query: { userId, page: options.page, perPage: options.perPage },
        });
        if (options.json) return printJson(page);
        if (page.items.length === 0) {
          process.stdout.write(
            'No client credentials yet. Make some with `latchkey credentials create --name ci --user alice@example.com --grant https://api.example.com=read`.\n',
          );
          return;
        }
        const emails = new Map((await listMembers(client, options.org)).map((member) => [member.userId, member.email]));
        process.stdout.write(
          `${formatTable(
            ['CLIENT_ID', 'NAME', 'OWNER', 'STATUS', 'GRANTS'],
            page.items.map((item) => [
              item.clientId,
              item.name,
              (item.ownerUserId && emails.get(item.ownerUserId)) ?? item.ownerUserId ?? '—',
              item.status,
              grantsText(item.apiGrants),
            ]),
          )}\n${pageFooter(page)}`,
        );
      });
    });

  credentials
    .command('create')
    .description('make client credentials for a member; the secret is printed once')
    .requiredOption('--name <name>', 'what they are for, e.g. "nightly export"')
    .option('--description <text>', 'description')
    .option('--user <user>', 'the member they belong to (user id or email); with --token, default yourself')
    .option('--grant <audience=scopes>', 'an API identifier and comma-separated scopes of it (repeat for several APIs)', collect)
    .option('--org <org>', 'organization id or name', 'default')
    .option('--json', 'print the API response as JSON (with the secret)')
    .action(async (options: { name: string; description?: string; user?: string; grant?: string[]; org: string; json?: boolean }, command: Command) => {
      const apiGrants = (options.grant ?? []).map(parseGrantOption);
      if (apiGrants.length === 0) throw new CliError('name at least one --grant <audience>=<scope1>,<scope2>');
      await withManagement(command, async (client) => {
        const userId = options.user ? await resolveMemberId(client, options.org, options.user, '--user') : undefined;
        const created = await client.call<CredentialBody>('POST', `${orgPath(options.org)}/credentials`, {
          body: {
            name: options.name,
            ...(options.description !== undefined ? { description: options.description } : {}),
            ...(userId ? { userId } : {}),
            apiGrants,
          },
        });
        if (options.json) return printJson(created);
        printCredential(created, options.user);
        printSecret(created.clientSecret);
      });
    });

  credentials
    .command('show <clientId>')
    .description('show client credentials (never the secret)')
    .option('--json', 'print the API response as JSON')
    .action(async (clientId: string, options: { json?: boolean }, command: Command) => {
      await withManagement(command, async (client) => {
        const found = await client.call<CredentialBody>('GET', credentialPath(clientId));
        if (options.json) return printJson(found);
        printCredential(found);
      });
    });

  credentials
    .command('delete <clientId>')
    .description('delete client credentials with their secrets')
    .option('--yes', 'confirm: deleting credentials cannot be undone')
    .option('--json', 'print {"deleted": <clientId>} as JSON')
    .action(async (clientId: string, options: { yes?: boolean; json?: boolean }, command: Command) => {
      if (!options.yes) throw new CliError(`deleting ${clientId} cannot be undone; run again with --yes to confirm`);
      await withManagement(command, async (client) => {
        await client.call('DELETE', credentialPath(clientId));
        if (options.json) return printJson({ deleted: clientId });
        process.stdout.write(`Deleted ${clientId}.\n`);
      });
    });

  credentials
    .command('rotate-secret <clientId>')
    .description('generate a new secret (printed once); the old one stops working now or after --grace-period')
    .option('--grace-period <seconds>', 'keep the old secret working this long (at most 604800, 7 days)', '0')
    .option('--json', 'print the API response as JSON (with the secret)')
    .action(async (clientId: string, options: { gracePeriod: string; json?: boolean }, command: Command) => {
      await withManagement(command, async (client) => {
        const result = await client.call<{ clientId: string; clientSecret: string; previousSecretsExpireAt: string }>(
          'POST',
          `${credentialPath(clientId)}/secret/rotate`,
          { body: { gracePeriodSeconds: numberOrText(options.gracePeriod) } },
        );
        if (options.json) return printJson(result);
        printSecret(result.clientSecret);
        process.stdout.write(`The previous secret stops working at ${result.previousSecretsExpireAt}.\n`);
      });
    });

  credentials
    .command('end-secret-grace <clientId>')
    .description('end the grace period of the last rotation now: the previous secret stops working at once, the current one keeps working')
    .option('--json', 'print the API response as JSON')
    .action(async (clientId: string, options: { json?: boolean }, command: Command) => {
      await withManagement(command, async (client) => {
        const result = await client.call<{ items: { id: string; current: boolean }[] }>('POST', `${credentialPath(clientId)}/secret/end-grace-period`);
        if (options.json) return printJson(result);
        process.stdout.write('Only the current secret works now.\n');
      });
    });
}
