import { createLocalJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { assertionAlgorithms } from '../../contracts/algorithms.js';
import type { ClientDirectory, OAuthClient, ResourceDirectory, UserDirectory } from '../../ports/directories.js';
import type { RevokedJtiRepository } from '../../ports/oauth-repositories.js';
import { timeOrderedGrantId } from '../../shared/random.js';
import { isStorableText } from '../../shared/text.js';
import { mayUseApp, privateAppRefusal, type AppAccessDependencies } from '../app-access.js';
import { authorizationOf, type AuthorizationCoverageDependencies } from '../authorization-coverage.js';
import type { EndpointUrls, JwtBearerPolicy } from '../context.js';
import { OAuthError } from '../errors.js';
import { param, params, parseScope } from '../messages.js';
import { resolveUserScopes, targetsOf } from '../scopes.js';
import type { Authorization, GrantHandler } from './grant-handler.js';

export const jwtBearerGrantType = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
export interface JwtBearerDependencies extends Omit<AuthorizationCoverageDependencies, 'organizations'>, Omit<AppAccessDependencies, 'organizations'> {
  organizations: AuthorizationCoverageDependencies['organizations'] & AppAccessDependencies['organizations'];
  issuer: string;
  endpoints: Pick<EndpointUrls, 'token'>;
  jwtBearer: JwtBearerPolicy;
  clients: Pick<ClientDirectory, 'clientKeys'>;
  revokedJtis: Pick<RevokedJtiRepository, 'addIfAbsent'>;
  users: Pick<UserDirectory, 'getUser' | 'getUserByEmail'>;
  resources: ResourceDirectory;
}

async function verifyAssertion(assertion: string, client: OAuthClient, deps: JwtBearerDependencies, now: number) {
  const keys = await deps.clients.clientKeys(client.clientId);
  if (keys.length === 0) throw new OAuthError('invalid_grant', 'the app has no uploaded certificate or key to verify the assertion with');
  try {
    const { payload } = await jwtVerify(assertion, createLocalJWKSet({ keys }), {
      algorithms: [...assertionAlgorithms],
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
 * RFC 7523 §3: exp no further ahead than the server allows, and the jti (required unless the
 * server allows its absence) accepted once.
 */
async function checkLifetimeAndJti(payload: JWTPayload, client: OAuthClient, deps: JwtBearerDependencies, now: number): Promise<void> {
  const policy = deps.jwtBearer;
  if ((payload.exp ?? 0) * 1000 - now > policy.maxLifetimeMs) {
    throw new OAuthError(
      'invalid_grant',
      `the assertion's exp lies more than ${Math.round(policy.maxLifetimeMs / 1000)} seconds ahead, the longest this server accepts; keep exp short (RFC 7523 §3)`,
    );
  }
  if (payload.jti === undefined) {
    if (policy.requireJti)
      throw new OAuthError('invalid_grant', 'the assertion has no jti: this server needs a unique jti in every assertion, used once (RFC 7523 §3)');
  } else if (typeof payload.jti !== 'string' || payload.jti.length === 0 || payload.jti.length > 256 || !isStorableText(payload.jti)) {
    throw new OAuthError('invalid_grant', "the assertion's jti must be a string of 1 to 256 characters without NUL (RFC 7519 §4.1.7)");
  } else if (!(await deps.revokedJtis.addIfAbsent(`jwt-bearer:${client.clientId}:${payload.jti}`, (payload.exp ?? 0) * 1000 + 60_000))) {
    throw new OAuthError('invalid_grant', 'the assertion was already used: its jti must be unique (RFC 7523 §3)');
  }
}

/**
 * The JWT bearer grant (RFC 7523 §2.1) with an uploaded certificate or key: the app signs a JWT
 * naming a user (by id or email), and gets a token for that user without a browser. The
 * signature proves the app, so no secret is needed. Proving the app says nothing
 * about the user, though (RFC 9700 §4.15): the user must have consented to the app for what it
 * asks, or an administrator must have pre-authorized them for it. Membership in the app's
 * organization and the first-party flag are never enough. The jti is required (unless the server
 * allows its absence) and accepted once; exp may lie no further ahead than the server allows.
 */
export const jwtBearerGrant: GrantHandler<JwtBearerDependencies> = {
  grantType: jwtBearerGrantType,
  parameters: ['assertion', 'scope', 'resource', 'audience'],
  client: { kind: 'confidential', proven: false, refusal: 'the JWT bearer grant needs a confidential app with an uploaded certificate' },
  mayOmitSecret: () => true,

  async validate({ form, client, now, deps }): Promise<Authorization> {
    const assertion = param(form, 'assertion');
    if (!assertion) throw new OAuthError('invalid_request', 'the assertion parameter is missing (RFC 7523 §2.1)');
    const payload = await verifyAssertion(assertion, client, deps, now);
    await checkLifetimeAndJti(payload, client, deps, now);
    const subject = String(payload.sub);
    const user = subject.includes('@') ? await deps.users.getUserByEmail(subject) : await deps.users.getUser(subject);
    if (!user) throw new OAuthError('invalid_grant', "the assertion's sub names no user of this server");
    if (user.disabledAt !== null) throw new OAuthError('invalid_grant', "the assertion's sub names a disabled user");

    const requested = form.has('scope') ? parseScope(param(form, 'scope')) : undefined;
    const { scope, apis } = await resolveUserScopes(client, requested, targetsOf(params(form, 'resource'), param(form, 'audience')), deps.resources);
    const audiences = apis.map((api) => api.identifier);
    if (!(await authorizationOf(deps, client, user.id, scope, audiences))) {
      throw new OAuthError(
        'invalid_grant',
        'the user has not authorized this app for these scopes: they must have consented to it, or an administrator must have pre-authorized them for it (RFC 7523 §2.1)',
      );
    }
    // A consent outlives membership: a private app's user who left its organization is refused all the same.
    if (!(await mayUseApp(deps, client, user.id))) throw new OAuthError('invalid_grant', privateAppRefusal);

    const grantId = timeOrderedGrantId(now);
    return {
      client,
      accessToken: { subject: user.id, scope, apis, grantId, authTime: now, amr: [] },
      user,
      idToken: { authentication: { authTime: now, amr: [], nonce: null, sid: null } },
      refresh: { kind: 'none' },
      change: {
        kind: 'create-grant',
        grant: { id: grantId, clientId: client.clientId, userId: user.id, scope, apis, authTime: now, amr: [], sessionSid: null },
        consumeDeviceCode: null,
        conflict: () => Promise.reject(new Error('creating a grant without a device code has no condition to lose')),
      },
    };
  },
};
