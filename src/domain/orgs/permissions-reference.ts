import { managementScopes } from '../access/actor.js';
import { permissionTable, roles } from './permissions.js';

/** docs/permissions.md, generated from the permission table (`npm run docs`); a test fails when it is stale. */
export function renderPermissionsReference(): string {
  const header = `| Permission | What it allows | Token scope | ${roles.join(' | ')} |`;
  const divider = `| --- | --- | --- | ${roles.map(() => ':---:').join(' | ')} |`;
  const rows = Object.entries(permissionTable).map(([permission, entry]) => {
    const cells = roles.map((role) => ((entry.roles as readonly string[]).includes(role) ? '✓' : ''));
    return `| \`${permission}\` | ${entry.description} | \`${entry.scope}\` | ${cells.join(' | ')} |`;
  });
  const scopes = Object.entries(managementScopes).map(([scope, description]) => `| \`${scope}\` | ${description} |`);
  return `# Roles and permissions

<!-- Generated from src/domain/orgs/permissions.ts by \`npm run docs\`. Do not edit by hand. -->

Every member of an organization has one role. The role decides what they may do in that
organization; the domain layer enforces it for the console, the management API and the CLI alike.
A request also needs its token to carry the scope in the third column. Server administrators and
the operator at the CLI act as owners everywhere. People outside an organization see it, and
everything in it, as not found.

${header}
${divider}
${rows.join('\n')}

Only an owner may make someone an owner or change an owner's role, and an organization always
keeps at least one owner.

Per-user client credentials belong to one member: their owner manages them with
\`credentials:create_own\`; everyone else needs \`credentials:manage\`.

## Management API scopes

| Scope | Allows |
| --- | --- |
${scopes.join('\n')}
`;
}
