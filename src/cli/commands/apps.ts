import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { tokenEndpointAuthMethods } from '../../contracts/algorithms.js';
import { CliError } from '../context.js';
import { withManagement } from '../management-client.js';
import { formatTable, printJson } from '../output.js';
import { collect, deepMerge, settingsFromPairs } from '../settings-input.js';
import { parseGrantOption } from './credentials.js';
import { registerTrustedIssuerCommands } from './trusted-issuers.js';

interface AppBody {
  clientId: string;
  name: string;
  type: string;
  status: string;
  clientType: string;
  redirectUris: string[];
  grantTypes: string[];
  scopes: string[];
  placeholderRedirectUris: string[];
  apiGrants: { audience: string; scopes: string[] }[];
  clientSecret?: string | null;
  [key: string]: unknown;
}

interface Page<T> {
  items: T[];
  total: number;
  page: number;
  perPage: number;
}

/** Body of a create or update from the flags: named flags first, then --set, then --settings-file. */
function appBody(options: Record<string, unknown>): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (options.name !== undefined) body.name = options.name;
  if (options.description !== undefined) body.description = options.description;
  if (options.type !== undefined) body.type = options.type;
  if (options.public) body.visibility = 'public';
  if (options.draft) body.status = 'draft';
  if (options.redirectUri) body.redirectUris = options.redirectUri;
  if (options.postLogoutRedirectUri) body.postLogoutRedirectUris = options.postLogoutRedirectUri;
  // An empty value clears the setting.
  if (typeof options.backchannelLogoutUri === 'string') body.backchannelLogoutUri = options.backchannelLogoutUri || null;
  if (typeof options.frontchannelLogoutUri === 'string') body.frontchannelLogoutUri = options.frontchannelLogoutUri || null;
  if (options.grantType) body.grantTypes = options.grantType;
  if (options.scope) body.scopes = (options.scope as string[]).flatMap((scope) => scope.split(/[ ,]+/)).filter(Boolean);
  if (options.authMethod !== undefined) body.tokenEndpointAuthMethod = options.authMethod;
  if (options.grant) body.apiGrants = (options.grant as string[]).map(parseGrantOption);
  let merged = deepMerge(body, settingsFromPairs((options.set as string[] | undefined) ?? []));
  if (typeof options.settingsFile === 'string') {
    let fromFile: unknown;
    try {
      fromFile = JSON.parse(readFileSync(options.settingsFile, 'utf8'));
    } catch (error) {
      throw new CliError(`cannot read ${options.settingsFile} as JSON: ${(error as Error).message}`);
    }
    merged = deepMerge(merged, fromFile as Record<string, unknown>);
  }
  return merged;
}

interface SecretBody {
  id: string;
  current: boolean;
  createdAt: string;
  expiresAt: string | null;
}

function printApp(app: AppBody): void {
  const lines = [
    `client_id:     ${app.clientId}`,
    `name:          ${app.name}`,
    `type:          ${app.type} (${app.clientType} client)`,
    `status:        ${app.status}`,
    `redirect URIs: ${app.redirectUris.join(', ') || '—'}`,
    `grant types:   ${app.grantTypes.join(', ')}`,
    `scopes:        ${app.scopes.join(' ') || '—'}`,
  ];
  if (app.placeholderRedirectUris.length > 0) lines.push(`placeholders:  ${app.placeholderRedirectUris.join(', ')} (replace before submitting or activating)`);
  // What a machine-to-machine app gets tokens for: one API a line, its scopes beside it.
  if (app.apiGrants.length > 0) {
    const width = Math.max(...app.apiGrants.map((grant) => grant.audience.length));
    lines.push('API grants:', ...app.apiGrants.map((grant) => `  ${grant.audience.padEnd(width)}  ${grant.scopes.join(' ')}`));
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

function printSecret(secret: string | null | undefined): void {
  if (!secret) return;
  process.stdout.write(`client_secret: ${secret}\n\nStore the client secret now: it is shown once and can't be retrieved again.\n`);
}

function addSettingFlags(command: Command): Command {
  return command
    .option('--name <name>', 'app name')
    .option('--description <text>', 'description')
    .option('--redirect-uri <uri>', 'redirect URI (repeat for several)', collect)
    .option('--post-logout-redirect-uri <uri>', 'post-logout redirect URI (repeat for several)', collect)
    .option('--backchannel-logout-uri <uri>', 'where logout tokens are POSTed when a session ends (https; empty clears it)')
    .option('--frontchannel-logout-uri <uri>', 'loaded in an iframe by the logout page (https; empty clears it)')
    .option('--grant-type <grant>', 'allowed grant type (repeat for several)', collect)
    .option('--scope <scope>', 'allowed scope (repeat, or space/comma separated)', collect)
    .option('--auth-method <method>', `token endpoint auth method: ${tokenEndpointAuthMethods.join(', ')}`)
    .option('--grant <audience=scopes>', 'an audience + scope pair: an API identifier and comma-separated scopes of it (repeat; replaces the pairs)', collect)
    .option('--set <path=value>', 'any setting by its path, e.g. accessToken.ttlMinutes=60 or security.firstParty=true (repeat)', collect)
    .option('--settings-file <file>', 'a JSON file of settings, as in the API');
}

export function registerAppsCommand(program: Command): void {
  const apps = program.command('apps').description('OAuth apps: register, configure, rotate secrets, lifecycle, export');

  apps
    .command('list')
    .description('list apps of an organization')
    .option('--org <org>', 'organization id or name', 'default')
    .option('--search <text>', 'match names containing the text')
    .option('--status <status>', 'draft, submitted, active or disabled')
    .option('--page <n>', 'page number', '1')
    .option('--per-page <n>', 'apps per page (at most 100)', '20')
    .option('--json', 'print the API response as JSON')
    .action(async (options: Record<string, string | boolean | undefined>, command: Command) => {
      await withManagement(command, async (client) => {
        const page = await client.call<Page<AppBody>>('GET', `/orgs/${encodeURIComponent(String(options.org))}/apps`, {
          query: { q: options.search, status: options.status, page: options.page, perPage: options.perPage },
        });
        if (options.json) return printJson(page);
        if (page.items.length === 0) {
          process.stdout.write(
            'No apps yet. Create one with `latchkey apps create --type web --name "My app" --redirect-uri https://app.example.com/callback`.\n',
          );
          return;
        }
        process.stdout.write(
          `${formatTable(
            ['CLIENT_ID', 'NAME', 'TYPE', 'STATUS'],
            page.items.map((app) => [app.clientId, app.name, app.type, app.status]),
          )}\n${page.total > page.items.length ? `(${page.items.length} of ${page.total}; use --page)\n` : ''}`,
        );
      });
    });

  addSettingFlags(
    apps
      .command('create')
      .description('register an app; confidential apps get a client secret, printed once')
      .requiredOption('--type <type>', 'native, spa, web, m2m or device')
      .option('--org <org>', 'organization id or name', 'default')
      .option('--public', 'a public app: starts as a draft and needs approval')
      .option('--draft', 'save as a draft (placeholder redirect URIs allowed)'),
  )
    .option('--json', 'print the API response as JSON')
    .action(async (options: Record<string, unknown>, command: Command) => {
      await withManagement(command, async (client) => {
        const app = await client.call<AppBody>('POST', `/orgs/${encodeURIComponent(String(options.org))}/apps`, { body: appBody(options) });
        if (options.json) return printJson(app);
        printApp(app);
        printSecret(app.clientSecret);
      });
    });

  apps
    .command('show <clientId>')
    .description('show an app (never its secret)')
    .option('--json', 'print every setting as JSON')
    .action(async (clientId: string, options: { json?: boolean }, command: Command) => {
      await withManagement(command, async (client) => {
        const app = await client.call<AppBody>('GET', `/apps/${encodeURIComponent(clientId)}`);
        if (options.json) return printJson(app);
        printApp(app);
      });
    });

  addSettingFlags(apps.command('update <clientId>').description('change settings; nothing is saved if any value is invalid'))
    .option('--json', 'print the API response as JSON')
    .action(async (clientId: string, options: Record<string, unknown>, command: Command) => {
      const body = appBody(options);
      if (Object.keys(body).length === 0) throw new CliError('nothing to change: pass setting flags, --set path=value or --settings-file');
      await withManagement(command, async (client) => {
        const app = await client.call<AppBody>('PATCH', `/apps/${encodeURIComponent(clientId)}`, { body });
        if (options.json) return printJson(app);
        printApp(app);
      });
    });

  apps
    .command('rotate-secret <clientId>')
    .description('generate a new client secret (printed once); the old one stops working now or after --grace-period')
    .option('--grace-period <seconds>', 'keep the old secret working this long (at most 604800, 7 days)', '0')
    .option('--json', 'print the API response as JSON')
    .action(async (clientId: string, options: { gracePeriod: string; json?: boolean }, command: Command) => {
      const grace = Number(options.gracePeriod);
      if (!Number.isInteger(grace)) throw new CliError('--grace-period must be a whole number of seconds');
      await withManagement(command, async (client) => {
        const result = await client.call<{ clientSecret: string; previousSecretsExpireAt: string }>(
          'POST',
          `/apps/${encodeURIComponent(clientId)}/secret/rotate`,
          { body: { gracePeriodSeconds: grace } },
        );
        if (options.json) return printJson(result);
        printSecret(result.clientSecret);
        process.stdout.write(`The previous secret stops working at ${result.previousSecretsExpireAt}. Tokens already issued stay valid.\n`);
      });
    });

  const printSecrets = (items: SecretBody[]) =>
    process.stdout.write(
      `${formatTable(
        ['ID', 'STATE', 'CREATED', 'STOPS WORKING'],
        items.map((item) => [item.id, item.current ? 'current' : 'previous (grace period)', item.createdAt, item.expiresAt ?? '—']),
      )}\n`,
    );

  apps
    .command('secrets <clientId>')
    .description('list the client secrets that work now (never their values): the current one, and a previous one in its grace period')
    .option('--json', 'print the API response as JSON')
    .action(async (clientId: string, options: { json?: boolean }, command: Command) => {
      await withManagement(command, async (client) => {
        const result = await client.call<{ items: SecretBody[] }>('GET', `/apps/${encodeURIComponent(clientId)}/secrets`);
        if (options.json) return printJson(result);
        printSecrets(result.items);
      });
    });

  apps
    .command('end-secret-grace <clientId>')
    .description('end the grace period of the last rotation now: the previous secret stops working at once, the current one keeps working')
    .option('--json', 'print the API response as JSON')
    .action(async (clientId: string, options: { json?: boolean }, command: Command) => {
      await withManagement(command, async (client) => {
        const result = await client.call<{ items: SecretBody[] }>('POST', `/apps/${encodeURIComponent(clientId)}/secret/end-grace-period`);
        if (options.json) return printJson(result);
        process.stdout.write('Only the current secret works now.\n');
        printSecrets(result.items);
      });
    });

  for (const [action, description] of [
    ['submit', 'submit a public draft app for approval'],
    ['approve', 'approve a submitted app (owners and admins)'],
    ['activate', 'activate a private draft app'],
    ['disable', 'disable an app: no more tokens, and its tokens stop introspecting'],
    ['enable', 'enable a disabled app'],
  ] as const) {
    apps
      .command(`${action} <clientId>`)
      .description(description)
      .option('--json', 'print the API response as JSON')
      .action(async (clientId: string, options: { json?: boolean }, command: Command) => {
        await withManagement(command, async (client) => {
          const app = await client.call<AppBody>('POST', `/apps/${encodeURIComponent(clientId)}/${action}`);
          if (options.json) return printJson(app);
          process.stdout.write(`${app.name} (${app.clientId}) is now ${app.status}.\n`);
        });
      });
  }

  apps
    .command('reject <clientId>')
    .description('reject a submitted app with a reason; it returns to draft')
    .requiredOption('--reason <text>', 'why, for the developer')
    .option('--json', 'print the API response as JSON')
    .action(async (clientId: string, options: { reason: string; json?: boolean }, command: Command) => {
      await withManagement(command, async (client) => {
        const app = await client.call<AppBody>('POST', `/apps/${encodeURIComponent(clientId)}/reject`, { body: { reason: options.reason } });
        if (options.json) return printJson(app);
        process.stdout.write(`${app.name} (${app.clientId}) was rejected and is a draft again.\n`);
      });
    });

  apps
    .command('delete <clientId>')
    .description('delete an app with its secrets and certificates')
    .option('--yes', 'confirm: deleting an app cannot be undone')
    .action(async (clientId: string, options: { yes?: boolean }, command: Command) => {
      if (!options.yes) throw new CliError(`deleting ${clientId} cannot be undone; run again with --yes to confirm`);
      await withManagement(command, async (client) => {
        await client.call('DELETE', `/apps/${encodeURIComponent(clientId)}`);
        process.stdout.write(`Deleted ${clientId}.\n`);
      });
    });

  apps
    .command('export <clientId>')
    .description('write the credentials file (client_id, issuer, discovery URL, endpoints; never a secret)')
    .option('--output <file>', 'write to this file instead of stdout')
    .action(async (clientId: string, options: { output?: string }, command: Command) => {
      await withManagement(command, async (client) => {
        const exported = await client.call('GET', `/apps/${encodeURIComponent(clientId)}/export`);
        const text = `${JSON.stringify(exported, null, 2)}\n`;
        if (options.output) {
          writeFileSync(options.output, text);
          process.stdout.write(`Wrote ${options.output}.\n`);
        } else {
          process.stdout.write(text);
        }
      });
    });

  apps
    .command('certificates <clientId>')
    .description('list uploaded certificates and keys')
    .option('--json', 'print the API response as JSON')
    .action(async (clientId: string, options: { json?: boolean }, command: Command) => {
      await withManagement(command, async (client) => {
        const result = await client.call<{ items: { id: string; alg: string; fingerprint: string; expiresAt: string | null }[] }>(
          'GET',
          `/apps/${encodeURIComponent(clientId)}/certificates`,
        );
        if (options.json) return printJson(result);
        process.stdout.write(
          `${formatTable(
            ['ID', 'ALG', 'FINGERPRINT', 'EXPIRES'],
            result.items.map((item) => [item.id, item.alg, item.fingerprint, item.expiresAt ?? '—']),
          )}\n`,
        );
      });
    });

  apps
    .command('add-certificate <clientId>')
    .description('upload a PEM certificate, PEM public key, JWK or JWKS file (4 KB at most)')
    .requiredOption('--file <path>', 'the file to upload')
    .option('--json', 'print the API response as JSON')
    .action(async (clientId: string, options: { file: string; json?: boolean }, command: Command) => {
      let certificate: string;
      try {
        certificate = readFileSync(options.file, 'utf8');
      } catch (error) {
        throw new CliError(`cannot read ${options.file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
      }
      await withManagement(command, async (client) => {
        const result = await client.call<{ items: { id: string; alg: string; fingerprint: string }[] }>(
          'POST',
          `/apps/${encodeURIComponent(clientId)}/certificates`,
          { body: { certificate } },
        );
        if (options.json) return printJson(result);
        for (const item of result.items) process.stdout.write(`Added ${item.id}: ${item.alg}, fingerprint ${item.fingerprint}\n`);
      });
    });

  apps
    .command('remove-certificate <clientId> <certificateId>')
    .description('delete an uploaded certificate or key')
    .action(async (clientId: string, certificateId: string, _options: unknown, command: Command) => {
      await withManagement(command, async (client) => {
        await client.call('DELETE', `/apps/${encodeURIComponent(clientId)}/certificates/${encodeURIComponent(certificateId)}`);
        process.stdout.write(`Removed ${certificateId}.\n`);
      });
    });

  apps
    .command('set-asset-certificate <clientId>')
    .description('set the certificate and private key that sign asset tokens (PEM files, 4 KB at most each); the key is never shown again')
    .requiredOption('--certificate-file <path>', 'the PEM certificate')
    .requiredOption('--private-key-file <path>', 'its unencrypted PEM private key')
    .option('--json', 'print the API response as JSON')
    .action(async (clientId: string, options: { certificateFile: string; privateKeyFile: string; json?: boolean }, command: Command) => {
      const read = (path: string) => {
        try {
          return readFileSync(path, 'utf8');
        } catch (error) {
          throw new CliError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
        }
      };
      const body = { certificate: read(options.certificateFile), privateKey: read(options.privateKeyFile) };
      await withManagement(command, async (client) => {
        const result = await client.call<{ alg: string; fingerprint: string; subject: string; expiresAt: string }>(
          'PUT',
          `/apps/${encodeURIComponent(clientId)}/asset-signing-certificate`,
          { body },
        );
        if (options.json) return printJson(result);
        process.stdout.write(
          `Asset signing certificate set: ${result.alg}, ${result.subject}, fingerprint ${result.fingerprint}, expires ${result.expiresAt}\n`,
        );
      });
    });

  apps
    .command('remove-asset-certificate <clientId>')
    .description('remove the asset signing certificate and its key (refused while asset tokens are signed with it)')
    .action(async (clientId: string, _options: unknown, command: Command) => {
      await withManagement(command, async (client) => {
        await client.call('DELETE', `/apps/${encodeURIComponent(clientId)}/asset-signing-certificate`);
        process.stdout.write('Removed the asset signing certificate.\n');
      });
    });

  apps
    .command('pre-authorizations <clientId>')
    .description('list the users and roles administrators pre-authorized for the app (in place of their consent)')
    .option('--json', 'print the API response as JSON')
    .action(async (clientId: string, options: { json?: boolean }, command: Command) => {
      await withManagement(command, async (client) => {
        const result = await client.call<{ items: PreAuthorizationBody[] }>('GET', `/apps/${encodeURIComponent(clientId)}/pre-authorizations`);
        if (options.json) return printJson(result);
        if (result.items.length === 0) {
          process.stdout.write(
            `Nobody is pre-authorized for ${clientId}. Add someone with \`latchkey apps pre-authorize ${clientId} --user <email> --scope openid\`.\n`,
          );
          return;
        }
        process.stdout.write(
          `${formatTable(
            ['ID', 'FOR', 'SCOPES', 'APIS', 'BY'],
            result.items.map((item) => [
              item.id,
              item.email ?? item.userId ?? `every ${item.role ?? '?'}`,
              item.scopes.join(' '),
              item.audiences.join(' ') || '—',
              item.createdBy,
            ]),
          )}\n`,
        );
      });
    });

  apps
    .command('pre-authorize <clientId>')
    .description(
      "pre-authorize a user, or every member with a role, for some of the app's scopes (what the JWT bearer grant needs when the user never consented)",
    )
    .option('--user <user>', 'the user, by id or email')
    .option('--role <role>', "every member of the app's organization with this role: owner, admin, developer or viewer")
    .requiredOption('--scope <scope>', 'a scope it covers (repeat, or space/comma separated)', collect)
    .option('--audience <api>', "an API identifier it covers (repeat); the app's default audience when omitted", collect)
    .option('--json', 'print the API response as JSON')
    .action(async (clientId: string, options: { user?: string; role?: string; scope: string[]; audience?: string[]; json?: boolean }, command: Command) => {
      if ((options.user === undefined) === (options.role === undefined)) throw new CliError('name either --user or --role');
      const body = {
        ...(options.user !== undefined ? { user: options.user } : {}),
        ...(options.role !== undefined ? { role: options.role } : {}),
        scopes: options.scope.flatMap((value) => value.split(/[\s,]+/)).filter(Boolean),
        ...(options.audience ? { audiences: options.audience } : {}),
      };
      await withManagement(command, async (client) => {
        const made = await client.call<PreAuthorizationBody>('POST', `/apps/${encodeURIComponent(clientId)}/pre-authorizations`, { body });
        if (options.json) return printJson(made);
        process.stdout.write(`Pre-authorized ${made.email ?? `every ${made.role ?? '?'}`} for ${made.scopes.join(' ')} (${made.id}).\n`);
      });
    });

  apps
    .command('remove-pre-authorization <clientId> <id>')
    .description('take a pre-authorization back')
    .action(async (clientId: string, id: string, _options: unknown, command: Command) => {
      await withManagement(command, async (client) => {
        await client.call('DELETE', `/apps/${encodeURIComponent(clientId)}/pre-authorizations/${encodeURIComponent(id)}`);
        process.stdout.write(`Removed ${id}.\n`);
      });
    });

  registerTrustedIssuerCommands(apps);
}

interface PreAuthorizationBody {
  id: string;
  userId: string | null;
  email: string | null;
  role: string | null;
  scopes: string[];
  audiences: string[];
  createdBy: string;
}
