import type { PushedAuthorizationRequestRepository, PushedRequestRefusal } from '../../ports/pushed-authorization-repository.js';
import type { Clock } from '../../ports/clock.js';
import type { SecretHasher } from '../../shared/opaque-secret.js';
import { OAuthError } from '../errors.js';
import { param, type ParameterBag } from '../messages.js';

/** RFC 9126 §2.2: the request_uri is a URN of this namespace with a random part. */
export const requestUriPrefix = 'urn:ietf:params:oauth:request_uri:';

/** RFC 9126 §2.2: a short lifetime; long enough for the browser to arrive, short enough to leave little to steal. */
export const pushedRequestLifetimeSeconds = 60;

/** What a client authenticates with at the pushed authorization request endpoint: never part of the stored request. */
const clientAuthenticationParameters = new Set(['client_secret', 'client_assertion', 'client_assertion_type']);

/** Whether a request_uri is one the pushed authorization request endpoint hands out; others are request objects by reference. */
export function isPushedRequestUri(value: string | undefined): value is string {
  return value !== undefined && value.startsWith(requestUriPrefix);
}

/** The authorization request as pushed, client authentication left out and client_id the authenticated client's. */
export function pushedParameters(body: ParameterBag, clientId: string): Record<string, string[]> {
  const parameters: Record<string, string[]> = {};
  for (const [name, values] of body) if (!clientAuthenticationParameters.has(name)) parameters[name] = [...values];
  parameters.client_id = [clientId];
  return parameters;
}

const refusals: Record<PushedRequestRefusal, string> = {
  unknown: 'request_uri is not one this server issued, or it expired and was removed (RFC 9126 §4)',
  expired: `request_uri has expired: a pushed authorization request is valid for ${pushedRequestLifetimeSeconds} seconds (RFC 9126 §2.2)`,
  used: 'request_uri was used already: a pushed authorization request is used once (RFC 9126 §4)',
  other_client: 'request_uri was pushed by another client than the one client_id names (RFC 9126 §4)',
};

export interface PushedRequestDependencies {
  clock: Clock;
  tokenHasher: SecretHasher;
  storage: { pushedAuthorizationRequests: Pick<PushedAuthorizationRequestRepository, 'consume'> };
}

/**
 * RFC 9126 §4: an authorization request with a pushed request_uri and the client_id that pushed
 * it. The pushed request is used up here, and its parameters alone stand for the request: any
 * other parameter of the browser's URL is ignored. Throws invalid_request_uri when it can't be used.
 */
export async function takePushedRequest(given: ParameterBag, deps: PushedRequestDependencies): Promise<ParameterBag> {
  for (const name of ['request_uri', 'client_id']) {
    if ((given.get(name)?.length ?? 0) > 1) throw new OAuthError('invalid_request', `${name} is included more than once (RFC 6749 §3.1)`);
  }
  const requestUri = param(given, 'request_uri')!;
  const clientId = param(given, 'client_id');
  if (!clientId)
    throw new OAuthError('invalid_request', 'client_id is missing: send it with the request_uri, as the client that pushed the request (RFC 9126 §4)');
  const use = await deps.storage.pushedAuthorizationRequests.consume(deps.tokenHasher.hash(requestUri), clientId, deps.clock.now());
  if (!use.ok) throw new OAuthError('invalid_request_uri', refusals[use.refusal]);
  return new Map(Object.entries(use.record.parameters));
}
