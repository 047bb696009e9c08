import { managementScopes } from '../../contracts/scopes.js';
import { permissionTable, roles } from '../../contracts/permissions.js';

/** docs/permissions.md, generated from the permission table (`npm run docs`); a test fails when it is stale. */
export function renderPermissionsReference(): string {
  const header = `| Permission | What it allows | Token scope | ${roles.join(' | ')} | apps |`;
  const divider = `| --- | --- | --- | ${roles.map(() => ':---:').join(' | ')} | :---: |`;
  const rows = Object.entries(permissionTable).map(([permission, entry]) => {
    const cells = roles.map((role) => ((entry.roles as readonly string[]).includes(role) ? '✓' : ''));
    return `| \`${permission}\` | ${entry.description} | \`${entry.scope}\` | ${cells.join(' | ')} | ${entry.clients ? '✓' : ''} |`;
  });
  const scopes = Object.entries(managementScopes).map(([scope, description]) => `| \`${scope}\` | ${description} |`);
  return `# Roles and permissions

<!-- Generated from src/contracts/permissions.ts by \`npm run docs\`. Do not edit by hand. -->

Every member of an organization has one role. The role decides what they may do in that
organization; the domain layer enforces it for the console, the management API and the CLI alike.
A request also needs its token to carry the scope in the third column: scopes are an upper bound,
never a grant, so a token with every scope still does only what its user's role allows. Server
administrators and the operator at the CLI act as owners everywhere. People outside an
organization see it, and everything in it, as not found.

The last column is for apps acting for themselves (client credentials for the management API,
which only apps a server administrator allows may get): such an app has no role. It may do, in
its own organization only, what the scopes of its token name, except what is about people
(members, per-user credentials, reviews, deleting the organization). Per-user client credentials
can never reach the management API, and whatever they reach, they stop working when their owner
leaves the organization or is disabled.

${header}
${divider}
${rows.join('\n')}

Only an owner may make someone an owner or change an owner's role, and an organization always
keeps at least one owner.

Per-user client credentials belong to one member: their owner manages them with
\`credentials:create_own\`; everyone else needs \`credentials:manage\`.

## Privileged app settings

Two app settings lift privileges, so only a server administrator (or the operator) may turn them
on; anyone who may change the app may turn them off:

- \`security.firstParty\`: users are not asked to consent to the app (except for the management
  API, which a user always consents to).
- \`security.managementApiAccess\`: the app may get tokens for the Latchkey management API
  (\`<issuer>/api/v1\`) and name it in \`defaultAudience\` and \`apiGrants\`.

## Pre-authorizations

An administrator may authorize people for an app in place of their consent (\`POST
/apps/{clientId}/pre-authorizations\`): a user, or every member of the app's organization with a
role, for some of the app's scopes and APIs. The JWT bearer grant issues a token for a user only
with their consent or such a pre-authorization, and the authorization code flow skips the consent
screen for what one covers. A server administrator may pre-authorize anyone; an owner or admin
of the app's organization (\`apps:preauthorize\`) only its members, only for its own APIs, and
what they grant stops covering a user who leaves the organization.

## Management API scopes

| Scope | Allows |
| --- | --- |
${scopes.join('\n')}
`;
}
