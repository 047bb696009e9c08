import { createHash, randomBytes } from 'node:crypto';
import type { Fetch } from './inject.js';
import { FormBrowser, redirectUri, type OAuthFixture } from './oauth.js';

export function newVerifier(): string {
  return randomBytes(32).toString('base64url');
}

export function challengeOf(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

/** An authorization URL with PKCE (S256) and the usual parameters; `extra` overrides or adds. */
export function authorizeUrl(issuer: string, clientId: string, extra: Record<string, string | null> = {}, verifier = newVerifier()): URL {
  const url = new URL(`${issuer}/oauth2/authorize`);
  const parameters: Record<string, string | null> = {
    client_id: clientId,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: 'openid',
    state: 'state-1',
    code_challenge: challengeOf(verifier),
    code_challenge_method: 'S256',
    ...extra,
  };
  for (const [name, value] of Object.entries(parameters)) if (value !== null) url.searchParams.set(name, value);
  return url;
}

/** Signs in (and consents) through the hosted pages and returns the code with its verifier. */
export async function obtainCode(
  fixture: OAuthFixture,
  clientId: string,
  extra: Record<string, string | null> = {},
  browser = new FormBrowser(fixture.issuer, fixture.fetch),
): Promise<{ code: string; verifier: string; browser: FormBrowser; callback: URLSearchParams }> {
  const verifier = newVerifier();
  const response = await browser.authorize(authorizeUrl(fixture.issuer, clientId, extra, verifier), fixture.user);
  const location = response.headers.get('location');
  if (!location) throw new Error(`no redirect: ${response.status} ${await response.text()}`);
  const callback = new URL(location).searchParams;
  const code = callback.get('code');
  if (!code) throw new Error(`no code: ${location}`);
  return { code, verifier, browser, callback };
}

export interface TokenCall {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

/** POSTs to the token endpoint (or another endpoint) with a form body and optional Basic credentials. */
export async function postForm(
  url: string,
  form: Record<string, string>,
  options: { basic?: [string, string]; headers?: Record<string, string>; query?: string; fetch?: Fetch } = {},
): Promise<TokenCall> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', ...options.headers };
  if (options.basic) {
    const [id, secret] = options.basic;
    headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
  }
  const response = await (options.fetch ?? fetch)(url + (options.query ? `?${options.query}` : ''), {
    method: 'POST',
    headers,
    body: new URLSearchParams(form),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, headers: response.headers };
}

export function tokenUrl(fixture: OAuthFixture): string {
  return `${fixture.issuer}/oauth2/token`;
}

/** Exchanges a code for tokens with Basic client credentials (or none for a public app). */
export function redeem(
  fixture: OAuthFixture,
  code: { code: string; verifier: string },
  clientId: string,
  secret: string | null,
  extra: Record<string, string> = {},
) {
  return postForm(
    tokenUrl(fixture),
    {
      grant_type: 'authorization_code',
      code: code.code,
      redirect_uri: redirectUri,
      code_verifier: code.verifier,
      ...(secret ? {} : { client_id: clientId }),
      ...extra,
    },
    { ...(secret ? { basic: [clientId, secret] as [string, string] } : {}), fetch: fixture.fetch },
  );
}
