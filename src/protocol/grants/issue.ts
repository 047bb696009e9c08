import type { ApiRecord } from '../../ports/api-repository.js';
import type { JsonValue } from '../../ports/app-repositories.js';
import type { OAuthClient } from '../../ports/directories.js';
import type { UserRecord } from '../../ports/identity-repositories.js';
import type { Storage } from '../../ports/storage.js';
import type { ProtocolDependencies } from '../context.js';
import { OAuthError } from '../errors.js';
import { isReservedApi, mayUseReservedApi } from '../scopes.js';
import type { IssuedAccessToken } from '../tokens/token-issuer.js';
import type { TokenResponse } from './grant-handler.js';

/**
 * The APIs a grant was authorized for, as they are now: an API deleted since voids the grant, and
 * so does the management API once the app is no longer allowed it.
 */
export async function apisOf(deps: ProtocolDependencies, client: OAuthClient, audiences: readonly string[]): Promise<ApiRecord[]> {
  const apis: ApiRecord[] = [];
  for (const audience of audiences) {
    const api = await deps.resources.getApi(audience);
    if (!api) throw new OAuthError('invalid_grant', `the API ${audience} this grant was for no longer exists`);
    if (isReservedApi(api) && !mayUseReservedApi(client)) {
      throw new OAuthError('invalid_grant', `this app is no longer allowed tokens for the Latchkey management API (${audience})`);
    }
    apis.push(api);
  }
  return apis;
}

/** The user a grant is for, while they exist and are not disabled. */
export async function grantUser(deps: ProtocolDependencies, userId: string): Promise<UserRecord> {
  const user = await deps.users.getUser(userId);
  if (!user) throw new OAuthError('invalid_grant', 'the user of this authorization no longer exists');
  if (user.disabledAt !== null) throw new OAuthError('invalid_grant', 'the user of this authorization is disabled');
  return user;
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

/**
 * A grant's conditional change (code redeemed, refresh token rotated) and, when it wins, the
 * opaque access token it issued. A JWT access token is not stored, and then the one conditional
 * UPDATE is atomic by itself: no transaction, two round trips fewer on PostgreSQL.
 */
export async function changeGrantAndStoreToken(
  deps: ProtocolDependencies,
  accessToken: IssuedAccessToken,
  change: (grants: Storage['grants']) => Promise<boolean>,
): Promise<boolean> {
  const record = accessToken.record;
  if (!record) return change(deps.storage.grants);
  return deps.storage.transaction(async (tx) => {
    const won = await change(tx.grants);
    if (won) await tx.accessTokens.insert(record);
    return won;
  });
}

/**
 * The token response of a user grant (RFC 6749 §5.1): the access token, the refresh token if one
 * was issued, and an ID token when openid was granted (OIDC Core §3.1.3.3, §12.2).
 */
export async function userTokenResponse(
  deps: ProtocolDependencies,
  fields: {
    client: OAuthClient;
    user: UserRecord;
    scope: readonly string[];
    accessToken: IssuedAccessToken;
    refreshToken?: string | null;
    authentication: { authTime: number; amr: readonly string[]; nonce: string | null; sid: string | null };
    extraClaims?: Record<string, JsonValue>;
    now: number;
  },
): Promise<TokenResponse> {
  const response: TokenResponse = {
    access_token: fields.accessToken.token,
    token_type: 'Bearer',
    expires_in: fields.accessToken.expiresIn,
    scope: fields.scope.join(' '),
  };
  if (fields.refreshToken) response.refresh_token = fields.refreshToken;
  if (fields.scope.includes('openid')) {
    response.id_token = await deps.tokens.issueIdToken({
      client: fields.client,
      user: fields.user,
      scope: fields.scope,
      ...fields.authentication,
      accessToken: fields.accessToken.token,
      now: fields.now,
      ...(fields.extraClaims ? { extraClaims: fields.extraClaims } : {}),
    });
  }
  return response;
}
