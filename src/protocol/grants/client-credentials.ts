import { OAuthError } from '../errors.js';
import { param, params, parseScope } from '../messages.js';
import { resolveClientScopes, targetsOf } from '../scopes.js';
import type { GrantHandler, TokenResponse } from './grant-handler.js';

/**
 * The client credentials grant (RFC 6749 §4.4): confidential clients only, and only their
 * audience + scope pairs. The token's `sub` is the client_id, which can never be a user's
 * `sub` (users are `usr_...`), so a client can't pass for a user (RFC 9700 §4.15).
 */
export const clientCredentialsGrant: GrantHandler = {
  grantType: 'client_credentials',

  async handle({ request, client, authenticated, now, deps }): Promise<TokenResponse> {
    if (client.kind !== 'confidential' || !authenticated.proven) {
      throw new OAuthError('unauthorized_client', 'client credentials need a confidential app that authenticates (RFC 6749 §4.4)');
    }
    const requested = request.body.has('scope') ? parseScope(param(request.body, 'scope')) : undefined;
    const targets = targetsOf(params(request.body, 'resource'), param(request.body, 'audience'));
    const { scope, apis } = await resolveClientScopes(client, requested, targets, deps.resources);
    const accessToken = await deps.tokens.issueAccessToken({ client, subject: client.clientId, scope, apis, grantId: null, now });
    if (accessToken.record) await deps.storage.accessTokens.insert(accessToken.record);
    deps.events.publish({ type: 'token.issued', orgId: client.app.orgId, clientId: client.clientId, grantType: 'client_credentials' });
    // RFC 6749 §4.4.3: no refresh token.
    return { access_token: accessToken.token, token_type: 'Bearer', expires_in: accessToken.expiresIn, scope: scope.join(' ') };
  },
};
