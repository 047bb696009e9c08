import type { ApiRecord } from '../../ports/api-repository.js';
import type { JsonValue } from '../../ports/app-repositories.js';
import type { OAuthClient, ResourceDirectory } from '../../ports/directories.js';
import { mayUseApp, privateAppRefusal, type AppAccessDependencies } from '../app-access.js';
import { OAuthError } from '../errors.js';
import { param, params, parseScope, type ParameterBag } from '../messages.js';
import { isReservedApi, targetApi, targetsOf } from '../scopes.js';
import { audiencesOf, type ActiveToken, type TokenValidator } from '../tokens/token-validator.js';
import { assetTokenExchange, isAssetTokenRequest, type AssetTokenDependencies } from './asset-token.js';
import type { Authorization, GrantHandler, OwnTokenIssue } from './grant-handler.js';

export const tokenExchangeGrantType = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const accessTokenType = 'urn:ietf:params:oauth:token-type:access_token';

export interface TokenExchangeDependencies extends AppAccessDependencies, AssetTokenDependencies {
  validator: Pick<TokenValidator, 'accessToken'>;
  resources: ResourceDirectory;
}

/**
 * Token exchange (RFC 8693) for delegation: an app trades an access token it holds (the subject,
 * e.g. the one an API received) for one aimed at another API of its organization that the app may
 * reach, with only the subject's scopes that apply there and that the app may hold, never
 * outliving the original. The new token says who acts with `act` (§4.1); it shares
 * the subject token's grant, so revoking that grant revokes both.
 */

export const tokenExchangeGrant: GrantHandler<TokenExchangeDependencies, Authorization | OwnTokenIssue> = {
  grantType: tokenExchangeGrantType,
  parameters: ['subject_token', 'subject_token_type', 'requested_token_type', 'actor_token', 'actor_token_type', 'resource', 'audience', 'scope'],
  client: { kind: 'confidential', proven: true, refusal: 'token exchange needs a confidential app that authenticates (RFC 8693 §2.1)' },

  async validate({ form, client, now, deps }): Promise<Authorization | OwnTokenIssue> {
    // Asset tokens: docs/asset-tokens.md, asset-token.ts.
    if (isAssetTokenRequest(form)) return assetTokenExchange({ form, client, now, deps });
    const subject = await subjectOf(form, client, deps);
    // A user's token becomes the exchanging app's token for that user: a private app may hold it only for someone it serves.
    if (subject.grant && !(await mayUseApp(deps, client, subject.subject))) throw new OAuthError('invalid_grant', privateAppRefusal);
    const act = await actorOf(form, client, subject, deps);
    const apis = await targetApis(form, client, subject, deps);
    const requested = form.has('scope') ? parseScope(param(form, 'scope')) : undefined;
    const scope = exchangedScope(client, subject, apis, requested);
    return {
      client,
      accessToken: {
        subject: subject.subject,
        scope,
        apis,
        grantId: subject.grant?.id ?? null,
        ...(subject.grant ? { authTime: subject.grant.authTime } : {}),
        extraClaims: { act },
        notAfter: subject.expiresAt,
      },
      user: null,
      idToken: null,
      refresh: { kind: 'none' },
      change: { kind: 'none' },
      issuedTokenType: accessTokenType,
    };
  },
};

/** The subject token (RFC 8693 §2.1): an active access token of this server, of an app of the client's organization. */
async function subjectOf(form: ParameterBag, client: OAuthClient, deps: TokenExchangeDependencies): Promise<ActiveToken> {
  const subjectToken = param(form, 'subject_token');
  const subjectType = param(form, 'subject_token_type');
  if (!subjectToken || !subjectType) throw new OAuthError('invalid_request', 'subject_token and subject_token_type are required (RFC 8693 §2.1)');
  if (subjectType !== accessTokenType) {
    throw new OAuthError('invalid_request', `subject_token_type ${subjectType} is not supported: send an access token (${accessTokenType})`);
  }
  const requestedType = param(form, 'requested_token_type');
  if (requestedType !== undefined && requestedType !== accessTokenType) {
    throw new OAuthError('invalid_request', `requested_token_type ${requestedType} is not supported: only ${accessTokenType}`);
  }
  // RFC 8693 §2.2.2: a subject or actor token that is not valid for this exchange is invalid_request.
  const subject = await deps.validator.accessToken(subjectToken);
  if (!subject) {
    throw new OAuthError('invalid_request', 'the subject_token is not an active access token of this server: invalid, expired or revoked (RFC 8693 §2.2.2)');
  }
  if (subject.client.app.orgId !== client.app.orgId) {
    throw new OAuthError('invalid_request', "the subject_token was issued to another organization's app (RFC 8693 §2.2.2)");
  }
  return subject;
}

/** Who acts (RFC 8693 §4.1): the actor token's subject, else the client; a chain of delegation nests the previous actor. */
async function actorOf(form: ParameterBag, client: OAuthClient, subject: ActiveToken, deps: TokenExchangeDependencies): Promise<Record<string, JsonValue>> {
  let act: Record<string, JsonValue> = { sub: client.clientId };
  const actorToken = param(form, 'actor_token');
  if (actorToken !== undefined) {
    if (param(form, 'actor_token_type') !== accessTokenType) {
      throw new OAuthError('invalid_request', `actor_token_type must be ${accessTokenType} (RFC 8693 §2.1)`);
    }
    const actor = await deps.validator.accessToken(actorToken);
    if (!actor) {
      throw new OAuthError('invalid_request', 'the actor_token is not an active access token of this server: invalid, expired or revoked (RFC 8693 §2.2.2)');
    }
    if (actor.client.app.orgId !== client.app.orgId) {
      throw new OAuthError('invalid_request', "the actor_token was issued to another organization's app (RFC 8693 §2.2.2)");
    }
    act = { sub: actor.subject };
  }
  if (subject.claims.act !== undefined) act = { ...act, act: subject.claims.act };
  return act;
}

async function targetApis(form: ParameterBag, client: OAuthClient, subject: ActiveToken, deps: TokenExchangeDependencies): Promise<ApiRecord[]> {
  const targets = targetsOf(params(form, 'resource'), param(form, 'audience'));
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
    if (!isReservedApi(api) && scopesForTarget(client, api).size === 0) {
      throw new OAuthError(
        'invalid_target',
        `this app may not reach ${target}: give it an audience + scope pair for that API, or one of its scopes in its allowed scopes (RFC 8693 §2.2.2)`,
      );
    }
    apis.push(api);
  }
  return apis;
}

/**
 * The scopes an app may hold for an API: those of the API among the app's allowed scopes, and
 * those of its audience + scope pairs for it. The management API's are the subject token's own.
 */
function scopesForTarget(client: OAuthClient, api: ApiRecord): Set<string> {
  const ofApi = new Set(api.scopes.map((candidate) => candidate.name));
  const allowed = new Set(client.policy.scopes.filter((name) => ofApi.has(name)));
  for (const grant of client.policy.apiGrants) {
    if (grant.audience === api.identifier) for (const name of grant.scopes) if (ofApi.has(name)) allowed.add(name);
  }
  return allowed;
}

/**
 * The new token's scope: what was asked for (by default everything that may carry over), where
 * each scope is one the subject token holds, one of a target API's, and one the app may hold for
 * that API. A token's scopes for one API never become scopes for another.
 */
function exchangedScope(client: OAuthClient, subject: ActiveToken, apis: readonly ApiRecord[], requested: readonly string[] | undefined): string[] {
  const held = new Set(subject.scope);
  const carried = new Set<string>();
  for (const api of apis) {
    const mayHold = isReservedApi(api) ? new Set(api.scopes.map((candidate) => candidate.name)) : scopesForTarget(client, api);
    for (const name of mayHold) if (held.has(name)) carried.add(name);
  }
  if (requested === undefined) return [...carried];
  for (const name of requested) {
    if (carried.has(name)) continue;
    const targets = apis.map((api) => api.identifier).join(', ');
    if (!held.has(name)) throw new OAuthError('invalid_scope', `the new token can not have scopes the subject token lacks: ${name}`);
    if (!apis.some((api) => api.scopes.some((candidate) => candidate.name === name)))
      throw new OAuthError('invalid_scope', `${name} is not a scope of ${targets}`);
    throw new OAuthError('invalid_scope', `this app may not hold the ${name} scope for ${targets}: it is not in its allowed scopes or audience + scope pairs`);
  }
  return [...new Set(requested)];
}
