import type { Command } from 'commander';
import { CliError } from '../context.js';
import { withManagement } from '../management-client.js';
import { formatTable, printJson } from '../output.js';

/** A page of a list operation, as the API returns it. */
export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  perPage: number;
}

interface OrgBody {
  id: string;
  name: string;
  displayName: string;
  createdAt: string;
  updatedAt: string;
}

/** `(2 of 45; use --page)` under a table, when the page is not everything. */
export function pageFooter(page: Page<unknown>): string {
  const shownBefore = (page.page - 1) * page.perPage;
  return page.total > shownBefore + page.items.length || page.page > 1
    ? `(${shownBefore + 1}-${shownBefore + page.items.length} of ${page.total}; use --page)\n`
    : '';
}

/** `true` or `false` for options such as `--admin true`; anything else is refused, naming the option. */
export function booleanOption(value: string | undefined, flag: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new CliError(`${flag} must be true or false, got ${value}`);
}

/** A number when the text is one; otherwise the text, so that the API names the field and its rule. */
export function numberOrText(value: string | undefined): number | string | undefined {
  if (value === undefined) return undefined;
  return /^-?\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : value;
}

export function orgPath(org: string): string {
  return `/orgs/${encodeURIComponent(org)}`;
}

function printOrg(org: OrgBody): void {
  process.stdout.write(
    [`id:           ${org.id}`, `name:         ${org.name}`, `display name: ${org.displayName}`, `created:      ${org.createdAt}`].join('\n') + '\n',
  );
}

export function registerOrgsCommand(program: Command): void {
  const orgs = program.command('orgs').description('organizations: create, rename, delete');

  orgs
    .command('list')
    .description('list organizations (all of them for the operator and server administrators)')
    .option('--search <text>', 'match names containing the text')
    .option('--page <n>', 'page number', '1')
    .option('--per-page <n>', 'organizations per page (at most 100)', '20')
    .option('--json', 'print the API response as JSON')
    .action(async (options: { search?: string; page: string; perPage: string; json?: boolean }, command: Command) => {
      await withManagement(command, async (client) => {
        const page = await client.call<Page<OrgBody>>('GET', '/orgs', {
          query: { q: options.search, page: options.page, perPage: options.perPage },
        });
        if (options.json) return printJson(page);
        if (page.items.length === 0) {
          process.stdout.write('No organizations found.\n');
          return;
        }
        process.stdout.write(
          `${formatTable(
            ['ID', 'NAME', 'DISPLAY NAME', 'CREATED'],
            page.items.map((org) => [org.id, org.name, org.displayName, org.createdAt]),
          )}\n${pageFooter(page)}`,
        );
      });
    });

  orgs
    .command('create <name>')
    .description('create an organization (name: lower-case letters, digits and hyphens)')
    .option('--display-name <text>', 'name shown to people (default: the name)')
    .option('--owner <user>', 'make this existing user (email or id) its owner')
    .option('--json', 'print the API response as JSON')
    .action(async (name: string, options: { displayName?: string; owner?: string; json?: boolean }, command: Command) => {
      await withManagement(command, async (client) => {
        const org = await client.call<OrgBody>('POST', '/orgs', {
          body: {
            name,
            ...(options.displayName !== undefined ? { displayName: options.displayName } : {}),
            ...(options.owner !== undefined ? { owner: options.owner } : {}),
          },
        });
        if (options.json) return printJson(org);
        printOrg(org);
        if (options.owner) process.stdout.write(`owner:        ${options.owner}\n`);
      });
    });

  orgs
    .command('show <org>')
    .description('show an organization by id or name')
    .option('--json', 'print the API response as JSON')
    .action(async (org: string, options: { json?: boolean }, command: Command) => {
      await withManagement(command, async (client) => {
        const found = await client.call<OrgBody>('GET', orgPath(org));
        if (options.json) return printJson(found);
        printOrg(found);
      });
    });

  orgs
    .command('update <org>')
    .description('rename an organization')
    .option('--name <name>', 'new name (lower-case letters, digits and hyphens)')
    .option('--display-name <text>', 'new display name')
    .option('--json', 'print the API response as JSON')
    .action(async (org: string, options: { name?: string; displayName?: string; json?: boolean }, command: Command) => {
      const body = {
        ...(options.name !== undefined ? { name: options.name } : {}),
        ...(options.displayName !== undefined ? { displayName: options.displayName } : {}),
      };
      if (Object.keys(body).length === 0) throw new CliError('nothing to change: pass --name or --display-name');
      await withManagement(command, async (client) => {
        const updated = await client.call<OrgBody>('PATCH', orgPath(org), { body });
        if (options.json) return printJson(updated);
        printOrg(updated);
      });
    });

  orgs
    .command('delete <org>')
    .description('delete an organization with its apps, credentials and APIs (owners only)')
    .option('--yes', 'confirm: deleting an organization cannot be undone')
    .option('--json', 'print {"deleted": <org>} as JSON')
    .action(async (org: string, options: { yes?: boolean; json?: boolean }, command: Command) => {
      if (!options.yes) throw new CliError(`deleting organization ${org} and everything in it cannot be undone; run again with --yes to confirm`);
      await withManagement(command, async (client) => {
        await client.call('DELETE', orgPath(org));
        if (options.json) return printJson({ deleted: org });
        process.stdout.write(`Deleted organization ${org}.\n`);
      });
    });
}
