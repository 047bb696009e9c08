import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { TrustedIssuerView } from '../../contracts/views.js';
import { CliError } from '../context.js';
import { withManagement } from '../management-client.js';
import { formatTable, printJson } from '../output.js';
import { collect } from '../settings-input.js';

const splitList = (values: readonly string[]) => values.flatMap((value) => value.split(/[\s,]+/)).filter(Boolean);

/** `latchkey apps trusted-issuers`, `trust-issuer`, `remove-trusted-issuer`: an app's trust relationships with external issuers. */
export function registerTrustedIssuerCommands(apps: Command): void {
  apps
    .command('trusted-issuers <clientId>')
    .description('list the external issuers the app trusts for JWT bearer assertions and token exchange')
    .option('--json', 'print the API response as JSON')
    .action(async (clientId: string, options: { json?: boolean }, command: Command) => {
      await withManagement(command, async (client) => {
        const result = await client.call<{ items: TrustedIssuerView[] }>('GET', `/apps/${encodeURIComponent(clientId)}/trusted-issuers`);
        if (options.json) return printJson(result);
        if (result.items.length === 0) {
          process.stdout.write(
            `${clientId} trusts no external issuer. Add one with \`latchkey apps trust-issuer ${clientId} --iss <url> --keys-file <jwks.json> --subject <email> --scope openid\`.\n`,
          );
          return;
        }
        process.stdout.write(
          `${formatTable(
            ['ID', 'ISSUER', 'KEYS', 'SUBJECTS', 'SCOPES', 'EXPIRES'],
            result.items.map((item) => [
              item.id,
              item.issuer,
              item.keys.map((key) => `${key.kid ?? '?'} (${key.alg ?? key.kty})`).join(' '),
              item.allowAnySubject ? 'any' : item.subjects.join(' '),
              item.scopes.join(' '),
              item.expiresAt ?? 'never',
            ]),
          )}\n`,
        );
      });
    });

  apps
    .command('trust-issuer <clientId>')
    .description(
      "trust an external issuer: JWTs it signs may name the subjects and ask for the scopes given, as JWT bearer assertions and token exchange subject or actor tokens (the user's consent or a pre-authorization is still needed)",
    )
    .requiredOption('--iss <iss>', 'the issuer: the iss of its JWTs, an https URL or another absolute URI')
    .requiredOption('--keys-file <path>', 'its public keys: a JWKS, JWK, PEM certificate or PEM public key file (16 KB at most)')
    .option('--subject <sub>', 'a subject it may name, a user id or email (repeat, or space/comma separated)', collect)
    .option('--any-subject', 'it may name any subject')
    .requiredOption('--scope <scope>', 'a scope it may ask for (repeat, or space/comma separated)', collect)
    .option('--expires <time>', 'when the relationship ends, e.g. 2027-01-31T00:00:00Z')
    .option('--json', 'print the API response as JSON')
    .action(
      async (
        clientId: string,
        options: { iss: string; keysFile: string; subject?: string[]; anySubject?: boolean; scope: string[]; expires?: string; json?: boolean },
        command: Command,
      ) => {
        if ((options.subject === undefined) === (options.anySubject !== true)) throw new CliError('name the subjects with --subject, or pass --any-subject');
        let keys: string;
        try {
          keys = readFileSync(options.keysFile, 'utf8');
        } catch (error) {
          throw new CliError(`cannot read ${options.keysFile}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
        }
        const body = {
          issuer: options.iss,
          keys,
          ...(options.anySubject ? { allowAnySubject: true } : { subjects: splitList(options.subject ?? []) }),
          scopes: splitList(options.scope),
          ...(options.expires !== undefined ? { expiresAt: options.expires } : {}),
        };
        await withManagement(command, async (client) => {
          const made = await client.call<TrustedIssuerView>('POST', `/apps/${encodeURIComponent(clientId)}/trusted-issuers`, { body });
          if (options.json) return printJson(made);
          const subjects = made.allowAnySubject ? 'any subject' : made.subjects.join(' ');
          process.stdout.write(`Trusted ${made.issuer} for ${subjects}, scopes ${made.scopes.join(' ')} (${made.id}).\n`);
        });
      },
    );

  apps
    .command('remove-trusted-issuer <clientId> <id>')
    .description('stop trusting an external issuer')
    .action(async (clientId: string, id: string, _options: unknown, command: Command) => {
      await withManagement(command, async (client) => {
        await client.call('DELETE', `/apps/${encodeURIComponent(clientId)}/trusted-issuers/${encodeURIComponent(id)}`);
        process.stdout.write(`Removed ${id}.\n`);
      });
    });
}
