import type { Clock } from '../../ports/clock.js';
import type { PushedAuthorizationRequestRepository } from '../../ports/pushed-authorization-repository.js';
import type { SecretHasher } from '../../shared/opaque-secret.js';
import { randomId } from '../../shared/random.js';
import { checksAfterRedirect, checksBeforeRedirect, type AuthorizeCheckContext } from '../authorize/checks.js';
import { pushedParameters, pushedRequestLifetimeSeconds, requestUriPrefix } from '../authorize/pushed-request.js';
import { authenticateClient, type AuthenticatedClient } from '../client-auth/authenticate-client.js';
import type { ClientAuthDependencies } from '../client-auth/methods.js';
import { dpopNonceHeaders, verifyDpopProof, type DpopDependencies } from '../dpop/proof.js';
import { OAuthError } from '../errors.js';
import { bagFromEntries, rejectDuplicateParameters, type ProtocolRequest, type ProtocolResponse } from '../messages.js';
import { corsHeaders, errorResponse, jsonResponse, rejectQueryParameters, requireFormBody } from './common.js';

export type PushedAuthorizationDependencies = ClientAuthDependencies &
  AuthorizeCheckContext['deps'] &
  DpopDependencies & {
    clock: Clock;
    endpoints: { pushedAuthorization: string };
    tokenHasher: SecretHasher;
    storage: { pushedAuthorizationRequests: Pick<PushedAuthorizationRequestRepository, 'insert'> };
  };

/**
 * The pushed authorization request endpoint (RFC 9126 §2): the client authenticates as at the
 * token endpoint, its authorization request goes through every check of the authorization
 * endpoint, and it gets a request_uri to send the browser with. Every error is a JSON OAuth
 * error (§2.3), never a redirect: no browser is involved yet. A DPoP proof binds the code to
 * its key, as dpop_jkt would (RFC 9449 §10.1).
 */
export async function handlePushedAuthorizationRequest(request: ProtocolRequest, deps: PushedAuthorizationDependencies): Promise<ProtocolResponse> {
  let authenticated: AuthenticatedClient | undefined;
  const nonce = dpopNonceHeaders(deps);
  try {
    requireFormBody(request, 'pushed authorization request');
    rejectQueryParameters(request);
    rejectDuplicateParameters(request.body, new Set(['resource']));
    authenticated = await authenticateClient(request, deps, { publicClientsAllowed: true });
    const { client } = authenticated;
    // RFC 9126 §2.1: the one authorization request parameter that must not be pushed.
    if (request.body.has('request_uri')) {
      throw new OAuthError('invalid_request', 'request_uri must not be sent to the pushed authorization request endpoint (RFC 9126 §2.1)');
    }
    const parameters = pushedParameters(request.body, client.clientId);
    const proof = await verifyDpopProof(request, { method: 'POST', url: deps.endpoints.pushedAuthorization, nonces: true }, deps);
    if (proof) {
      // RFC 9449 §10.1: with both, they must name the same key.
      if (parameters.dpop_jkt !== undefined && parameters.dpop_jkt[0] !== proof.jkt) {
        throw new OAuthError('invalid_dpop_proof', 'dpop_jkt is not the thumbprint of the key of the DPoP proof sent with it (RFC 9449 §10.1)', {
          headers: nonce,
        });
      }
      parameters.dpop_jkt = [proof.jkt];
    }
    const context: AuthorizeCheckContext = {
      parameters: bagFromEntries(Object.entries(parameters).flatMap(([name, values]) => values.map((value): [string, string] => [name, value]))),
      pushed: true,
      deps,
      request: { responseMode: 'query', state: null },
    };
    // RFC 9126 §2.1: validated as the authorization endpoint would validate it.
    for (const check of [...checksBeforeRedirect, ...checksAfterRedirect]) await check.run(context);

    const requestUri = requestUriPrefix + randomId(32);
    const now = deps.clock.now();
    await deps.storage.pushedAuthorizationRequests.insert({
      uriHash: deps.tokenHasher.hash(requestUri),
      clientId: client.clientId,
      parameters,
      createdAt: now,
      expiresAt: now + pushedRequestLifetimeSeconds * 1000,
      consumedAt: null,
    });
    return jsonResponse(201, { request_uri: requestUri, expires_in: pushedRequestLifetimeSeconds }, { ...nonce, ...corsHeaders(request, client) });
  } catch (error) {
    return errorResponse(error, { ...nonce, ...corsHeaders(request, authenticated?.client) });
  }
}
