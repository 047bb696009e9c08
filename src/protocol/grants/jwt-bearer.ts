import { createLocalJWKSet, errors as joseErrors, jwtVerify } from 'jose';
import type { OAuthClient } from '../../ports/directories.js';
import { timeOrderedGrantId } from '../../shared/random.js';
import { isStorableText } from '../../shared/text.js';
import type { ProtocolDependencies } from '../context.js';
import { OAuthError } from '../errors.js';
import { param, params, parseScope } from '../messages.js';
import { resolveUserScopes, targetsOf } from '../scopes.js';
import type { GrantHandler, TokenResponse } from './grant-handler.js';
import { userTokenResponse } from './issue.js';
import { directGrant } from './user-grant.js';

export const jwtBearerGrantType = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const assertionAlgorithms = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
/** RFC 7523 §3: the AS may refuse assertions that live unreasonably long. */
const maxAssertionLifetimeMs = 3600_000;

async function verifyAssertion(assertion: string, client: OAuthClient, deps: ProtocolDependencies, now: number) {
  const keys = await deps.clients.clientKeys(client.clientId);
  if (keys.length === 0) throw new OAuthError('invalid_grant', 'the app has no uploaded certificate or key to verify the assertion with (PRODUCT A11)');
  try {
    const { payload } = await jwtVerify(assertion, createLocalJWKSet({ keys }), {
      algorithms: assertionAlgorithms,
      issuer: client.clientId,
      audience: [deps.issuer, deps.endpoints.token],
      currentDate: new Date(now),
      clockTolerance: 30,
      requiredClaims: ['exp', 'sub'],
    });
    return payload;
  } catch (error) {
    const reason =
      error instanceof joseErrors.JWTExpired
        ? 'it has expired (RFC 7523 §3)'
        : error instanceof joseErrors.JWTClaimValidationFailed
          ? `its ${error.claim} claim is not valid: iss is the client_id, aud the issuer or token endpoint, sub the user, exp required (RFC 7523 §3)`
          : "its signature does not match the app's uploaded certificates or keys";
    throw new OAuthError('invalid_grant', `the assertion was refused: ${reason}`);
  }
}

/**
 * The JWT bearer grant (RFC 7523 §2.1; seed 002's "JWT OAuth flow" with an uploaded certificate):
 * the app signs a JWT naming a user (by id or email), and gets a token for that user without a
 * browser. The user must have consented to the app, or be a member of the app's organization,
 * which pre-authorizes the organization's own apps. The signature proves the app, so no secret
 * is needed; a jti, when present, is accepted once.
 */
export const jwtBearerGrant: GrantHandler = {
  grantType: jwtBearerGrantType,
  mayOmitSecret: () => true,

  async handle({ request, client, now, deps }): Promise<TokenResponse> {
    if (client.kind !== 'confidential') throw new OAuthError('unauthorized_client', 'the JWT bearer grant needs a confidential app with an uploaded certificate');
    const assertion = param(request.body, 'assertion');
    if (!assertion) throw new OAuthError('invalid_request', 'the assertion parameter is missing (RFC 7523 §2.1)');
    const payload = await verifyAssertion(assertion, client, deps, now);
    if ((payload.exp ?? 0) * 1000 - now > maxAssertionLifetimeMs) {
      throw new OAuthError('invalid_grant', 'the assertion lives longer than an hour; keep exp short (RFC 7523 §3)');
    }
    if (payload.jti !== undefined && (typeof payload.jti !== 'string' || !isStorableText(payload.jti))) {
      throw new OAuthError('invalid_grant', 'the assertion was refused: its jti claim must be a string without NUL characters (RFC 7519 §4.1.7)');
    }
    if (payload.jti !== undefined && !(await deps.storage.revokedJtis.addIfAbsent(`jwt-bearer:${client.clientId}:${payload.jti}`, (payload.exp ?? 0) * 1000 + 60_000))) {
      throw new OAuthError('invalid_grant', 'the assertion was already used: its jti must be unique (RFC 7523 §3)');
    }
    const subject = String(payload.sub);
    const user = subject.includes('@') ? await deps.users.getUserByEmail(subject) : await deps.users.getUser(subject);
    if (!user) throw new OAuthError('invalid_grant', 'the assertion\'s sub names no user of this server');

    const requested = request.body.has('scope') ? parseScope(param(request.body, 'scope')) : undefined;
    const { scope, apis } = await resolveUserScopes(client, requested, targetsOf(params(request.body, 'resource'), param(request.body, 'audience')), deps.resources);
    const member = (await deps.organizations.isMember(client.app.orgId, user.id)) || client.app.settings.security.firstParty;
    const consent = await deps.storage.consents.get(user.id, client.clientId);
    const consented = consent !== undefined && scope.every((name) => consent.scopes.includes(name));
    if (!member && !consented) {
      throw new OAuthError('invalid_grant', "the user has not authorized this app: they must have consented to it, or belong to the app's organization");
    }

    const grantId = timeOrderedGrantId(now);
    const accessToken = await deps.tokens.issueAccessToken({ client, subject: user.id, scope, apis, grantId, authTime: now, amr: [], now });
    await deps.storage.transaction(async (tx) => {
      await tx.grants.insert(
        directGrant({ id: grantId, clientId: client.clientId, userId: user.id, scope, apis, authTime: now, amr: [], sessionSid: null, now, expiresAt: accessToken.expiresAt }),
      );
      if (accessToken.record) await tx.accessTokens.insert(accessToken.record);
    });
    const response = await userTokenResponse(deps, {
      client,
      user,
      scope,
      accessToken,
      authentication: { authTime: now, amr: [], nonce: null, sid: null },
      now,
    });
    deps.events.publish({ type: 'token.issued', orgId: client.app.orgId, subject: client.clientId });
    return response;
  },
};
