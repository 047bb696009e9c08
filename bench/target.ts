import { createHash, randomBytes } from 'node:crypto';
import { basicAuth, Browser, postForm } from './browser.js';
import type { StartedChild } from './children.js';
import { benchApi, benchUser, flowApi, redirectUri, type ClientCredentials } from './fixtures.js';

export type ServerKind = 'latchkey' | 'peer';

/** A running server under test and what the scenarios need to talk to it. */
export interface Target {
  kind: ServerKind;
  label: string;
  origin: string;
  child: StartedChild;
  m2m: ClientCredentials;
  web: ClientCredentials;
  /** The parameter that names an API in a client credentials request. */
  audienceParameter: 'audience' | 'resource';
  /** Extra authorization parameters for a grant that must come with a refresh token. */
  offlineParameters: Record<string, string>;
  /** Cookies that carry the sign-in session. */
  sessionCookieNames: readonly string[];
  endpoints: Endpoints;
}

export interface Endpoints {
  discovery: string;
  jwks: string;
  authorization: string;
  token: string;
  introspection: string;
  userinfo: string;
}

/** Paths (with the origin removed) of the endpoints the discovery document advertises. */
export async function discoverEndpoints(origin: string): Promise<Endpoints> {
  const discovery = '/.well-known/openid-configuration';
  const response = await fetch(origin + discovery);
  const document = (await response.json()) as Record<string, string>;
  const path = (name: string) => {
    const value = document[name];
    if (!value) throw new Error(`${origin}: discovery has no ${name}`);
    return new URL(value).pathname;
  };
  return {
    discovery,
    jwks: path('jwks_uri'),
    authorization: path('authorization_endpoint'),
    token: path('token_endpoint'),
    introspection: path('introspection_endpoint'),
    userinfo: path('userinfo_endpoint'),
  };
}

export function newVerifier(): string {
  return randomBytes(32).toString('base64url');
}

export function challengeOf(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

/** The authorization request of the user flows: PKCE S256, one API. */
export function authorizationPath(target: Target, verifier: string, options: { scope: string; api?: string; extra?: Record<string, string> }): string {
  const query = new URLSearchParams({
    client_id: target.web.clientId,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: options.scope,
    state: 'bench',
    code_challenge: challengeOf(verifier),
    code_challenge_method: 'S256',
    ...(options.api ? { resource: options.api } : {}),
    ...options.extra,
  });
  return `${target.endpoints.authorization}?${query.toString()}`;
}

export function codeExchangeBody(code: string, verifier: string): string {
  return new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier }).toString();
}

export function webAuthorization(target: Target): string {
  return basicAuth(target.web.clientId, target.web.clientSecret);
}

export function m2mAuthorization(target: Target): string {
  return basicAuth(target.m2m.clientId, target.m2m.clientSecret);
}

export function clientCredentialsBody(target: Target, apiKey: 'opaque' | 'es256' | 'rs256'): string {
  const api = benchApi(apiKey);
  return new URLSearchParams({ grant_type: 'client_credentials', scope: api.scope, [target.audienceParameter]: api.identifier }).toString();
}

/** What a target has after setup: a signed-in browser and tokens for the scenarios that need one. */
export interface Fixture {
  browser: Browser;
  sessionCookie: string;
  /** Distinct tokens for the introspection and userinfo runs (empty for the other scenarios). */
  opaqueAccessTokens: string[];
  userinfoAccessTokens: string[];
  /** Refresh tokens, each the head of its own chain; the refresh scenario takes and returns them. */
  refreshTokens: string[];
}

/** Runs one authorization code flow with the session and returns the token response. */
export async function codeFlow(
  target: Target,
  browser: Browser,
  scope: string,
  api?: string,
  extra: Record<string, string> = {},
): Promise<Record<string, unknown>> {
  const verifier = newVerifier();
  const callback = await browser.authorize(
    target.origin + authorizationPath(target, verifier, { scope, ...(api ? { api } : {}), extra }),
    redirectUri,
    benchUser,
  );
  const code = callback.searchParams.get('code');
  if (!code) throw new Error(`${target.label}: no code in ${callback.href}`);
  return postForm(target.origin + target.endpoints.token, Object.fromEntries(new URLSearchParams(codeExchangeBody(code, verifier))), target.web);
}

export async function newRefreshChain(target: Target, browser: Browser): Promise<string> {
  const tokens = await codeFlow(target, browser, `openid offline_access ${flowApi.scope}`, flowApi.identifier, target.offlineParameters);
  if (typeof tokens.refresh_token !== 'string') throw new Error(`${target.label}: no refresh token: ${JSON.stringify(tokens)}`);
  return tokens.refresh_token;
}

/**
 * Distinct tokens a token-checking run cycles through: an API sees many users' tokens, and a
 * server must not look faster than it is because every request carried the same one.
 */
export const distinctTokensPerRun = 64;

/**
 * Signs in once (so that the user has a session and consent), then gets the tokens the scenario
 * needs: opaque access tokens for introspection, user access tokens for userinfo.
 */
export async function prepare(target: Target, needs: { opaqueAccessTokens?: number; userinfoAccessTokens?: number } = {}): Promise<Fixture> {
  const browser = new Browser(target.origin);
  // The first flow signs in and consents to everything the flows scenario asks for.
  await codeFlow(target, browser, `openid ${flowApi.scope}`, flowApi.identifier);
  const userinfoAccessTokens: string[] = [];
  for (let index = 0; index < (needs.userinfoAccessTokens ?? 0); index++) {
    const tokens = await codeFlow(target, browser, 'openid profile email');
    if (typeof tokens.access_token !== 'string') throw new Error(`${target.label}: setup got no access token: ${JSON.stringify(tokens)}`);
    userinfoAccessTokens.push(tokens.access_token);
  }
  const opaqueAccessTokens: string[] = [];
  for (let index = 0; index < (needs.opaqueAccessTokens ?? 0); index++) {
    const cc = await postForm(
      target.origin + target.endpoints.token,
      Object.fromEntries(new URLSearchParams(clientCredentialsBody(target, 'opaque'))),
      target.m2m,
    );
    if (typeof cc.access_token !== 'string') throw new Error(`${target.label}: setup got no access token: ${JSON.stringify(cc)}`);
    opaqueAccessTokens.push(cc.access_token);
  }
  return {
    browser,
    sessionCookie: browser.cookieHeader(target.sessionCookieNames),
    opaqueAccessTokens,
    userinfoAccessTokens,
    refreshTokens: [],
  };
}

/**
 * Tops the pool of refresh chains up to `count` fresh ones (chains cut by the end of a run are
 * dropped). One after another: oidc-provider refuses parallel interactions of one session.
 */
export async function refillRefreshChains(target: Target, fixture: Fixture, count: number): Promise<void> {
  // In place: a running plan holds this very array as its pool.
  fixture.refreshTokens.length = 0;
  for (let i = 0; i < count; i += 1) fixture.refreshTokens.push(await newRefreshChain(target, fixture.browser));
}
