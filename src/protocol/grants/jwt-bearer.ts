import type { ResourceDirectory } from '../../ports/directories.js';
import { timeOrderedGrantId } from '../../shared/random.js';
import { mayUseApp, privateAppRefusal, type AppAccessDependencies } from '../app-access.js';
import { authorizationOf, type AuthorizationCoverageDependencies } from '../authorization-coverage.js';
import { OAuthError } from '../errors.js';
import { param, params, parseScope } from '../messages.js';
import { resolveUserScopes, targetsOf } from '../scopes.js';
import type { Authorization, GrantHandler } from './grant-handler.js';
import {
  assertionRole,
  checkLifetimeAndJti,
  checkSubjectAllowed,
  scopesWithinTrust,
  userOfSubject,
  verifySignedJwt,
  type SignedJwtDependencies,
} from './signed-jwt.js';

export const jwtBearerGrantType = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
export interface JwtBearerDependencies
  extends Omit<AuthorizationCoverageDependencies, 'organizations'>, Omit<AppAccessDependencies, 'organizations'>, SignedJwtDependencies {
  organizations: AuthorizationCoverageDependencies['organizations'] & AppAccessDependencies['organizations'];
  resources: ResourceDirectory;
}

/**
 * The JWT bearer grant (RFC 7523 §2.1): the app, with an uploaded certificate or key, or an
 * issuer it trusts, signs a JWT naming a user (by id or email), and the app gets a token for that
 * user without a browser. The app's own signature proves the app, so no secret is needed; a
 * trusted issuer's speaks only for the subjects and scopes of its relationship. Proving the app says nothing
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

  async validate({ form, authenticated, client, now, deps }): Promise<Authorization> {
    const assertion = param(form, 'assertion');
    if (!assertion) throw new OAuthError('invalid_request', 'the assertion parameter is missing (RFC 7523 §2.1)');
    const verified = await verifySignedJwt(assertion, client, deps, now, assertionRole);
    // A trusted issuer's signature proves the user, not the app: the app proves itself as well.
    if (verified.signer.kind === 'trusted-issuer' && !authenticated.proven) {
      throw new OAuthError(
        'invalid_client',
        `an assertion of a trusted issuer needs the app to authenticate as well, with ${client.policy.tokenEndpointAuthMethod} (RFC 7523 §3.1, RFC 6749 §2.3)`,
        { status: 401 },
      );
    }
    await checkLifetimeAndJti(verified, client, deps, now, assertionRole);
    const subject = String(verified.payload.sub);
    checkSubjectAllowed(verified.signer, subject, assertionRole);
    const user = await userOfSubject(subject, deps, assertionRole);

    const requested = scopesWithinTrust(verified.signer, form.has('scope') ? parseScope(param(form, 'scope')) : undefined);
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
