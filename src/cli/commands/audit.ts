import type { Command } from 'commander';
import { withManagement } from '../management-client.js';
import { formatTable, printJson } from '../output.js';
import { orgPath, pageFooter, type Page } from './orgs.js';

interface AuditBody {
  id: string;
  orgId: string | null;
  actor: { type: string; id: string | null; label: string };
  action: string;
  targetType: string;
  targetId: string;
  changes: Record<string, unknown>;
  requestId: string | null;
  createdAt: string;
}

export function registerAuditCommand(program: Command): void {
  program
    .command('audit')
    .description('read the audit log of an organization, newest first: who changed what, when (never a secret)')
    .option('--org <org>', 'organization id or name', 'default')
    .option('--app <clientId>', 'only records about this app or credential (or any target id)')
    .option('--action <action>', 'only this action, e.g. app.created, app.secret_rotated, member.added')
    .option('--from <time>', 'from this RFC 3339 time, e.g. 2026-01-31T00:00:00Z')
    .option('--to <time>', 'up to this RFC 3339 time')
    .option('--page <n>', 'page number', '1')
    .option('--per-page <n>', 'records per page (at most 100)', '20')
    .option('--json', "print the API response as JSON (with each record's changes)")
    .action(
      async (
        options: { org: string; app?: string; action?: string; from?: string; to?: string; page: string; perPage: string; json?: boolean },
        command: Command,
      ) => {
        await withManagement(command, async (client) => {
          const page = await client.call<Page<AuditBody>>('GET', `${orgPath(options.org)}/audit`, {
            query: { appId: options.app, action: options.action, from: options.from, to: options.to, page: options.page, perPage: options.perPage },
          });
          if (options.json) return printJson(page);
          if (page.items.length === 0) {
            process.stdout.write('No audit records match.\n');
            return;
          }
          process.stdout.write(
            `${formatTable(
              ['TIME', 'ACTOR', 'ACTION', 'TARGET'],
              page.items.map((event) => [event.createdAt, event.actor.label, event.action, `${event.targetType} ${event.targetId}`]),
            )}\n${pageFooter(page)}`,
          );
        });
      },
    );
}
