import type { ApiRecord } from '../../ports/api-repository.js';
import type { JsonValue } from '../../ports/app-repositories.js';
import type { OAuthClient, ResourceDirectory } from '../../ports/directories.js';
import { mayUseApp, privateAppRefusal, type AppAccessDependencies } from '../app-access.js';
import { authorizationOf, type AuthorizationCoverageDependencies } from '../authorization-coverage.js';
import { credentialOwnerClaim } from '../credential-owner.js';
import { OAuthError } from '../errors.js';
import { param, params, parseScope, type ParameterBag } from '../messages.js';
import { isReservedApi, targetApi, targetsOf } from '../scopes.js';
import { assetTokenExchange, isAssetTokenRequest, type AssetTokenDependencies } from './asset-token.js';
import {
  exchangeTokenTypes,
  grantOfExchange,
  readExchangeToken,
  requireSupportedType,
  type ExchangeParty,
  type ExchangeTokenDependencies,
} from './exchange-tokens.js';
import type { Authorization, GrantHandler, OwnTokenIssue } from './grant-handler.js';

export const tokenExchangeGrantType = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const accessTokenType = exchangeTokenTypes.accessToken;

export interface TokenExchangeDependencies
  extends
    Omit<AppAccessDependencies, 'organizations'>,
    Omit<AuthorizationCoverageDependencies, 'organizations'>,
    ExchangeTokenDependencies,
    Omit<AssetTokenDependencies, 'organizations' | 'validator'> {
  organizations: AppAccessDependencies['organizations'] & AuthorizationCoverageDependencies['organizations'];
  resources: ResourceDirectory;
}

/**
 * Token exchange (RFC 8693) for delegation: an app trades a token it holds (the subject: an
 * access token, e.g. the one an API received; an ID token of this server; or a JWT of an issuer
 * it trusts) for one aimed at another API of its organization that the app may reach, with only
 * the scopes that apply there and that the app may hold, never outliving the original. The new
 * token says who acts with `act` (§4.1): the actor token's subject, else the app (unless the app
 * allows impersonation, §1.1). An
 * access token subject's scopes carry over and the new token shares its grant, so revoking that
 * grant revokes both; an ID token or a trusted issuer's JWT grants no scope by itself, so the user
 * must have authorized the app for the new token's scopes (docs/token-exchange.md).
 */

export const tokenExchangeGrant: GrantHandler<TokenExchangeDependencies, Authorization | OwnTokenIssue> = {
  grantType: tokenExchangeGrantType,
  parameters: ['subject_token', 'subject_token_type', 'requested_token_type', 'actor_token', 'actor_token_type', 'resource', 'audience', 'scope'],
  client: { kind: 'confidential', proven: true, refusal: 'token exchange needs a confidential app that authenticates (RFC 8693 §2.1)' },

  async validate({ form, client, now, deps }): Promise<Authorization | OwnTokenIssue> {
    // Asset tokens: docs/asset-tokens.md, asset-token.ts.
    if (isAssetTokenRequest(form)) return assetTokenExchange({ form, client, now, deps });
    const subject = await subjectOf(form, client, deps, now);
    // A user's token becomes the exchanging app's token for that user: a private app may hold it only for someone it serves.
    if (subject.isUser && !(await mayUseApp(deps, client, subject.subject))) throw new OAuthError('invalid_grant', privateAppRefusal);
    const act = await actorOf(form, client, subject, deps, now);
    const apis = await targetApis(form, client, subject, deps);
    const requested = form.has('scope') ? parseScope(param(form, 'scope')) : undefined;
    const scope = exchangedScope(client, subject, apis, requested);
    if (
      subject.needsAuthorization &&
      !(await authorizationOf(
        deps,
        client,
        subject.subject,
        scope,
        apis.map((api) => api.identifier),
      ))
    ) {
      throw new OAuthError(
        'invalid_grant',
        'the user has not authorized this app for these scopes: they must have consented to it, or an administrator must have pre-authorized them for it (RFC 8693 §2.1)',
      );
    }
    const { grantId, change } = grantOfExchange(subject, client, scope, apis, now);
    return {
      client,
      accessToken: {
        subject: subject.subject,
        scope,
        apis,
        grantId,
        ...(subject.authTime !== undefined ? { authTime: subject.authTime } : {}),
        ...exchangedClaims(act, subject),
        notAfter: subject.expiresAt,
      },
      user: null,
      idToken: null,
      refresh: { kind: 'none' },
      change,
      issuedTokenType: accessTokenType,
    };
  },
};

/**
 * The claims the new token carries beyond its own: who acts, and the owner of per-user client
 * credentials whose token was exchanged, who answers for the new token as for the old one.
 */
function exchangedClaims(act: JsonValue | undefined, subject: ExchangeParty): { extraClaims?: Record<string, JsonValue> } {
  const claims: Record<string, JsonValue> = {
    ...(act !== undefined ? { act } : {}),
    ...(subject.owner !== undefined ? { [credentialOwnerClaim]: subject.owner } : {}),
  };
  return Object.keys(claims).length > 0 ? { extraClaims: claims } : {};
}

/** The subject token (RFC 8693 §2.1): an access token or ID token of this server, of an app of the client's organization, or a JWT of an issuer the app trusts. */
async function subjectOf(form: ParameterBag, client: OAuthClient, deps: TokenExchangeDependencies, now: number): Promise<ExchangeParty> {
  const subjectToken = param(form, 'subject_token');
  const subjectType = param(form, 'subject_token_type');
  if (!subjectToken || !subjectType) throw new OAuthError('invalid_request', 'subject_token and subject_token_type are required (RFC 8693 §2.1)');
  requireSupportedType('subject_token', subjectType);
  const requestedType = param(form, 'requested_token_type');
  if (requestedType !== undefined && requestedType !== accessTokenType) {
    throw new OAuthError('invalid_request', `requested_token_type ${requestedType} is not supported: only ${accessTokenType}`);
  }
  return readExchangeToken(subjectToken, subjectType, 'subject_token', client, deps, now);
}

/**
 * Who acts (RFC 8693 §4.1): the actor token's subject, else the client; a chain of delegation
 * nests the previous actor. Without an actor token an app that allows impersonation (§1.1) gets
 * a token for the subject alone: no `act` of its own, the subject token's chain as it was.
 */
async function actorOf(
  form: ParameterBag,
  client: OAuthClient,
  subject: ExchangeParty,
  deps: TokenExchangeDependencies,
  now: number,
): Promise<JsonValue | undefined> {
  let act: Record<string, JsonValue> = { sub: client.clientId };
  const actorToken = param(form, 'actor_token');
  if (actorToken === undefined && client.policy.security.tokenExchangeImpersonation) return subject.act;
  if (actorToken !== undefined) {
    const actorType = requireSupportedType('actor_token', param(form, 'actor_token_type'));
    const actor = await readExchangeToken(actorToken, actorType, 'actor_token', client, deps, now);
    act = { sub: actor.subject };
  }
  if (subject.act !== undefined) act = { ...act, act: subject.act };
  return act;
}

async function targetApis(form: ParameterBag, client: OAuthClient, subject: ExchangeParty, deps: TokenExchangeDependencies): Promise<ApiRecord[]> {
  const targets = targetsOf(params(form, 'resource'), param(form, 'audience'));
  if (targets.length === 0) throw new OAuthError('invalid_target', 'name the API the new token is for with audience or resource (RFC 8693 §2.1)');
  const apis: ApiRecord[] = [];
  const subjectAudiences = subject.audiences;
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
function exchangedScope(client: OAuthClient, subject: ExchangeParty, apis: readonly ApiRecord[], requested: readonly string[] | undefined): string[] {
  const carried = new Set<string>();
  for (const api of apis) {
    const mayHold = isReservedApi(api) ? new Set(api.scopes.map((candidate) => candidate.name)) : scopesForTarget(client, api);
    for (const name of mayHold) carried.add(name);
  }
  // An ID token holds no scope: what the app may hold is bounded by the user's authorization instead.
  const held = new Set(subject.scope ?? carried);
  for (const name of carried) if (!held.has(name)) carried.delete(name);
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
