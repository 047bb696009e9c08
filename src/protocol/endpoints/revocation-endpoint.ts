import type { Clock } from '../../ports/clock.js';
import type { DomainEvents } from '../../ports/domain-events.js';
import type { AccessTokenRepository, GrantRepository, RevokedJtiRepository } from '../../ports/oauth-repositories.js';
import { authenticateClient, type AuthenticatedClient } from '../client-auth/authenticate-client.js';
import type { ClientAuthDependencies } from '../client-auth/methods.js';
import { verifyDpopProof, type DpopDependencies } from '../dpop/proof.js';
import { OAuthError } from '../errors.js';
import { param, rejectDuplicateParameters, type ProtocolRequest, type ProtocolResponse } from '../messages.js';
import type { TokenValidator } from '../tokens/token-validator.js';
import { corsHeaders, errorResponse, jsonResponse, rejectQueryParameters, requireFormBody } from './common.js';

export type RevocationDependencies = ClientAuthDependencies &
  DpopDependencies & {
    clock: Clock;
    grants: Pick<GrantRepository, 'revoke'>;
    accessTokens: Pick<AccessTokenRepository, 'revoke'>;
    revokedJtis: Pick<RevokedJtiRepository, 'add' | 'addIfAbsent'>;
    events: Pick<DomainEvents, 'publish'>;
    endpoints: { revocation: string };
  };

/**
 * Token revocation (RFC 7009). Revoking a refresh token revokes its grant: the family and every
 * access token it issued (§2.1). Unknown or invalid tokens are a 200 (§2.2). A DPoP proof is not
 * needed (RFC 9449 §5), but when one is sent it must be valid.
 */
export async function handleRevocation(
  request: ProtocolRequest,
  deps: RevocationDependencies,
  validator: Pick<TokenValidator, 'any'>,
): Promise<ProtocolResponse> {
  let authenticated: AuthenticatedClient | undefined;
  try {
    requireFormBody(request, 'revocation');
    rejectQueryParameters(request);
    rejectDuplicateParameters(request.body);
    await verifyDpopProof(request, { method: 'POST', url: deps.endpoints.revocation, nonces: false }, deps);
    authenticated = await authenticateClient(request, deps, { publicClientsAllowed: true });
    const { client } = authenticated;
    const token = param(request.body, 'token');
    if (!token) throw new OAuthError('invalid_request', 'the token parameter is missing (RFC 7009 §2.1)');
    const found = await validator.any(token, param(request.body, 'token_type_hint'));
    if (found) {
      if (found.client.clientId !== client.clientId) {
        throw new OAuthError('unauthorized_client', 'the token was not issued to this client, so it may not revoke it (RFC 7009 §2.1)');
      }
      const now = deps.clock.now();
      if (found.kind === 'refresh_token') await deps.grants.revoke(found.handle, now);
      else if (found.format === 'opaque') await deps.accessTokens.revoke(found.handle, now);
      else await deps.revokedJtis.add(found.handle, found.expiresAt);
      deps.events.publish({ type: 'token.revoked', orgId: client.app.orgId, clientId: client.clientId });
    }
    return jsonResponse(200, undefined, corsHeaders(request, client));
  } catch (error) {
    return errorResponse(error, corsHeaders(request, authenticated?.client));
  }
}
