import { createHash } from 'node:crypto';
import type { ResourceDirectory, UserDirectory } from '../../ports/directories.js';
import type { DomainEvents } from '../../ports/domain-events.js';
import type { GrantRecord, GrantRepository } from '../../ports/oauth-repositories.js';
import { constantTimeEqual } from '../../shared/constant-time.js';
import { isWellFormedSecret, type SecretHasher } from '../../shared/opaque-secret.js';
import type { DpopProof } from '../dpop/proof.js';
import { OAuthError } from '../errors.js';
import { param } from '../messages.js';
import type { Authorization, GrantContext, GrantHandler } from './grant-handler.js';
import { apisOf, grantClaims, grantUser, mayIssueRefreshToken } from './issue.js';

/** RFC 7636 §4.1: 43 to 128 unreserved characters. */
const codeVerifierPattern = /^[A-Za-z0-9._~-]{43,128}$/;

/** RFC 7636 §4.6: S256 is BASE64URL(SHA256(ASCII(code_verifier))). */
export function s256(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

export interface AuthorizationCodeDependencies {
  grants: Pick<GrantRepository, 'getByCodeHash' | 'revoke'>;
  tokenHasher: SecretHasher;
  users: Pick<UserDirectory, 'getUser'>;
  resources: Pick<ResourceDirectory, 'getApi'>;
  events: Pick<DomainEvents, 'publish'>;
}

const replayed = 'the authorization code was already used; the tokens it issued are now revoked (RFC 6749 §4.1.2)';

/** RFC 6749 §4.1.2 and RFC 9700 §4.5: a code used twice revokes what it issued. */
function revokeReplayed(context: GrantContext<AuthorizationCodeDependencies>, grant: GrantRecord, revoked: boolean): never {
  const { client, deps } = context;
  if (revoked) deps.events.publish({ type: 'code.replay_detected', orgId: client.app.orgId, clientId: client.clientId, grantId: grant.id });
  throw new OAuthError('invalid_grant', replayed);
}

/** RFC 6749 §4.1.3: identical to the redirect_uri of the authorization request, as presented there. */
function checkRedirectUri(grant: GrantRecord, redirectUri: string | undefined): void {
  if (grant.redirectUri === null || redirectUri === grant.redirectUri) return;
  throw new OAuthError(
    'invalid_grant',
    redirectUri === undefined
      ? 'redirect_uri is required: the authorization request included it (RFC 6749 §4.1.3)'
      : 'redirect_uri does not match the one in the authorization request (RFC 6749 §4.1.3)',
  );
}

/** RFC 7636 §4.5, §4.6, and RFC 9700 §4.8.2: the verifier goes with a challenge, and only then. */
function checkVerifier(grant: GrantRecord, verifier: string | undefined): void {
  if (grant.codeChallenge === null) {
    if (verifier !== undefined) {
      throw new OAuthError('invalid_grant', 'the code was issued without a code_challenge, so no code_verifier may be sent (RFC 9700 §4.8.2)');
    }
    return;
  }
  if (!verifier) throw new OAuthError('invalid_grant', 'code_verifier is required: the authorization request had a code_challenge (RFC 7636 §4.5)');
  if (!codeVerifierPattern.test(verifier)) {
    throw new OAuthError('invalid_grant', 'code_verifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~ (RFC 7636 §4.1)');
  }
  if (!constantTimeEqual(s256(verifier), grant.codeChallenge)) {
    throw new OAuthError('invalid_grant', 'code_verifier does not match the code_challenge (RFC 7636 §4.6)');
  }
}

/** RFC 9449 §10: a code issued for a DPoP key (dpop_jkt) is redeemed only with a proof of that key. */
function checkDpopBinding(grant: GrantRecord, proof: DpopProof | null): void {
  if (grant.dpopJkt === null) return;
  if (proof === null) {
    throw new OAuthError('invalid_grant', 'the authorization code is bound to a DPoP key (dpop_jkt): redeem it with a DPoP proof of that key (RFC 9449 §10)');
  }
  if (proof.jkt !== grant.dpopJkt) {
    throw new OAuthError('invalid_grant', 'the DPoP proof is made with another key than the one the authorization code is bound to (dpop_jkt, RFC 9449 §10)');
  }
}

async function redeemableGrant(context: GrantContext<AuthorizationCodeDependencies>, code: string): Promise<GrantRecord> {
  const { client, now, deps } = context;
  const grant = await deps.tokenHasher.findByHash(code, (hash) => deps.grants.getByCodeHash(hash));
  if (!grant) throw new OAuthError('invalid_grant', 'the authorization code is unknown or has been swept after it expired');
  if (grant.clientId !== client.clientId) {
    throw new OAuthError('invalid_grant', 'the authorization code was issued to another client (RFC 6749 §4.1.3)');
  }
  if (grant.codeConsumedAt !== null || grant.revokedAt !== null) return revokeReplayed(context, grant, await deps.grants.revoke(grant.id, now));
  if ((grant.codeExpiresAt ?? 0) <= now) throw new OAuthError('invalid_grant', 'the authorization code has expired (it lives 60 seconds)');
  return grant;
}

/** The authorization code grant (RFC 6749 §4.1.3), with PKCE (RFC 7636) and replay revocation. */
export const authorizationCodeGrant: GrantHandler<AuthorizationCodeDependencies> = {
  grantType: 'authorization_code',
  parameters: ['code', 'redirect_uri', 'code_verifier'],
  client: { kind: 'any' },

  // "Require secret for the web server flow" off: the app redeems codes without its secret.
  mayOmitSecret: (client) => !client.policy.security.requireSecretForWebServerFlow,

  async validate(context): Promise<Authorization> {
    const { form, client, now, deps } = context;
    const code = param(form, 'code');
    if (!code) throw new OAuthError('invalid_request', 'the code parameter is missing (RFC 6749 §4.1.3)');
    if (!isWellFormedSecret(code, 'ac')) throw new OAuthError('invalid_grant', 'the authorization code is not one this server issued');
    const grant = await redeemableGrant(context, code);
    checkRedirectUri(grant, param(form, 'redirect_uri'));
    checkVerifier(grant, param(form, 'code_verifier'));
    checkDpopBinding(grant, context.proof);

    const user = await grantUser(deps, grant.userId);
    const apis = await apisOf(deps, client, grant.audiences);
    const claims = grantClaims(grant);
    return {
      client,
      accessToken: { subject: user.id, scope: grant.scope, apis, grantId: grant.id, authTime: grant.authTime, amr: grant.amr, extraClaims: claims },
      user,
      idToken: {
        authentication: { authTime: grant.authTime, amr: grant.amr, nonce: grant.nonce, sid: grant.sessionSid },
        extraClaims: claims,
        ...(grant.claims?.id_token ? { claims: grant.claims.id_token } : {}),
      },
      refresh: mayIssueRefreshToken(client.policy.grantTypes, grant.scope, apis)
        ? { kind: 'new', ttlMinutes: client.policy.refreshToken.ttlMinutes }
        : { kind: 'none' },
      change: {
        kind: 'redeem-code',
        grantId: grant.id,
        // Another redemption of the same code won the race: this one is the replay.
        conflict: async () => {
          await deps.grants.revoke(grant.id, now);
          return revokeReplayed(context, grant, true);
        },
      },
    };
  },
};
