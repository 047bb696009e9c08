import type { GrantRecord } from '../../ports/oauth-repositories.js';
import { OAuthError } from '../errors.js';
import { param, parseScope } from '../messages.js';
import { formatRefreshToken, isAncestor, parseRefreshToken, successorSecret } from '../tokens/refresh-token.js';
import type { GrantContext, GrantHandler, TokenResponse } from './grant-handler.js';
import { apisOf, grantUser, changeGrantAndStoreToken, grantClaims, userTokenResponse } from './issue.js';

const rotatedOut = 'this refresh token was rotated out and used again, so the whole family is revoked (RFC 9700 §4.14.2)';

async function revokeFamily(context: GrantContext, grant: GrantRecord): Promise<never> {
  if (await context.deps.storage.grants.revoke(grant.id, context.now)) {
    context.deps.events.publish({ type: 'refresh.reuse_detected', orgId: context.client.app.orgId, clientId: context.client.clientId, grantId: grant.id });
  }
  throw new OAuthError('invalid_grant', rotatedOut);
}

/**
 * The refresh token grant (RFC 6749 §6): rotation per the app's setting, with an optional retry
 * window; reuse of a rotated-out token revokes the family and its access tokens; the scope may
 * narrow, never widen.
 */
export const refreshTokenGrant: GrantHandler = {
  grantType: 'refresh_token',

  // Seed 002 "Require Secret for Refresh Token Flow" off: refresh without the secret.
  mayOmitSecret: (client) => !client.app.settings.refreshToken.requireSecret,

  async handle(context): Promise<TokenResponse> {
    const { request, client, now, deps } = context;
    const presented = param(request.body, 'refresh_token');
    if (!presented) throw new OAuthError('invalid_request', 'the refresh_token parameter is missing (RFC 6749 §6)');
    const parsed = parseRefreshToken(presented);
    if (!parsed) throw new OAuthError('invalid_grant', 'the refresh token is not one this server issued');
    const grant = await deps.storage.grants.get(parsed.grantId);
    if (!grant || grant.refreshHash === null) throw new OAuthError('invalid_grant', 'the refresh token is unknown, expired or revoked');
    if (grant.clientId !== client.clientId) throw new OAuthError('invalid_grant', 'the refresh token was issued to another client (RFC 6749 §6)');
    if (grant.revokedAt !== null) throw new OAuthError('invalid_grant', 'the refresh token has been revoked');

    const settings = client.app.settings.refreshToken;
    const isCurrent = deps.tokenHasher.matches(parsed.secret, grant.refreshHash);
    const isRetry =
      !isCurrent &&
      settings.reuseIntervalSeconds > 0 &&
      grant.refreshPreviousHash !== null &&
      deps.tokenHasher.matches(parsed.secret, grant.refreshPreviousHash) &&
      now - (grant.refreshRotatedAt ?? 0) <= settings.reuseIntervalSeconds * 1000;
    if (!isCurrent && !isRetry) {
      if (isAncestor(deps.successorKey, deps.tokenHasher, parsed.secret, grant.refreshHash, grant.refreshGeneration)) {
        return revokeFamily(context, grant);
      }
      throw new OAuthError('invalid_grant', 'the refresh token is not valid');
    }
    if ((grant.refreshExpiresAt ?? 0) <= now) throw new OAuthError('invalid_grant', 'the refresh token has expired');

    // RFC 6749 §6: the new access token's scope may narrow; the refresh token keeps the original.
    const requested = request.body.has('scope') ? parseScope(param(request.body, 'scope')) : grant.scope;
    const widened = requested.filter((scope) => !grant.scope.includes(scope));
    if (widened.length > 0) {
      throw new OAuthError('invalid_scope', `a refresh can only narrow the scope; ${widened.join(' ')} was not granted (RFC 6749 §6)`);
    }
    const user = await grantUser(deps, grant.userId);
    const apis = await apisOf(deps, client, grant.audiences);
    const accessToken = await deps.tokens.issueAccessToken({
      client,
      subject: user.id,
      scope: requested,
      apis,
      grantId: grant.id,
      authTime: grant.authTime,
      amr: grant.amr,
      now,
      extraClaims: grantClaims(grant),
    });

    let refreshToken: string | undefined;
    if (isRetry) {
      // A client that lost the response gets the same successor back, not a new branch.
      refreshToken = formatRefreshToken(grant.id, successorSecret(deps.successorKey, parsed.secret));
      if (accessToken.record) await deps.storage.accessTokens.insert(accessToken.record);
    } else if (settings.rotation) {
      const next = successorSecret(deps.successorKey, parsed.secret);
      const refreshExpiresAt = now + settings.ttlMinutes * 60_000;
      const rotated = await changeGrantAndStoreToken(deps, accessToken, (grants) =>
        grants.rotateRefresh(
          grant.id,
          grant.refreshHash!,
          { hash: deps.tokenHasher.hash(next), expiresAt: refreshExpiresAt },
          now,
          Math.max(refreshExpiresAt, accessToken.expiresAt),
        ),
      );
      if (!rotated) {
        // A parallel refresh with the same token rotated first: this request is a reuse.
        const latest = await deps.storage.grants.get(grant.id);
        const withinWindow =
          latest !== undefined &&
          latest.revokedAt === null &&
          settings.reuseIntervalSeconds > 0 &&
          latest.refreshHash !== null &&
          deps.tokenHasher.matches(next, latest.refreshHash) &&
          now - (latest.refreshRotatedAt ?? 0) <= settings.reuseIntervalSeconds * 1000;
        if (!withinWindow) return revokeFamily(context, grant);
        if (accessToken.record) await deps.storage.accessTokens.insert(accessToken.record);
      }
      refreshToken = formatRefreshToken(grant.id, next);
    } else if (accessToken.record) {
      await deps.storage.accessTokens.insert(accessToken.record);
    }

    // OIDC Core §12.2: a refreshed ID token keeps sub and auth_time, and carries no nonce.
    const response = await userTokenResponse(deps, {
      client,
      user,
      scope: requested,
      accessToken,
      refreshToken: refreshToken ?? null,
      authentication: { authTime: grant.authTime, amr: grant.amr, nonce: null, sid: grant.sessionSid },
      extraClaims: grantClaims(grant),
      now,
    });
    deps.events.publish({ type: 'token.issued', orgId: client.app.orgId, clientId: client.clientId, grantType: 'refresh_token' });
    return response;
  },
};
