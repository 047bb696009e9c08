import type { ApiRecord } from '../../ports/api-repository.js';
import type { OAuthClient, ResourceDirectory, UserDirectory } from '../../ports/directories.js';
import type { UserRecord } from '../../ports/identity-repositories.js';
import type { RefreshInstallation, TokenStore, TokenWrites } from '../../ports/oauth-repositories.js';
import type { SecretHasher } from '../../shared/opaque-secret.js';
import { OAuthError } from '../errors.js';
import { isReservedApi, mayUseReservedApi } from '../scopes.js';
import { formatRefreshToken, newRefreshSecret, successorSecret } from '../tokens/refresh-token.js';
import type { IssuedAccessToken, TokenIssuer } from '../tokens/token-issuer.js';
import type { Authorization, GrantChange, TokenResponse } from './grant-handler.js';
import { directGrant } from './user-grant.js';

/**
 * The APIs a grant was authorized for, as they are now: an API deleted since voids the grant, and
 * so does the management API once the app is no longer allowed it.
 */
export async function apisOf(deps: { resources: Pick<ResourceDirectory, 'getApi'> }, client: OAuthClient, audiences: readonly string[]): Promise<ApiRecord[]> {
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
export async function grantUser(deps: { users: Pick<UserDirectory, 'getUser'> }, userId: string): Promise<UserRecord> {
  const user = await deps.users.getUser(userId);
  if (!user) throw new OAuthError('invalid_grant', 'the user of this authorization no longer exists');
  if (user.disabledAt !== null) throw new OAuthError('invalid_grant', 'the user of this authorization is disabled');
  return user;
}

/**
 * A refresh token only if the app enables the refresh grant, the grant includes offline_access,
 * and every API it is for allows offline access.
 */
export function mayIssueRefreshToken(grantTypes: readonly string[], scope: readonly string[], apis: readonly ApiRecord[]): boolean {
  return grantTypes.includes('refresh_token') && scope.includes('offline_access') && apis.every((api) => api.allowOfflineAccess);
}

/** Claims a grant adds to its tokens: `org_id` when the user signed in to an organization. */
export function grantClaims(grant: { orgId: string | null }): Record<string, string> {
  return grant.orgId ? { org_id: grant.orgId } : {};
}

/** What issuing tokens uses: the token issuer, the hashers, and the writes. */
export interface IssueDependencies {
  tokens: Pick<TokenIssuer, 'issueAccessToken' | 'issueIdToken'>;
  tokenHasher: SecretHasher;
  successorKey: SecretHasher;
  tokenStore: TokenStore;
}

interface Issued {
  accessToken: IssuedAccessToken;
  /** RFC 9449 §5: the DPoP key a public client's new refresh tokens are bound to; null when unbound. */
  refreshJkt: string | null;
  refreshSecret: string | null;
  /** The refresh token to install with the change, when the change installs one. */
  refresh: RefreshInstallation | null;
  now: number;
}

/** The one write of a change; false when a parallel request won its condition. */
function applyChange(writes: TokenWrites, change: GrantChange, issued: Issued): Promise<boolean> {
  const { accessToken, refresh, now } = issued;
  switch (change.kind) {
    case 'none':
      return Promise.resolve(true);
    case 'redeem-code':
      return writes.grants.redeemCode(change.grantId, now, refresh, Math.max(accessToken.expiresAt, refresh?.expiresAt ?? 0), issued.refreshJkt);
    case 'rotate-refresh':
      return writes.grants.rotateRefresh(change.grant.id, change.grant.refreshHash ?? '', refresh!, now, Math.max(refresh!.expiresAt, accessToken.expiresAt));
    case 'create-grant':
      return createGrant(writes, change, issued);
  }
}

async function createGrant(writes: TokenWrites, change: Extract<GrantChange, { kind: 'create-grant' }>, issued: Issued): Promise<boolean> {
  if (change.consumeDeviceCode !== null && !(await writes.deviceCodes.consume(change.consumeDeviceCode))) return false;
  await writes.grants.insert(
    directGrant({ ...change.grant, now: issued.now, expiresAt: issued.accessToken.expiresAt, refresh: issued.refresh, dpopJkt: issued.refreshJkt }),
  );
  return true;
}

/**
 * A grant's change (code redeemed, refresh token rotated, grant created) and the opaque access
 * token it issued, atomically. A lone conditional UPDATE is atomic by itself: with a JWT access
 * token it runs without a transaction, two round trips fewer on PostgreSQL.
 */
async function persist(deps: IssueDependencies, change: GrantChange, issued: Issued): Promise<boolean> {
  const record = issued.accessToken.record;
  const single = change.kind === 'redeem-code' || change.kind === 'rotate-refresh' || change.kind === 'none';
  if (!record && single) return applyChange(deps.tokenStore, change, issued);
  if (change.kind === 'none') {
    await deps.tokenStore.accessTokens.insert(record!);
    return true;
  }
  return deps.tokenStore.transaction(async (tx) => {
    const won = await applyChange(tx, change, issued);
    if (won && record) await tx.accessTokens.insert(record);
    return won;
  });
}

function refreshSecretOf(deps: IssueDependencies, authorization: Authorization): string | null {
  const { refresh } = authorization;
  const grantId = authorization.accessToken.grantId;
  if (refresh.kind === 'none' || grantId === null) return null;
  return refresh.kind === 'new' ? newRefreshSecret(deps.successorKey, grantId) : successorSecret(deps.successorKey, grantId, refresh.of);
}

/**
 * Turns what a grant validated into tokens: mints the access token, persists it with the
 * grant's change, and adds the refresh token and, when openid was granted, the ID token
 * (RFC 6749 §5.1; OIDC Core §3.1.3.3, §12.2). With a DPoP proof (`dpopJkt`, its key's
 * thumbprint) the access token is bound to that key (RFC 9449 §5, §6), and so are a public
 * client's new refresh tokens; a confidential client's are not, as it authenticates anyway.
 */
export async function issueTokens(deps: IssueDependencies, authorization: Authorization, now: number, dpopJkt: string | null = null): Promise<TokenResponse> {
  const { client, change } = authorization;
  const accessToken = await deps.tokens.issueAccessToken({ client, now, ...authorization.accessToken, ...(dpopJkt !== null ? { dpopJkt } : {}) });
  const refreshSecret = refreshSecretOf(deps, authorization);
  const { refresh: decision } = authorization;
  // A new or rotated refresh token is installed by the change; a retry's successor already is.
  const refresh =
    refreshSecret !== null && decision.kind !== 'none' && change.kind !== 'none'
      ? { hash: deps.tokenHasher.hash(refreshSecret), expiresAt: now + decision.ttlMinutes * 60_000 }
      : null;
  const refreshJkt = client.kind === 'public' ? dpopJkt : null;
  const issued: Issued = { accessToken, refreshJkt, refreshSecret, refresh, now };
  if (!(await persist(deps, change, issued))) {
    await conflictOf(change, refreshSecret);
    // The tokens stand all the same (a retry within the window): store the access token alone.
    if (accessToken.record) await deps.tokenStore.accessTokens.insert(accessToken.record);
  }
  return tokenResponse(deps, authorization, issued);
}

function conflictOf(change: GrantChange, refreshSecret: string | null): Promise<void> {
  switch (change.kind) {
    case 'none':
      return Promise.resolve();
    case 'rotate-refresh':
      return change.conflict(refreshSecret ?? '');
    case 'redeem-code':
    case 'create-grant':
      return change.conflict();
  }
}

async function tokenResponse(deps: IssueDependencies, authorization: Authorization, issued: Issued): Promise<TokenResponse> {
  const { accessToken, refreshSecret, now } = issued;
  const scope = authorization.accessToken.scope;
  const grantId = authorization.accessToken.grantId;
  const common = { token_type: accessToken.dpopBound ? 'DPoP' : 'Bearer', expires_in: accessToken.expiresIn, scope: scope.join(' ') } as const;
  const response: TokenResponse =
    authorization.issuedTokenType !== undefined
      ? { access_token: accessToken.token, issued_token_type: authorization.issuedTokenType, ...common }
      : { access_token: accessToken.token, ...common };
  if (refreshSecret !== null && grantId !== null) response.refresh_token = formatRefreshToken(grantId, refreshSecret);
  const { user, idToken } = authorization;
  if (user && idToken && scope.includes('openid')) {
    response.id_token = await deps.tokens.issueIdToken({
      client: authorization.client,
      user,
      scope,
      ...idToken.authentication,
      accessToken: accessToken.token,
      now,
      ...(idToken.extraClaims ? { extraClaims: idToken.extraClaims } : {}),
      ...(idToken.claims ? { claims: idToken.claims } : {}),
    });
  }
  return response;
}
