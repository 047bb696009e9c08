import type { ApiRecord } from '../../ports/api-repository.js';
import type { ProtocolDependencies } from '../context.js';
import { OAuthError } from '../errors.js';

/** The APIs a grant was authorized for, as they are now; an API deleted since voids the grant. */
export async function apisOf(deps: ProtocolDependencies, audiences: readonly string[]): Promise<ApiRecord[]> {
  const apis: ApiRecord[] = [];
  for (const audience of audiences) {
    const api = await deps.resources.getApi(audience);
    if (!api) throw new OAuthError('invalid_grant', `the API ${audience} this grant was for no longer exists`);
    apis.push(api);
  }
  return apis;
}

/**
 * PRODUCT B5 and seed 004: a refresh token only if the app enables them, the grant includes
 * offline_access, and every API it is for allows offline access.
 */
export function mayIssueRefreshToken(grantTypes: readonly string[], scope: readonly string[], apis: readonly ApiRecord[]): boolean {
  return grantTypes.includes('refresh_token') && scope.includes('offline_access') && apis.every((api) => api.allowOfflineAccess);
}

/** Claims a grant adds to its tokens: `org_id` when the user signed in to an organization (seed 004). */
export function grantClaims(grant: { orgId: string | null }): Record<string, string> {
  return grant.orgId ? { org_id: grant.orgId } : {};
}
