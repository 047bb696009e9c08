import type { UserDirectory } from '../../ports/directories.js';
import type { UserRecord } from '../../ports/identity-repositories.js';
import { authenticateClient } from '../client-auth/authenticate-client.js';
import type { ClientAuthDependencies } from '../client-auth/methods.js';
import { verifyDpopProof, type DpopDependencies } from '../dpop/proof.js';
import { credentialOwnerClaim } from '../credential-owner.js';
import { OAuthError } from '../errors.js';
import { param, rejectDuplicateParameters, type ProtocolRequest, type ProtocolResponse } from '../messages.js';
import { boundJktOf, type ActiveToken, type TokenValidator } from '../tokens/token-validator.js';
import { corsHeaders, errorResponse, jsonResponse, rejectQueryParameters, requireFormBody } from './common.js';

export type IntrospectionDependencies = ClientAuthDependencies &
  DpopDependencies & {
    users: Pick<UserDirectory, 'getUser'>;
    endpoints: { introspection: string };
  };

/**
 * Token introspection (RFC 7662): an authenticated client learns whether a token is active. It
 * sees its own tokens; with "introspect all tokens" on, every token of its organization.
 * Anything else, and every invalid, expired, revoked or disabled-app token, is `{"active":false}`.
 * A DPoP-bound token says so: token_type DPoP and its cnf.jkt (RFC 9449 §6.2). A DPoP proof sent
 * along is not needed, but when there is one it must be valid.
 */
export async function handleIntrospection(
  request: ProtocolRequest,
  deps: IntrospectionDependencies,
  validator: Pick<TokenValidator, 'any'>,
): Promise<ProtocolResponse> {
  try {
    requireFormBody(request, 'introspection');
    rejectQueryParameters(request);
    rejectDuplicateParameters(request.body);
    await verifyDpopProof(request, { method: 'POST', url: deps.endpoints.introspection, nonces: false }, deps);
    const { client } = await authenticateClient(request, deps, { publicClientsAllowed: false });
    const token = param(request.body, 'token');
    if (!token) throw new OAuthError('invalid_request', 'the token parameter is missing (RFC 7662 §2.1)');
    const found = await validator.any(token, param(request.body, 'token_type_hint'));
    const seeAll = client.policy.security.introspectAllTokens && found?.client.app.orgId === client.app.orgId;
    if (!found || (found.client.clientId !== client.clientId && !seeAll)) {
      return jsonResponse(200, { active: false }, corsHeaders(request, client));
    }
    const user = found.grant ? await deps.users.getUser(found.subject) : undefined;
    return jsonResponse(200, activeResponse(found, user, deps.issuer), corsHeaders(request, client));
  } catch (error) {
    return errorResponse(error);
  }
}

/** The claims of an active token (RFC 7662 §2.2), with the DPoP key it is bound to (RFC 9449 §6.2). */
function activeResponse(found: ActiveToken, user: UserRecord | undefined, issuer: string): Record<string, unknown> {
  const claims = found.claims;
  const jkt = found.kind === 'access_token' ? boundJktOf(found) : undefined;
  return {
    active: true,
    scope: found.scope.join(' '),
    client_id: found.client.clientId,
    ...(user ? { username: user.email } : {}),
    token_type: found.kind === 'refresh_token' ? 'refresh_token' : jkt !== undefined ? 'DPoP' : 'Bearer',
    exp: claims.exp,
    iat: claims.iat,
    sub: found.subject,
    ...(claims.aud !== undefined ? { aud: claims.aud } : {}),
    iss: issuer,
    ...(found.kind === 'access_token' ? { jti: claims.jti } : {}),
    ...(claims.auth_time !== undefined ? { auth_time: claims.auth_time } : {}),
    ...(jkt !== undefined ? { cnf: { jkt } } : {}),
    // The owner of per-user client credentials, as their JWT access tokens name them (RFC 7662 §2.2 allows more claims).
    ...(found.kind === 'access_token' && claims[credentialOwnerClaim] !== undefined ? { [credentialOwnerClaim]: claims[credentialOwnerClaim] } : {}),
  };
}
