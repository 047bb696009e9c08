import type { OAuthClient } from '../../ports/directories.js';
import { OAuthError } from '../errors.js';
import { param } from '../messages.js';
import type { ClientAuthDependencies, ClientAuthMethod, PresentedCredentials } from './methods.js';

export async function verifyClientSecret(
  client: OAuthClient,
  presented: PresentedCredentials,
  deps: ClientAuthDependencies,
  headers: Record<string, string> = {},
): Promise<void> {
  if (client.kind === 'public') {
    throw new OAuthError('invalid_client', 'this app is a public client: it has no client secret to send', { status: 401, headers });
  }
  if (!presented.secret || !(await deps.clients.verifySecret(client.clientId, presented.secret))) {
    throw new OAuthError('invalid_client', 'client authentication failed: the client secret is not valid for this client', { status: 401, headers });
  }
}

/** client_id and client_secret in the form body (RFC 6749 §2.3.1). */
export const clientSecretPost: ClientAuthMethod = {
  name: 'client_secret_post',
  presentIn: (request) => request.body.has('client_secret'),
  extract: (request) => ({ method: 'client_secret_post', clientId: param(request.body, 'client_id'), secret: param(request.body, 'client_secret') ?? '' }),
  verify: (client, presented, deps) => verifyClientSecret(client, presented, deps),
};
