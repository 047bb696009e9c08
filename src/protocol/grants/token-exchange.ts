import type { ApiRecord } from '../../ports/api-repository.js';
import type { JsonValue } from '../../ports/app-repositories.js';
import { OAuthError } from '../errors.js';
import { param, params, parseScope } from '../messages.js';
import { isReservedApi, targetApi, targetsOf } from '../scopes.js';
import { audiencesOf, validatorFor } from '../tokens/token-validator.js';
import type { GrantHandler, TokenResponse } from './grant-handler.js';

export const tokenExchangeGrantType = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const accessTokenType = 'urn:ietf:params:oauth:token-type:access_token';

/**
 * Token exchange (RFC 8693) for delegation: an app trades an access token it holds (the subject,
 * e.g. the one an API received) for one aimed at another API of its organization, never wider in
 * scope and never outliving the original. The new token says who acts with `act` (§4.1); it shares
 * the subject token's grant, so revoking that grant revokes both.
 */
export const tokenExchangeGrant: GrantHandler = {
  grantType: tokenExchangeGrantType,

  async handle({ request, client, authenticated, now, deps }): Promise<TokenResponse> {
    if (client.kind !== 'confidential' || !authenticated.proven) {
      throw new OAuthError('unauthorized_client', 'token exchange needs a confidential app that authenticates (RFC 8693 §2.1)');
    }
    const subjectToken = param(request.body, 'subject_token');
    const subjectType = param(request.body, 'subject_token_type');
    if (!subjectToken || !subjectType) throw new OAuthError('invalid_request', 'subject_token and subject_token_type are required (RFC 8693 §2.1)');
    if (subjectType !== accessTokenType) {
      throw new OAuthError('invalid_request', `subject_token_type ${subjectType} is not supported: send an access token (${accessTokenType})`);
    }
    const requestedType = param(request.body, 'requested_token_type');
    if (requestedType !== undefined && requestedType !== accessTokenType) {
      throw new OAuthError('invalid_request', `requested_token_type ${requestedType} is not supported: only ${accessTokenType}`);
    }
    const subject = await validatorFor(deps).accessToken(subjectToken);
    if (!subject) throw new OAuthError('invalid_grant', 'the subject_token is not an active access token of this server (RFC 8693 §2.2.2)');
    if (subject.client.app.orgId !== client.app.orgId) {
      throw new OAuthError('invalid_grant', "the subject_token belongs to another organization's app");
    }

    let act: Record<string, JsonValue> = { sub: client.clientId };
    const actorToken = param(request.body, 'actor_token');
    if (actorToken !== undefined) {
      if (param(request.body, 'actor_token_type') !== accessTokenType) {
        throw new OAuthError('invalid_request', `actor_token_type must be ${accessTokenType} (RFC 8693 §2.1)`);
      }
      const actor = await validatorFor(deps).accessToken(actorToken);
      if (!actor) throw new OAuthError('invalid_grant', 'the actor_token is not an active access token of this server');
      act = { sub: actor.subject };
    }
    // RFC 8693 §4.1: a chain of delegation nests the previous actor.
    if (subject.claims.act !== undefined) act = { ...act, act: subject.claims.act };

    const targets = targetsOf(params(request.body, 'resource'), param(request.body, 'audience'));
    if (targets.length === 0) throw new OAuthError('invalid_target', 'name the API the new token is for with audience or resource (RFC 8693 §2.1)');
    const apis: ApiRecord[] = [];
    const subjectAudiences = audiencesOf(subject);
    for (const target of targets) {
      const api = await targetApi(client, target, deps.resources);
      // The management plane is reached only with a token that was already for it: a token for an
      // organization's API never turns into one for the management API, whatever its scope names.
      if (isReservedApi(api) && !subjectAudiences.includes(api.identifier)) {
        throw new OAuthError('invalid_target', `${target} is the Latchkey management API: only a subject_token issued for it may be exchanged for it`);
      }
      apis.push(api);
    }
    const requested = request.body.has('scope') ? parseScope(param(request.body, 'scope')) : subject.scope;
    const wider = requested.filter((scope) => !subject.scope.includes(scope));
    if (wider.length > 0) throw new OAuthError('invalid_scope', `the new token can not have scopes the subject token lacks: ${wider.join(' ')}`);

    const accessToken = await deps.tokens.issueAccessToken({
      client,
      subject: subject.subject,
      scope: requested,
      apis,
      grantId: subject.grant?.id ?? null,
      ...(subject.grant ? { authTime: subject.grant.authTime } : {}),
      now,
      extraClaims: { act },
      notAfter: subject.expiresAt,
    });
    if (accessToken.record) await deps.storage.accessTokens.insert(accessToken.record);
    deps.events.publish({ type: 'token.issued', orgId: client.app.orgId, clientId: client.clientId, grantType: tokenExchangeGrantType });
    return {
      access_token: accessToken.token,
      issued_token_type: accessTokenType,
      token_type: 'Bearer',
      expires_in: accessToken.expiresIn,
      scope: requested.join(' '),
    };
  },
};
