import { createHash } from 'node:crypto';
import { constantTimeEqual } from '../../shared/constant-time.js';
import { isWellFormedSecret } from '../../shared/opaque-secret.js';
import { OAuthError } from '../errors.js';
import { param } from '../messages.js';
import { formatRefreshToken, newRefreshSecret } from '../tokens/refresh-token.js';
import type { GrantHandler, TokenResponse } from './grant-handler.js';
import { apisOf, grantUser, changeGrantAndStoreToken, grantClaims, mayIssueRefreshToken, userTokenResponse } from './issue.js';

/** RFC 7636 §4.1: 43 to 128 unreserved characters. */
const codeVerifierPattern = /^[A-Za-z0-9._~-]{43,128}$/;

/** RFC 7636 §4.6: S256 is BASE64URL(SHA256(ASCII(code_verifier))). */
export function s256(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/** The authorization code grant (RFC 6749 §4.1.3), with PKCE (RFC 7636) and replay revocation. */
export const authorizationCodeGrant: GrantHandler = {
  grantType: 'authorization_code',

  // Seed 002 "Require Secret for Web Server Flow" off: the app redeems codes without its secret.
  mayOmitSecret: (client) => !client.app.settings.security.requireSecretForWebServerFlow,

  async handle({ request, client, now, deps }): Promise<TokenResponse> {
    const code = param(request.body, 'code');
    const redirectUri = param(request.body, 'redirect_uri');
    const verifier = param(request.body, 'code_verifier');
    if (!code) throw new OAuthError('invalid_request', 'the code parameter is missing (RFC 6749 §4.1.3)');
    if (!isWellFormedSecret(code, 'ac')) throw new OAuthError('invalid_grant', 'the authorization code is not one this server issued');

    const grant = await deps.storage.grants.getByCodeHash(deps.tokenHasher.hash(code));
    if (!grant) throw new OAuthError('invalid_grant', 'the authorization code is unknown or has been swept after it expired');
    if (grant.clientId !== client.clientId) {
      throw new OAuthError('invalid_grant', 'the authorization code was issued to another client (RFC 6749 §4.1.3)');
    }
    if (grant.codeConsumedAt !== null || grant.revokedAt !== null) {
      // RFC 6749 §4.1.2 and RFC 9700 §4.5: a code used twice revokes what it issued.
      if (await deps.storage.grants.revoke(grant.id, now)) {
        deps.events.publish({ type: 'code.replay_detected', orgId: client.app.orgId, clientId: client.clientId, grantId: grant.id });
      }
      throw new OAuthError('invalid_grant', 'the authorization code was already used; the tokens it issued are now revoked (RFC 6749 §4.1.2)');
    }
    if ((grant.codeExpiresAt ?? 0) <= now) throw new OAuthError('invalid_grant', 'the authorization code has expired (it lives 60 seconds)');
    // RFC 6749 §4.1.3: identical to the redirect_uri of the authorization request. That is the URI
    // as presented there, so a native app's loopback port must be the same one it authorized with.
    if (grant.redirectUri !== null && redirectUri !== grant.redirectUri) {
      throw new OAuthError(
        'invalid_grant',
        redirectUri === undefined
          ? 'redirect_uri is required: the authorization request included it (RFC 6749 §4.1.3)'
          : 'redirect_uri does not match the one in the authorization request (RFC 6749 §4.1.3)',
      );
    }
    if (grant.codeChallenge !== null) {
      if (!verifier) throw new OAuthError('invalid_grant', 'code_verifier is required: the authorization request had a code_challenge (RFC 7636 §4.5)');
      if (!codeVerifierPattern.test(verifier)) {
        throw new OAuthError('invalid_grant', 'code_verifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~ (RFC 7636 §4.1)');
      }
      if (!constantTimeEqual(s256(verifier), grant.codeChallenge)) {
        throw new OAuthError('invalid_grant', 'code_verifier does not match the code_challenge (RFC 7636 §4.6)');
      }
    } else if (verifier !== undefined) {
      throw new OAuthError('invalid_grant', 'the code was issued without a code_challenge, so no code_verifier may be sent (RFC 9700 §4.8.2)');
    }

    const user = await grantUser(deps, grant.userId);
    const apis = await apisOf(deps, client, grant.audiences);

    const accessToken = await deps.tokens.issueAccessToken({
      client,
      subject: user.id,
      scope: grant.scope,
      apis,
      grantId: grant.id,
      authTime: grant.authTime,
      amr: grant.amr,
      now,
      extraClaims: grantClaims(grant),
    });
    const refreshSecret = mayIssueRefreshToken(client.app.settings.grantTypes, grant.scope, apis) ? newRefreshSecret() : null;
    const refreshExpiresAt = now + client.app.settings.refreshToken.ttlMinutes * 60_000;
    const redeemed = await changeGrantAndStoreToken(deps, accessToken, (grants) =>
      grants.redeemCode(
        grant.id,
        now,
        refreshSecret ? { hash: deps.tokenHasher.hash(refreshSecret), expiresAt: refreshExpiresAt } : null,
        Math.max(accessToken.expiresAt, refreshSecret ? refreshExpiresAt : 0),
      ),
    );
    if (!redeemed) {
      // Another redemption of the same code won the race: this one is the replay.
      await deps.storage.grants.revoke(grant.id, now);
      deps.events.publish({ type: 'code.replay_detected', orgId: client.app.orgId, clientId: client.clientId, grantId: grant.id });
      throw new OAuthError('invalid_grant', 'the authorization code was already used; the tokens it issued are now revoked (RFC 6749 §4.1.2)');
    }

    const response = await userTokenResponse(deps, {
      client,
      user,
      scope: grant.scope,
      accessToken,
      refreshToken: refreshSecret ? formatRefreshToken(grant.id, refreshSecret) : null,
      authentication: { authTime: grant.authTime, amr: grant.amr, nonce: grant.nonce, sid: grant.sessionSid },
      extraClaims: grantClaims(grant),
      now,
    });
    deps.events.publish({ type: 'token.issued', orgId: client.app.orgId, clientId: client.clientId, grantType: 'authorization_code' });
    return response;
  },
};
