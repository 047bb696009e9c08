import type { OAuthClient } from '../../ports/directories.js';
import { isOAuthError, OAuthError } from '../errors.js';
import { param, type ProtocolRequest } from '../messages.js';
import { clientSecretBasic } from './client-secret-basic.js';
import { clientSecretPost } from './client-secret-post.js';
import type { ClientAuthDependencies, ClientAuthMethod, ClientAuthMethodName, PresentedCredentials } from './methods.js';
import { noClientAuthentication } from './none.js';
import { privateKeyJwt } from './private-key-jwt.js';

/** The methods the server implements, most specific first; discovery advertises exactly these. */
export const clientAuthMethods: readonly ClientAuthMethod[] = [clientSecretBasic, clientSecretPost, privateKeyJwt];
export const supportedClientAuthMethodNames: readonly ClientAuthMethodName[] = [...clientAuthMethods.map((method) => method.name), 'none'];

export interface AuthenticatedClient {
  client: OAuthClient;
  method: ClientAuthMethodName;
  /** Whether the client proved possession of a secret or key (false for `none`). */
  proven: boolean;
}

export interface AuthenticationPolicy {
  /**
   * Whether a confidential client may go without its credentials here: true for the code
   * exchange of an app with "require secret for the web server flow" off, and for refresh with
   * "require secret for refresh" off.
   */
  mayOmitSecret?(client: OAuthClient): boolean;
  /** Whether a public client may call this endpoint at all (introspection needs real authentication). */
  publicClientsAllowed: boolean;
}

/** The one method the request authenticates with (RFC 6749 §2.3 allows only one), or `none`. */
function presentedMethod(request: ProtocolRequest): ClientAuthMethod {
  const presentedMethods = clientAuthMethods.filter((method) => method.presentIn(request));
  if (presentedMethods.length > 1) {
    throw new OAuthError(
      'invalid_request',
      `the client used more than one authentication method (${presentedMethods.map((method) => method.name).join(', ')}); RFC 6749 §2.3 allows one`,
    );
  }
  return presentedMethods[0] ?? noClientAuthentication;
}

/** A client that sent no credentials: public apps where the endpoint allows them, confidential ones only where the policy lets them omit it. */
function requireNoneAllowed(client: OAuthClient, policy: AuthenticationPolicy): void {
  if (client.kind === 'confidential' && !(policy.mayOmitSecret?.(client) ?? false)) {
    throw new OAuthError(
      'invalid_client',
      `this app is a confidential client and must authenticate with ${client.policy.tokenEndpointAuthMethod} (RFC 6749 §2.3.1)`,
      { status: 401 },
    );
  }
  if (client.kind === 'public' && !policy.publicClientsAllowed) {
    throw new OAuthError('invalid_client', 'this endpoint needs client authentication, which public apps cannot do (RFC 7662 §2.1)', {
      status: 401,
    });
  }
}

/**
 * Authenticates the client of a token, introspection or revocation request with exactly one
 * method (RFC 6749 §2.3), which must be the one the app registered. Failures are counted per app
 * and per address where the dependencies carry a throttle; over the budget the answer is 429.
 */
export async function authenticateClient(request: ProtocolRequest, deps: ClientAuthDependencies, policy: AuthenticationPolicy): Promise<AuthenticatedClient> {
  const method = presentedMethod(request);
  const presented = method.extract(request);
  const bodyClientId = param(request.body, 'client_id');
  if (method.name !== 'client_secret_post' && method.name !== 'none' && bodyClientId !== undefined && bodyClientId !== presented.clientId) {
    throw new OAuthError('invalid_request', 'client_id in the body does not match the authenticated client');
  }
  const failures = deps.clientAuthFailures;
  failures?.check(presented.clientId, request.ip);
  let known: OAuthClient | undefined;
  try {
    if (!presented.clientId) {
      throw new OAuthError('invalid_client', 'the client did not identify itself: send client_id, or authenticate (RFC 6749 §2.3)', { status: 401 });
    }
    known = await deps.clients.getClient(presented.clientId);
    if (!known) {
      throw new OAuthError('invalid_client', 'client authentication failed: no app has this client_id', { status: 401 });
    }
    return await verifyPresented(known, method, presented, deps, policy);
  } catch (error) {
    if (failures && isOAuthError(error) && error.code === 'invalid_client' && error.status === 401) {
      await failures.recordFailure(known?.clientId, request.ip);
    }
    throw error;
  }
}

async function verifyPresented(
  client: OAuthClient,
  method: ClientAuthMethod,
  presented: PresentedCredentials,
  deps: ClientAuthDependencies,
  policy: AuthenticationPolicy,
): Promise<AuthenticatedClient> {
  await method.verify(client, presented, deps);
  if (method.name === 'none') requireNoneAllowed(client, policy);
  else if (method.name !== client.policy.tokenEndpointAuthMethod) {
    throw new OAuthError(
      'invalid_client',
      `this app authenticates with ${client.policy.tokenEndpointAuthMethod}, not ${method.name} (its token_endpoint_auth_method)`,
      { status: 401 },
    );
  }
  return { client, method: method.name, proven: method.name !== 'none' };
}
