/**
 * Scopes of the management API (`/api/v1`). A personal access token or a management access token
 * carries some of them; each operation needs one, on top of the caller's role in the organization.
 */
export const managementScopes = {
  'orgs:read': 'Read organizations, members and invitations',
  'orgs:write': 'Create and change organizations, members and invitations',
  'apps:read': 'Read apps',
  'apps:write': 'Create, change, rotate, approve and delete apps',
  'apis:read': 'Read APIs',
  'apis:write': 'Register, change and delete APIs',
  'credentials:read': 'Read per-user client credentials',
  'credentials:write': 'Create and delete per-user client credentials',
  'audit:read': 'Read the audit log',
  'users:read': 'Read users (server administrators)',
  'users:write': 'Create and change users (server administrators)',
  'keys:read': 'Read the signing keys (server administrators)',
  'keys:write': 'Rotate and revoke signing keys (server administrators)',
} as const;

export type ManagementScope = keyof typeof managementScopes;
export const allManagementScopes = Object.keys(managementScopes) as ManagementScope[];

export function isManagementScope(value: string): value is ManagementScope {
  return Object.hasOwn(managementScopes, value);
}

/** Scopes defined by OpenID Connect Core §5.4 and §11, with what each lets an app have, in words for people. */
export const openIdScopes = [
  { name: 'openid', description: 'Sign the user in: an ID token with their unique identifier (sub)' },
  { name: 'profile', description: 'Their name and profile' },
  { name: 'email', description: 'Their email address and whether it is verified' },
  { name: 'address', description: 'Their postal address' },
  { name: 'phone', description: 'Their phone number' },
  { name: 'offline_access', description: 'Refresh tokens: act for the user when they are not using the app' },
] as const;

export type StandardScope = (typeof openIdScopes)[number]['name'];
export const standardScopes: readonly StandardScope[] = openIdScopes.map((scope) => scope.name);

export function isStandardScope(scope: string): boolean {
  return (standardScopes as readonly string[]).includes(scope);
}

/** Scope tokens per RFC 6749 §3.3: printable ASCII except space, double quote and backslash. */
export const scopeTokenPattern = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
