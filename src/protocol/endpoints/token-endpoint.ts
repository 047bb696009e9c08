import { authenticateClient, type AuthenticatedClient } from '../client-auth/authenticate-client.js';
import type { ProtocolDependencies } from '../context.js';
import { requireCredentialOwnerActive } from '../credential-owner.js';
import { OAuthError } from '../errors.js';
import { grantHandlerFor } from '../grants/registry.js';
import { param, rejectDuplicateParameters, type ProtocolRequest, type ProtocolResponse } from '../messages.js';
import {
  clientAuthDependencies,
  corsHeaders,
  errorResponse,
  jsonResponse,
  rejectQueryParameters,
  requireActiveClient,
  requireFormBody,
} from './common.js';

/** `resource` may repeat (RFC 8707 §2); nothing else may (RFC 6749 §3.2). */
const repeatable = new Set(['resource']);

/** The token endpoint (RFC 6749 §3.2): checks the request, authenticates the client, dispatches to its grant. */
export async function handleTokenRequest(request: ProtocolRequest, deps: ProtocolDependencies): Promise<ProtocolResponse> {
  let authenticated: AuthenticatedClient | undefined;
  try {
    requireFormBody(request, 'token');
    rejectQueryParameters(request);
    rejectDuplicateParameters(request.body, repeatable);
    const grantType = param(request.body, 'grant_type');
    if (!grantType) throw new OAuthError('invalid_request', 'the grant_type parameter is missing (RFC 6749 §4.1.3)');
    const handler = grantHandlerFor(grantType);
    if (!handler) throw new OAuthError('unsupported_grant_type', `the ${grantType} grant is not supported here (see grant_types_supported in discovery)`);

    authenticated = await authenticateClient(request, deps.clients, clientAuthDependencies(deps), {
      mayOmitSecret: (client) => handler.mayOmitSecret?.(client) ?? false,
      publicClientsAllowed: true,
    });
    const { client } = authenticated;
    requireActiveClient(client);
    await requireCredentialOwnerActive(deps, client);
    if (!client.app.settings.grantTypes.includes(grantType as never)) {
      throw new OAuthError('unauthorized_client', `this app may not use the ${grantType} grant: it is not in the app's grant types`);
    }
    const body = await handler.handle({ request, authenticated, client, now: deps.clock.now(), deps });
    return jsonResponse(200, body, corsHeaders(request, client));
  } catch (error) {
    return errorResponse(error, corsHeaders(request, authenticated?.client));
  }
}
