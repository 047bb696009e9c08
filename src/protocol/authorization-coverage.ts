import type { OAuthClient } from '../ports/directories.js';
import type { PreAuthorizationRecord, PreAuthorizationRepository } from '../ports/preauthorization-repository.js';
import type { Role } from '../ports/org-repositories.js';
import type { ConsentRepository } from '../ports/oauth-repositories.js';
import type { OrganizationDirectory } from './context.js';
import { userClaimScopes } from './tokens/claims.js';

/**
 * What a consent or a pre-authorization must cover for a request: its scopes, the APIs they are
 * for, and the user claims asked for by name beyond those scopes (the claims parameter, OIDC Core §5.5).
 */
export function consentItems(scope: readonly string[], audiences: readonly string[], claims: readonly string[] = []): string[] {
  return [...scope, ...audiences.map((audience) => `aud:${audience}`), ...claims.map((claim) => `claim:${claim}`)];
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

export interface AuthorizationCoverageDependencies {
  consents: Pick<ConsentRepository, 'get'>;
  preAuthorizations: Pick<PreAuthorizationRepository, 'listForApp'>;
  organizations: Pick<OrganizationDirectory, 'roleOf'>;
}

/**
 * How the user authorized the app for these scopes, APIs and claims, if they did: their own remembered
 * consent, or an administrator's pre-authorization (RFC 7523 §2.1 leaves that policy to the
 * server; RFC 9700 §4.15). Membership in the app's organization and the first-party flag are not
 * authorizations.
 */
export async function authorizationOf(
  deps: AuthorizationCoverageDependencies,
  client: OAuthClient,
  userId: string,
  scope: readonly string[],
  audiences: readonly string[],
  claims: readonly string[] = [],
): Promise<Authorization | null> {
  const consent = await deps.consents.get(userId, client.clientId);
  if (consent) {
    const granted = new Set(consent.scopes);
    if (consentItems(scope, audiences, claims).every((item) => granted.has(item))) return 'consent';
  }
  const preAuthorizations = await deps.preAuthorizations.listForApp(client.clientId);
  if (preAuthorizations.length === 0) return null;
  const role = await deps.organizations.roleOf(client.app.orgId, userId);
  // A pre-authorization names scopes: it covers a claim asked for by name when it names the claim's scope.
  const covered = [...new Set([...scope, ...claims.map((claim) => userClaimScopes[claim]!)])];
  return preAuthorizations.some((record) => preAuthorizationCovers(record, userId, role, covered, audiences)) ? 'pre-authorization' : null;
}
