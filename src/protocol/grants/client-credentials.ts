import type { ResourceDirectory } from '../../ports/directories.js';
import { credentialOwnerClaims } from '../credential-owner.js';
import { param, params, parseScope } from '../messages.js';
import { resolveClientScopes, targetsOf } from '../scopes.js';
import type { Authorization, GrantHandler } from './grant-handler.js';

export interface ClientCredentialsDependencies {
  resources: ResourceDirectory;
}

/**
 * The client credentials grant (RFC 6749 §4.4): confidential clients only, and only their
 * audience + scope pairs. The token's `sub` is the client_id, which can never be a user's
 * `sub` (users are `usr_...`), so a client can't pass for a user (RFC 9700 §4.15). Per-user
 * client credentials name their owner in a claim of its own instead.
 */
export const clientCredentialsGrant: GrantHandler<ClientCredentialsDependencies> = {
  grantType: 'client_credentials',
  parameters: ['scope', 'resource', 'audience'],
  client: { kind: 'confidential', proven: true, refusal: 'client credentials need a confidential app that authenticates (RFC 6749 §4.4)' },

  async validate({ form, client, deps }): Promise<Authorization> {
    const requested = form.has('scope') ? parseScope(param(form, 'scope')) : undefined;
    const targets = targetsOf(params(form, 'resource'), param(form, 'audience'));
    const { scope, apis } = await resolveClientScopes(client, requested, targets, deps.resources);
    // RFC 6749 §4.4.3: no refresh token.
    return {
      client,
      accessToken: { subject: client.clientId, scope, apis, grantId: null, extraClaims: credentialOwnerClaims(client) },
      user: null,
      idToken: null,
      refresh: { kind: 'none' },
      change: { kind: 'none' },
    };
  },
};
