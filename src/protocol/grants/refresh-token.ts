import type { ResourceDirectory, UserDirectory } from '../../ports/directories.js';
import type { DomainEvents } from '../../ports/domain-events.js';
import type { GrantRecord, GrantRepository } from '../../ports/oauth-repositories.js';
import type { SecretHasher } from '../../shared/opaque-secret.js';
import { mayUseApp, privateAppRefusal, type AppAccessDependencies } from '../app-access.js';
import type { DpopProof } from '../dpop/proof.js';
import { OAuthError } from '../errors.js';
import { param, parseScope } from '../messages.js';
import { classifyRefreshToken, refreshFamilyFacts } from '../tokens/refresh-family.js';
import { parseRefreshToken } from '../tokens/refresh-token.js';
import type { Authorization, GrantChange, GrantContext, GrantHandler, RefreshDecision } from './grant-handler.js';
import { apisOf, grantClaims, grantUser } from './issue.js';

export interface RefreshTokenDependencies extends AppAccessDependencies {
  grants: Pick<GrantRepository, 'get' | 'revoke'>;
  tokenHasher: SecretHasher;
  successorKey: SecretHasher;
  users: Pick<UserDirectory, 'getUser'>;
  resources: Pick<ResourceDirectory, 'getApi'>;
  events: Pick<DomainEvents, 'publish'>;
}

type Context = GrantContext<RefreshTokenDependencies>;

const rotatedOut = 'this refresh token was rotated out and used again, so the whole family is revoked (RFC 9700 §4.14.2)';

async function revokeFamily(context: Context, grant: GrantRecord): Promise<never> {
  if (await context.deps.grants.revoke(grant.id, context.now)) {
    context.deps.events.publish({ type: 'refresh.reuse_detected', orgId: context.client.app.orgId, clientId: context.client.clientId, grantId: grant.id });
  }
  throw new OAuthError('invalid_grant', rotatedOut);
}

/** The live family the presented token names, and where the token stands in it. */
async function presentedFamily(context: Context, presented: string): Promise<{ grant: GrantRecord; secret: string; retry: boolean }> {
  const { client, now, deps } = context;
  const parsed = parseRefreshToken(presented);
  if (!parsed) throw new OAuthError('invalid_grant', 'the refresh token is not one this server issued');
  const grant = await deps.grants.get(parsed.grantId);
  if (!grant || grant.refreshHash === null) throw new OAuthError('invalid_grant', 'the refresh token is unknown, expired or revoked');
  if (grant.clientId !== client.clientId) throw new OAuthError('invalid_grant', 'the refresh token was issued to another client (RFC 6749 §6)');
  if (grant.revokedAt !== null) throw new OAuthError('invalid_grant', 'the refresh token has been revoked');
  const reuseIntervalSeconds = client.policy.refreshToken.reuseIntervalSeconds;
  const standing = classifyRefreshToken(refreshFamilyFacts(deps, grant, parsed.secret, reuseIntervalSeconds, now));
  if (standing === 'reused') return revokeFamily(context, grant);
  if (standing === 'unknown') throw new OAuthError('invalid_grant', 'the refresh token is not valid');
  if (standing === 'expired') throw new OAuthError('invalid_grant', 'the refresh token has expired');
  checkDpopBinding(grant, context.proof);
  return { grant, secret: parsed.secret, retry: standing === 'retry' };
}

/** RFC 9449 §5: a public client's refresh token bound to a DPoP key is used only with a proof of that key. */
function checkDpopBinding(grant: GrantRecord, proof: DpopProof | null): void {
  if (grant.dpopJkt === null) return;
  if (proof === null) {
    throw new OAuthError('invalid_grant', 'the refresh token is bound to a DPoP key: send a DPoP proof of that key with the refresh (RFC 9449 §5)');
  }
  if (proof.jkt !== grant.dpopJkt) {
    throw new OAuthError('invalid_grant', 'the DPoP proof is made with another key than the one the refresh token is bound to (RFC 9449 §5)');
  }
}

/**
 * A rotation lost to a parallel refresh with the same token. The tokens stand only if that one
 * made the same successor and this request is still within the retry window; otherwise it is a
 * reuse.
 */
async function rotationConflict(context: Context, grant: GrantRecord, successor: string): Promise<void> {
  const { client, now, deps } = context;
  const window = client.policy.refreshToken.reuseIntervalSeconds;
  const latest = await deps.grants.get(grant.id);
  const withinWindow =
    latest !== undefined &&
    latest.revokedAt === null &&
    window > 0 &&
    latest.refreshHash !== null &&
    deps.tokenHasher.matches(successor, latest.refreshHash) &&
    now - (latest.refreshRotatedAt ?? 0) <= window * 1000;
  if (!withinWindow) await revokeFamily(context, grant);
}

/**
 * The refresh token grant (RFC 6749 §6): rotation per the app's setting, with an optional retry
 * window; reuse of a rotated-out token revokes the family and its access tokens; the scope may
 * narrow, never widen.
 */
export const refreshTokenGrant: GrantHandler<RefreshTokenDependencies> = {
  grantType: 'refresh_token',
  parameters: ['refresh_token', 'scope'],
  client: { kind: 'any' },

  // "Require secret for the refresh token flow" off: refresh without the secret.
  mayOmitSecret: (client) => !client.policy.refreshToken.requireSecret,

  async validate(context): Promise<Authorization> {
    const { form, client, deps } = context;
    const presented = param(form, 'refresh_token');
    if (!presented) throw new OAuthError('invalid_request', 'the refresh_token parameter is missing (RFC 6749 §6)');
    const { grant, secret, retry } = await presentedFamily(context, presented);

    // RFC 6749 §6: the new access token's scope may narrow; the refresh token keeps the original.
    const requested = form.has('scope') ? parseScope(param(form, 'scope')) : grant.scope;
    const widened = requested.filter((scope) => !grant.scope.includes(scope));
    if (widened.length > 0) {
      throw new OAuthError('invalid_scope', `a refresh can only narrow the scope; ${widened.join(' ')} was not granted (RFC 6749 §6)`);
    }
    const user = await grantUser(deps, grant.userId);
    // Checked at every refresh, not only at sign-in: a member removed from a private app's organization stops at once.
    if (!(await mayUseApp(deps, client, user.id))) throw new OAuthError('invalid_grant', privateAppRefusal);
    const apis = await apisOf(deps, client, grant.audiences);
    const settings = client.policy.refreshToken;
    const successor: RefreshDecision = { kind: 'successor', of: secret, ttlMinutes: settings.ttlMinutes };
    // A client that lost the response gets the same successor back, not a new branch.
    const [refresh, change]: [RefreshDecision, GrantChange] = retry
      ? [successor, { kind: 'none' }]
      : settings.rotation
        ? [successor, { kind: 'rotate-refresh', grant, conflict: (next) => rotationConflict(context, grant, next) }]
        : [{ kind: 'none' }, { kind: 'none' }];
    const claims = grantClaims(grant);
    return {
      client,
      accessToken: { subject: user.id, scope: requested, apis, grantId: grant.id, authTime: grant.authTime, amr: grant.amr, extraClaims: claims },
      user,
      // OIDC Core §12.2: a refreshed ID token keeps sub and auth_time, and carries no nonce.
      idToken: {
        authentication: { authTime: grant.authTime, amr: grant.amr, nonce: null, sid: grant.sessionSid },
        extraClaims: claims,
        // The claims the authorization request asked for in the ID token, as in the first one.
        ...(grant.claims?.id_token ? { claims: grant.claims.id_token } : {}),
      },
      refresh,
      change,
    };
  },
};
