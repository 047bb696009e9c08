import { appTypeRules } from '../../domain/apps/app-types.js';
import type { AppType } from '../../ports/app-repositories.js';
import type { ClientDirectory, OAuthClient, ResourceDirectory } from '../../ports/directories.js';
import type { AuthorizationPolicy, OrganizationDirectory } from '../context.js';
import { OAuthError } from '../errors.js';
import { param, params, parseScope, type ParameterBag } from '../messages.js';
import { resolveUserScopes, targetsOf } from '../scopes.js';
import { acrCanBeMet, acrValuesSupported } from '../acr.js';
import { claimsForApp, parseClaimsRequest, requestedValues } from '../tokens/claims-request.js';
import { resolveRequestObject, type RequestObjectDependencies } from './request-object.js';
import type { AuthorizationRequest, Prompt, ResponseMode } from './request.js';

/** The request as the checks build it up; every check reads parameters and fills in its part. */
export interface AuthorizeCheckContext {
  parameters: ParameterBag;
  /** Whether the parameters came through the pushed authorization request endpoint (RFC 9126), not the browser's URL. */
  pushed: boolean;
  deps: RequestObjectDependencies & {
    clients: Pick<ClientDirectory, 'getClient' | 'clientKeys'>;
    resources: ResourceDirectory;
    organizations: Pick<OrganizationDirectory, 'resolve'>;
    authorizationPolicy: AuthorizationPolicy;
  };
  client?: OAuthClient;
  request: Partial<AuthorizationRequest> & { responseMode: ResponseMode; state: string | null };
}

/** One small named rule of the authorization request; it throws an OAuthError or fills in the request. */
export interface AuthorizeCheck {
  name: string;
  run(context: AuthorizeCheckContext): void | Promise<void>;
}

const loopbackAuthority = /^(http:\/\/(?:127\.0\.0\.1|\[::1\]|localhost))(?::\d{1,5})?([/?].*)?$/;

/**
 * Whether a redirect URI (or post-logout redirect URI) presented in a request is the registered one.
 * Exact string comparison (RFC 9700 §2.1, §4.1), with one exception: a native app's loopback URI
 * may use any port (RFC 8252 §7.3), because the OS picks its listener's port at run time. Only the
 * port may differ. A web app's or single-page app's loopback URI is a fixed address and matches
 * exactly, like any other URI.
 */
export function redirectUriMatches(registered: string, presented: string, appType: AppType): boolean {
  if (registered === presented) return true;
  if (!appTypeRules[appType].loopbackRedirectAnyPort) return false;
  const a = loopbackAuthority.exec(registered);
  const b = loopbackAuthority.exec(presented);
  return a !== null && b !== null && a[1] === b[1] && (a[2] ?? '') === (b[2] ?? '');
}

/** 1. The client: present once, known. Until the redirect URI is proven, errors are shown, not redirected. */
export const checkClient: AuthorizeCheck = {
  name: 'client',
  async run(context) {
    if ((context.parameters.get('client_id')?.length ?? 0) > 1) {
      throw new OAuthError('invalid_request', 'client_id is included more than once (RFC 6749 §3.1)');
    }
    const clientId = param(context.parameters, 'client_id');
    if (!clientId) throw new OAuthError('invalid_request', 'client_id is missing (RFC 6749 §4.1.1)');
    const client = await context.deps.clients.getClient(clientId);
    if (!client) throw new OAuthError('invalid_client', `no app has the client_id ${clientId}`);
    context.client = client;
    context.request.clientId = clientId;
  },
};

/**
 * A request object by value (RFC 9101): once the client is known, its verified parameters replace
 * the URL's, so that every check below (the redirect URI first) reads what the app signed.
 */
export const checkRequestObject: AuthorizeCheck = {
  name: 'request object',
  async run(context) {
    context.parameters = await resolveRequestObject(context.parameters, context.client!, context.deps);
  },
};

/** 2. The redirect URI: one of the app's, compared exactly (RFC 9700 §4.1); required for OpenID Connect. */
export const checkRedirectUri: AuthorizeCheck = {
  name: 'redirect_uri',
  run(context) {
    const client = context.client!;
    if ((context.parameters.get('redirect_uri')?.length ?? 0) > 1) {
      throw new OAuthError('invalid_request', 'redirect_uri is included more than once (RFC 6749 §3.1)');
    }
    const registered = client.policy.redirectUris;
    const presented = param(context.parameters, 'redirect_uri');
    if (presented === undefined) {
      const isOpenId = (param(context.parameters, 'scope') ?? '').split(' ').includes('openid');
      if (isOpenId) throw new OAuthError('invalid_request', 'redirect_uri is required in an OpenID Connect request (OIDC Core §3.1.2.1)');
      if (registered.length !== 1) {
        throw new OAuthError('invalid_request', 'redirect_uri is required: the app registered several (RFC 6749 §3.1.2.3)');
      }
      context.request.redirectUri = registered[0]!;
      context.request.redirectUriGiven = false;
      return;
    }
    if (!registered.some((uri) => redirectUriMatches(uri, presented, client.app.type))) {
      throw new OAuthError('invalid_request', 'redirect_uri is not one of the redirect URIs registered for this app (exact match, RFC 9700 §4.1)');
    }
    context.request.redirectUri = presented;
    context.request.redirectUriGiven = true;
  },
};

/** From here on, errors go back to the proven redirect URI, in the response mode the request asked for. */
export const checkResponseMode: AuthorizeCheck = {
  name: 'response_mode',
  run(context) {
    const mode = param(context.parameters, 'response_mode');
    context.request.state = param(context.parameters, 'state') ?? null;
    if (mode === undefined || mode === 'query') return;
    if (mode === 'form_post') {
      context.request.responseMode = 'form_post';
      return;
    }
    throw new OAuthError('invalid_request', `response_mode ${mode} is not supported: use query or form_post`);
  },
};

/**
 * RFC 9126 §5: an app (security.requirePushedAuthorizationRequests) or the whole server
 * (authorization.requirePushedRequests) may take authorization requests only as pushed ones.
 */
export const checkPushedRequestRequired: AuthorizeCheck = {
  name: 'pushed authorization request required',
  run(context) {
    if (context.pushed) return;
    const byApp = context.client!.policy.security.requirePushedAuthorizationRequests;
    if (!byApp && !context.deps.authorizationPolicy.requirePushedRequests) return;
    throw new OAuthError(
      'invalid_request',
      `${byApp ? 'this app' : 'this server'} requires pushed authorization requests: push the request to the pushed authorization request endpoint first and send only client_id and the request_uri it returns (RFC 9126 §5)`,
    );
  },
};

export const checkDuplicateParameters: AuthorizeCheck = {
  name: 'duplicate parameters',
  run(context) {
    for (const [name, values] of context.parameters) {
      if (values.length > 1 && name !== 'resource') {
        throw new OAuthError('invalid_request', `the ${name} parameter is included more than once (RFC 6749 §3.1)`);
      }
    }
  },
};

/** Request objects by reference (OIDC Core §6.2) and dynamic registration in the request are not supported. */
export const checkUnsupportedParameters: AuthorizeCheck = {
  name: 'request objects by reference',
  run(context) {
    if (context.parameters.has('request_uri')) throw new OAuthError('request_uri_not_supported', 'the request_uri parameter is not supported (OIDC Core §6.2)');
    if (context.parameters.has('registration'))
      throw new OAuthError('registration_not_supported', 'the registration parameter is not supported (OIDC Core §7.2.1)');
  },
};

/** Only the authorization code flow: no implicit, no hybrid (RFC 9700 §2.1.2). */
export const checkResponseType: AuthorizeCheck = {
  name: 'response_type',
  run(context) {
    const responseType = param(context.parameters, 'response_type');
    if (!responseType) throw new OAuthError('invalid_request', 'response_type is missing (RFC 6749 §4.1.1)');
    if (responseType !== 'code') {
      throw new OAuthError(
        'unsupported_response_type',
        `response_type ${responseType} is not supported: only code (no implicit or hybrid flows, RFC 9700 §2.1.2)`,
      );
    }
  },
};

/** Drafts and disabled apps get no codes; the app must use the authorization code grant. */
export const checkClientMayAuthorize: AuthorizeCheck = {
  name: 'client status and grant',
  run(context) {
    const client = context.client!;
    if (client.app.status !== 'active') {
      throw new OAuthError('unauthorized_client', `the app is ${client.app.status}: only active apps may ask for authorization`);
    }
    if (!client.policy.grantTypes.includes('authorization_code')) {
      throw new OAuthError('unauthorized_client', "this app may not use the authorization code grant: it is not in the app's grant types");
    }
  },
};

/** PKCE with S256 only (RFC 9700 §2.1.1); required for public apps and for apps that require it. */
export const checkPkce: AuthorizeCheck = {
  name: 'pkce',
  run(context) {
    const client = context.client!;
    const challenge = param(context.parameters, 'code_challenge');
    const method = param(context.parameters, 'code_challenge_method');
    const required = client.kind === 'public' || client.policy.security.requirePkce;
    if (challenge === undefined) {
      if (method !== undefined) throw new OAuthError('invalid_request', 'code_challenge_method was sent without a code_challenge (RFC 7636 §4.3)');
      if (required) throw new OAuthError('invalid_request', 'code_challenge is required: this app must use PKCE with S256 (RFC 7636, RFC 9700 §2.1.1)');
      context.request.codeChallenge = null;
      return;
    }
    if (method !== 'S256') {
      throw new OAuthError(
        'invalid_request',
        method === undefined
          ? 'code_challenge_method is missing, which means plain (RFC 7636 §4.3); only S256 is accepted'
          : `code_challenge_method ${method} is not supported: only S256 (RFC 9700 §2.1.1)`,
      );
    }
    if (!/^[A-Za-z0-9_-]{43}$/.test(challenge)) {
      throw new OAuthError('invalid_request', 'code_challenge must be the 43-character base64url SHA-256 of the code_verifier (RFC 7636 §4.2)');
    }
    context.request.codeChallenge = challenge;
  },
};

/** Scopes and target APIs (RFC 6749 §3.3, RFC 8707, seed 004's audience). */
export const checkScopeAndAudience: AuthorizeCheck = {
  name: 'scope and audience',
  async run(context) {
    const client = context.client!;
    const requested = context.parameters.has('scope') ? parseScope(param(context.parameters, 'scope')) : undefined;
    const targets = targetsOf(params(context.parameters, 'resource'), param(context.parameters, 'audience'));
    const { scope, apis } = await resolveUserScopes(client, requested, targets, context.deps.resources);
    context.request.scope = scope;
    context.request.audiences = apis.map((api) => api.identifier);
  },
};

export const checkNonce: AuthorizeCheck = {
  name: 'nonce',
  run(context) {
    const nonce = param(context.parameters, 'nonce') ?? null;
    if (nonce !== null && nonce.length > 512) throw new OAuthError('invalid_request', 'nonce must be at most 512 characters');
    context.request.nonce = nonce;
  },
};

const prompts: readonly Prompt[] = ['none', 'login', 'consent', 'select_account'];

/** prompt (OIDC Core §3.1.2.1): none must stand alone. */
export const checkPrompt: AuthorizeCheck = {
  name: 'prompt',
  run(context) {
    const values = (param(context.parameters, 'prompt') ?? '').split(' ').filter(Boolean);
    for (const value of values) {
      if (!prompts.includes(value as Prompt)) throw new OAuthError('invalid_request', `prompt ${value} is not one of none, login, consent, select_account`);
    }
    if (values.includes('none') && values.length > 1) {
      throw new OAuthError('invalid_request', 'prompt=none can not be combined with other prompt values (OIDC Core §3.1.2.1)');
    }
    context.request.prompt = [...new Set(values)] as Prompt[];
  },
};

export const checkMaxAge: AuthorizeCheck = {
  name: 'max_age',
  run(context) {
    const value = param(context.parameters, 'max_age');
    if (value === undefined) {
      context.request.maxAge = null;
      return;
    }
    if (!/^\d{1,10}$/.test(value)) throw new OAuthError('invalid_request', 'max_age must be a non-negative whole number of seconds (OIDC Core §3.1.2.1)');
    context.request.maxAge = Number(value);
  },
};

export const checkLoginHint: AuthorizeCheck = {
  name: 'login_hint',
  run(context) {
    const hint = param(context.parameters, 'login_hint') ?? null;
    context.request.loginHint = hint !== null && hint.length <= 254 ? hint : null;
  },
};

/**
 * `organization` (by name or id) and `invitation`: membership is checked after sign-in. A name
 * that matches no organization is not refused here: the answer would tell anyone which names
 * exist. It fails after sign-in exactly as an organization the user is not a member of does.
 */
export const checkOrganization: AuthorizeCheck = {
  name: 'organization',
  async run(context) {
    const organization = param(context.parameters, 'organization');
    const invitation = param(context.parameters, 'invitation') ?? null;
    context.request.invitation = invitation;
    if (organization === undefined) {
      if (invitation !== null) throw new OAuthError('invalid_request', 'invitation needs the organization it is for');
      context.request.organizationId = null;
      context.request.organizationUnknown = false;
      return;
    }
    const org = await context.deps.organizations.resolve(organization);
    context.request.organizationId = org?.id ?? null;
    context.request.organizationUnknown = org === undefined;
  },
};

/** acr_values (OIDC Core §3.1.2.1): space-separated class references, kept in their order. */
export const checkAcrValues: AuthorizeCheck = {
  name: 'acr_values',
  run(context) {
    const value = param(context.parameters, 'acr_values') ?? '';
    if (value.length > 1000) throw new OAuthError('invalid_request', 'acr_values must be at most 1000 characters');
    context.request.acrValues = [...new Set(value.split(' ').filter(Boolean))];
  },
};

/**
 * The claims parameter (OIDC Core §5.5): a request for claims in the ID token and from userinfo,
 * with OpenID Connect only. What Latchkey does not know, or the app may not be given, is left out.
 * An essential `acr` (§5.5.1.1) must name a class Latchkey can meet: the sign-in then has to meet
 * one of them; when none can be, the request fails as an authentication that could not be made.
 */
export const checkClaimsParameter: AuthorizeCheck = {
  name: 'claims',
  run(context) {
    const value = param(context.parameters, 'claims');
    if (value === undefined) {
      context.request.claims = null;
      context.request.essentialAcr = [];
      return;
    }
    if (!context.request.scope!.includes('openid')) {
      throw new OAuthError('invalid_request', 'the claims parameter needs the openid scope: it asks for claims of OpenID Connect (OIDC Core §5.5)');
    }
    const claims = claimsForApp(parseClaimsRequest(value), context.client!.policy.scopes);
    const acr = claims.id_token?.acr;
    const essentialAcr = acr?.essential === true ? requestedValues(acr).filter((entry): entry is string => typeof entry === 'string') : [];
    if (essentialAcr.length > 0 && !acrCanBeMet(essentialAcr)) {
      throw new OAuthError(
        'unmet_authentication_requirements',
        `the essential acr asks for ${essentialAcr.join(', ')}, and this server can meet only ${acrValuesSupported.join(', ')} (OIDC Core §5.5.1.1)`,
      );
    }
    context.request.claims = claims;
    context.request.essentialAcr = essentialAcr;
  },
};

/** RFC 7638 §3: a SHA-256 JWK thumbprint is 32 bytes, 43 base64url characters. */
const jwkThumbprintPattern = /^[A-Za-z0-9_-]{43}$/;

/**
 * dpop_jkt (RFC 9449 §10): the thumbprint of the DPoP key the code is bound to; the token
 * request must then come with a proof of that key. A proof sent to the pushed authorization
 * request endpoint sets it there (§10.1).
 */
export const checkDpopJkt: AuthorizeCheck = {
  name: 'dpop_jkt',
  run(context) {
    const jkt = param(context.parameters, 'dpop_jkt') ?? null;
    if (jkt !== null && !jwkThumbprintPattern.test(jkt)) {
      throw new OAuthError('invalid_request', 'dpop_jkt must be the base64url SHA-256 JWK thumbprint of the DPoP key (RFC 9449 §10, RFC 7638)');
    }
    context.request.dpopJkt = jkt;
  },
};

/** The checks whose failure is shown to the user: the redirect URI is not proven yet (RFC 9700 §4.11). */
export const checksBeforeRedirect: readonly AuthorizeCheck[] = [checkClient, checkRequestObject, checkRedirectUri];

/** The checks whose failure goes back to the client, in order. */
export const checksAfterRedirect: readonly AuthorizeCheck[] = [
  checkResponseMode,
  checkPushedRequestRequired,
  checkDuplicateParameters,
  checkUnsupportedParameters,
  checkResponseType,
  checkClientMayAuthorize,
  checkPkce,
  checkScopeAndAudience,
  checkNonce,
  checkPrompt,
  checkMaxAge,
  checkLoginHint,
  checkOrganization,
  checkAcrValues,
  checkClaimsParameter,
  checkDpopJkt,
];
