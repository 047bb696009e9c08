import type { Clock } from '../../ports/clock.js';
import type { DomainEvents } from '../../ports/domain-events.js';
import { authenticateClient, type AuthenticatedClient } from '../client-auth/authenticate-client.js';
import type { ClientAuthDependencies } from '../client-auth/methods.js';
import { requireCredentialOwnerActive, type CredentialOwnerDependencies } from '../credential-owner.js';
import { dpopNonceHeaders, verifyDpopProof, type DpopDependencies } from '../dpop/proof.js';
import { OAuthError } from '../errors.js';
import type { ClientRequirement } from '../grants/grant-handler.js';
import { issueTokens, type IssueDependencies } from '../grants/issue.js';
import { grantHandlerFor, type GrantDependencies } from '../grants/registry.js';
import { param, rejectDuplicateParameters, type ParameterBag, type ProtocolRequest, type ProtocolResponse } from '../messages.js';
import { corsHeaders, errorResponse, jsonResponse, rejectQueryParameters, requireActiveClient, requireFormBody } from './common.js';

/** `resource` may repeat (RFC 8707 §2); nothing else may (RFC 6749 §3.2). */
const repeatable = new Set(['resource']);

export type TokenEndpointDependencies = ClientAuthDependencies &
  CredentialOwnerDependencies &
  GrantDependencies &
  IssueDependencies &
  DpopDependencies & {
    clock: Clock;
    events: Pick<DomainEvents, 'publish'>;
    endpoints: { token: string };
  };

/** The parameters a grant declared, and no others: the rest are ignored (RFC 6749 §3.2). */
function declaredParameters(body: ParameterBag, names: readonly string[]): ParameterBag {
  return new Map(names.flatMap((name) => (body.has(name) ? [[name, body.get(name)!] as const] : [])));
}

function requireClientKind(requirement: ClientRequirement, authenticated: AuthenticatedClient): void {
  if (requirement.kind === 'any') return;
  if (authenticated.client.kind !== 'confidential' || (requirement.proven && !authenticated.proven)) {
    throw new OAuthError('unauthorized_client', requirement.refusal);
  }
}

/**
 * The token endpoint (RFC 6749 §3.2): checks the request and its DPoP proof, authenticates the
 * client, lets its grant validate the request, issues what it granted and says so once
 * (`token.issued`). While nonces are required, every answer carries the current one (RFC 9449 §8).
 */
export async function handleTokenRequest(request: ProtocolRequest, deps: TokenEndpointDependencies): Promise<ProtocolResponse> {
  let authenticated: AuthenticatedClient | undefined;
  const nonce = dpopNonceHeaders(deps);
  try {
    requireFormBody(request, 'token');
    rejectQueryParameters(request);
    rejectDuplicateParameters(request.body, repeatable);
    const grantType = param(request.body, 'grant_type');
    if (!grantType) throw new OAuthError('invalid_request', 'the grant_type parameter is missing (RFC 6749 §4.1.3)');
    const handler = grantHandlerFor(grantType);
    if (!handler) throw new OAuthError('unsupported_grant_type', `the ${grantType} grant is not supported here (see grant_types_supported in discovery)`);

    const proof = await verifyDpopProof(request, { method: 'POST', url: deps.endpoints.token, nonces: true }, deps);

    authenticated = await authenticateClient(request, deps, {
      mayOmitSecret: (client) => handler.mayOmitSecret?.(client) ?? false,
      publicClientsAllowed: true,
    });
    const { client } = authenticated;
    requireActiveClient(client);
    await requireCredentialOwnerActive(deps, client);
    if (!client.policy.grantTypes.includes(grantType as never)) {
      throw new OAuthError('unauthorized_client', `this app may not use the ${grantType} grant: it is not in the app's grant types`);
    }
    requireClientKind(handler.client, authenticated);
    if (proof === null && client.policy.security.requireDpop) {
      throw new OAuthError('invalid_dpop_proof', 'this app requires DPoP: send a DPoP proof with every token request (RFC 9449 §5)', { headers: nonce });
    }
    const now = deps.clock.now();
    const form = declaredParameters(request.body, handler.parameters);
    const granted = await handler.validate({ form, authenticated, client, proof, now, deps });
    const body = 'kind' in granted ? await granted.issue() : await issueTokens(deps, granted, now, proof?.jkt ?? null);
    deps.events.publish({ type: 'token.issued', orgId: client.app.orgId, clientId: client.clientId, grantType: handler.grantType });
    return jsonResponse(200, body, { ...nonce, ...corsHeaders(request, client) });
  } catch (error) {
    return errorResponse(error, { ...nonce, ...corsHeaders(request, authenticated?.client) });
  }
}
