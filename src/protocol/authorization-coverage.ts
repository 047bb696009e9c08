import type { OAuthClient } from '../ports/directories.js';
import type { PreAuthorizationRecord } from '../ports/preauthorization-repository.js';
import type { Role } from '../ports/org-repositories.js';
import type { Storage } from '../ports/storage.js';
import type { OrganizationDirectory } from './context.js';

/** What a consent or a pre-authorization must cover for a request: its scopes, and the APIs they are for. */
export function consentItems(scope: readonly string[], audiences: readonly string[]): string[] {
  return [...scope, ...audiences.map((audience) => `aud:${audience}`)];
}

/**
 * Whether an administrator's pre-authorization covers the user for these scopes and APIs: it names
 * the user or a role they hold in the app's organization, and lists every scope and API asked
 * for. One made by an organization administrator covers only the organization's members.
 */
export function preAuthorizationCovers(
  record: PreAuthorizationRecord,
  userId: string,
  role: Role | null,
  scope: readonly string[],
  audiences: readonly string[],
): boolean {
  if (record.authority === 'organization' && role === null) return false;
  const names = record.userId !== null ? record.userId === userId : record.role !== null && record.role === role;
  if (!names) return false;
  return scope.every((name) => record.scopes.includes(name)) && audiences.every((audience) => record.audiences.includes(audience));
}

export type Authorization = 'consent' | 'pre-authorization';

/**
 * How the user authorized the app for these scopes and APIs, if they did: their own remembered
 * consent, or an administrator's pre-authorization (RFC 7523 §2.1 leaves that policy to the
 * server; RFC 9700 §4.15). Membership in the app's organization and the first-party flag are not
 * authorizations.
 */
export async function authorizationOf(
  deps: { storage: Pick<Storage, 'consents' | 'preAuthorizations'>; organizations: Pick<OrganizationDirectory, 'roleOf'> },
  client: OAuthClient,
  userId: string,
  scope: readonly string[],
  audiences: readonly string[],
): Promise<Authorization | null> {
  const consent = await deps.storage.consents.get(userId, client.clientId);
  if (consent) {
    const granted = new Set(consent.scopes);
    if (consentItems(scope, audiences).every((item) => granted.has(item))) return 'consent';
  }
  const preAuthorizations = await deps.storage.preAuthorizations.listForApp(client.clientId);
  if (preAuthorizations.length === 0) return null;
  const role = await deps.organizations.roleOf(client.app.orgId, userId);
  return preAuthorizations.some((record) => preAuthorizationCovers(record, userId, role, scope, audiences)) ? 'pre-authorization' : null;
}
