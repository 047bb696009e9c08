import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as oauth from 'oauth4webapi';
import * as client from 'openid-client';
import { operatorActor } from '../../src/domain/access/actor.js';
import { userWithToken } from '../support/api.js';
import { challengeOf, newVerifier, postForm, redeem } from '../support/flows.js';
import { FormBrowser, oauthFixture, redirectUri, type OAuthFixture } from '../support/oauth.js';

const insecure = { [oauth.allowInsecureRequests]: true } as const;
const otherRedirectUri = 'https://client.example.test/other';

/** The usual authorization request parameters with PKCE; `extra` overrides or adds, null removes. */
function authorizationParameters(verifier: string, extra: Record<string, string | null> = {}): Record<string, string> {
  const parameters: Record<string, string | null> = {
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: 'openid',
    state: 'state-1',
    code_challenge: challengeOf(verifier),
    code_challenge_method: 'S256',
    ...extra,
  };
  return Object.fromEntries(Object.entries(parameters).filter((entry): entry is [string, string] => entry[1] !== null));
}

describe('pushed authorization requests (RFC 9126)', () => {
  let fixture: OAuthFixture;
  let web: { clientId: string; clientSecret: string | null };
  let spa: { clientId: string; clientSecret: string | null };
  let parUrl: string;
  // Real time, plus whatever a test skips ahead, so that a request_uri expires without a sleep.
  let skippedMs = 0;
  const clock = { now: () => Date.now() + skippedMs };

  before(async () => {
    fixture = await oauthFixture({ clock });
    parUrl = `${fixture.issuer}/oauth2/par`;
    web = await fixture.createApp({
      name: 'Web',
      type: 'web',
      redirectUris: [redirectUri, otherRedirectUri],
      scopes: ['openid', 'profile', 'email'],
      grantTypes: ['authorization_code', 'refresh_token'],
    });
    spa = await fixture.createApp({ name: 'SPA', type: 'spa', redirectUris: [redirectUri], scopes: ['openid'] });
  });
  after(() => fixture.stop());

  const basic = (app: { clientId: string; clientSecret: string | null }): [string, string] => [app.clientId, app.clientSecret!];

  /** Pushes with Basic credentials (a confidential app) or client_id alone (a public one). */
  function push(app: { clientId: string; clientSecret: string | null }, form: Record<string, string>, options: Parameters<typeof postForm>[2] = {}) {
    return postForm(parUrl, app.clientSecret ? form : { client_id: app.clientId, ...form }, {
      ...(app.clientSecret ? { basic: basic(app) } : {}),
      ...options,
    });
  }

  async function pushed(app: { clientId: string; clientSecret: string | null }, extra: Record<string, string | null> = {}) {
    const verifier = newVerifier();
    const response = await push(app, authorizationParameters(verifier, extra));
    assert.equal(response.status, 201, JSON.stringify(response.body));
    return { requestUri: response.body.request_uri as string, verifier };
  }

  function authorizeWith(clientId: string, requestUri: string, extra: Record<string, string> = {}): URL {
    const url = new URL(`${fixture.issuer}/oauth2/authorize`);
    url.searchParams.set('client_id', clientId);
    url.searchParams.set('request_uri', requestUri);
    for (const [name, value] of Object.entries(extra)) url.searchParams.set(name, value);
    return url;
  }

  /** An error the authorization endpoint shows as a page, not a redirect: its status, code and description. */
  async function errorPage(url: URL) {
    const response = await fetch(url, { redirect: 'manual' });
    const html = await response.text();
    assert.equal(response.headers.get('location'), null, 'not redirected');
    assert.match(response.headers.get('content-type') ?? '', /text\/html/);
    return { status: response.status, html };
  }

  test('discovery names the endpoint, and does not require it by default (RFC 9126 §5)', async () => {
    const metadata = (await (await fetch(`${fixture.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    assert.equal(metadata.pushed_authorization_request_endpoint, parUrl);
    assert.equal(metadata.require_pushed_authorization_requests, false);
  });

  test('oauth4webapi pushes the request, then the code flow runs through sign-in and consent with only client_id and request_uri', async () => {
    const issuer = new URL(fixture.issuer);
    const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, insecure));
    const rp: oauth.Client = { client_id: web.clientId };
    const auth = oauth.ClientSecretBasic(web.clientSecret!);
    const verifier = oauth.generateRandomCodeVerifier();
    const nonce = oauth.generateRandomNonce();
    const parameters = {
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: 'openid email',
      state: 'xyz',
      nonce,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    };
    const response = await oauth.pushedAuthorizationRequest(as, rp, auth, parameters, insecure);
    assert.equal(response.status, 201);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    const result = await oauth.processPushedAuthorizationResponse(as, rp, response);
    assert.match(result.request_uri, /^urn:ietf:params:oauth:request_uri:[A-Za-z0-9_-]{43}$/);
    assert.equal(result.expires_in, 60);

    const url = new URL(as.authorization_endpoint!);
    url.searchParams.set('client_id', web.clientId);
    url.searchParams.set('request_uri', result.request_uri);
    const browser = new FormBrowser(fixture.issuer);
    const callback = await browser.authorize(url, fixture.user);
    const location = new URL(callback.headers.get('location') ?? 'https://missing.example');
    assert.equal(location.origin + location.pathname, redirectUri);
    const params = oauth.validateAuthResponse(as, rp, location, 'xyz');
    const tokenResponse = await oauth.authorizationCodeGrantRequest(as, rp, auth, params, redirectUri, verifier, insecure);
    const tokens = await oauth.processAuthorizationCodeResponse(as, rp, tokenResponse, { expectedNonce: nonce, requireIdToken: true });
    assert.equal(oauth.getValidatedIdTokenClaims(tokens)?.email, fixture.user.email);

    // Used once, even by the browser that completed the flow with it (RFC 9126 §4).
    const again = await errorPage(url);
    assert.equal(again.status, 400);
    assert.match(again.html, /invalid_request_uri/);
    assert.match(again.html, /used already/);
  });

  test('openid-client builds the authorization URL with PAR (buildAuthorizationUrlWithPAR) and redeems the code', async () => {
    // openid-client authenticates its PAR call as at the token endpoint: client_secret_basic, the app's method.
    const configuration = await client.discovery(new URL(fixture.issuer), web.clientId, undefined, client.ClientSecretBasic(web.clientSecret!), {
      execute: [client.allowInsecureRequests],
    });
    assert.equal(configuration.serverMetadata().pushed_authorization_request_endpoint, parUrl);
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const url = await client.buildAuthorizationUrlWithPAR(configuration, {
      redirect_uri: redirectUri,
      scope: 'openid profile',
      state,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    assert.deepEqual([...url.searchParams.keys()].sort(), ['client_id', 'request_uri'], 'the browser carries only client_id and request_uri');
    const browser = new FormBrowser(fixture.issuer);
    const response = await browser.authorize(url, fixture.user);
    const callback = new URL(response.headers.get('location') ?? 'https://missing.example');
    const tokens = await client.authorizationCodeGrant(configuration, callback, { pkceCodeVerifier: verifier, expectedState: state, idTokenExpected: true });
    assert.equal(tokens.claims()?.sub, fixture.user.id);
    assert.equal(tokens.scope, 'openid profile');
  });

  test('a public app pushes with its client_id alone (RFC 9126 §2)', async () => {
    const { requestUri, verifier } = await pushed(spa);
    const browser = new FormBrowser(fixture.issuer);
    const response = await browser.authorize(authorizeWith(spa.clientId, requestUri), fixture.user);
    const code = new URL(response.headers.get('location')!).searchParams.get('code');
    assert.ok(code);
    const tokens = await redeem(fixture, { code, verifier }, spa.clientId, null);
    assert.equal(tokens.status, 200);
  });

  test("a single-page app pushes from its browser: CORS for the app's own origin only", async () => {
    const origin = new URL(redirectUri).origin;
    const preflight = await fetch(parUrl, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } });
    assert.equal(preflight.headers.get('access-control-allow-origin'), origin);
    assert.match(preflight.headers.get('access-control-allow-methods') ?? '', /\bPOST\b/);
    const response = await push(spa, authorizationParameters(newVerifier()), { headers: { origin } });
    assert.equal(response.status, 201);
    assert.equal(response.headers.get('access-control-allow-origin'), origin);
    const other = await push(spa, authorizationParameters(newVerifier()), { headers: { origin: 'https://evil.example' } });
    assert.equal(other.headers.get('access-control-allow-origin'), null);
  });

  test('only the pushed parameters count: those in the browser URL besides client_id and request_uri are ignored (RFC 9126 §4)', async () => {
    const { requestUri } = await pushed(web, { redirect_uri: otherRedirectUri, state: 'pushed-state', scope: 'openid' });
    const browser = new FormBrowser(fixture.issuer);
    const response = await browser.authorize(
      authorizeWith(web.clientId, requestUri, { redirect_uri: redirectUri, state: 'url-state', scope: 'openid profile email' }),
      fixture.user,
    );
    const location = new URL(response.headers.get('location')!);
    assert.equal(location.origin + location.pathname, otherRedirectUri);
    assert.equal(location.searchParams.get('state'), 'pushed-state');
  });

  describe('errors of the pushed authorization request endpoint are JSON OAuth errors (RFC 9126 §2.3)', () => {
    test('a confidential app that does not authenticate is invalid_client (401)', async () => {
      const response = await postForm(parUrl, { client_id: web.clientId, ...authorizationParameters(newVerifier()) });
      assert.equal(response.status, 401);
      assert.equal(response.body.error, 'invalid_client');
      assert.match(response.body.error_description as string, /confidential client and must authenticate/);
      assert.match(response.headers.get('www-authenticate') ?? '', /^Basic/);
    });

    test('a wrong secret is invalid_client (401)', async () => {
      const response = await postForm(parUrl, authorizationParameters(newVerifier()), { basic: [web.clientId, 'lk_cs_wrong'] });
      assert.equal(response.status, 401);
      assert.equal(response.body.error, 'invalid_client');
    });

    test('a client_id in the body that is not the authenticated client is invalid_request', async () => {
      const response = await push(web, { client_id: spa.clientId, ...authorizationParameters(newVerifier()) });
      assert.equal(response.status, 400);
      assert.equal(response.body.error, 'invalid_request');
      assert.match(response.body.error_description as string, /client_id in the body does not match the authenticated client/);
    });

    test('request_uri must not be pushed (RFC 9126 §2.1)', async () => {
      const response = await push(web, { ...authorizationParameters(newVerifier()), request_uri: 'urn:ietf:params:oauth:request_uri:abc' });
      assert.equal(response.status, 400);
      assert.equal(response.body.error, 'invalid_request');
      assert.match(response.body.error_description as string, /request_uri must not be sent to the pushed authorization request endpoint \(RFC 9126 §2\.1\)/);
    });

    const refused: [string, Record<string, string | null>, string, RegExp][] = [
      ['an unregistered redirect_uri', { redirect_uri: 'https://evil.example/cb' }, 'invalid_request', /not one of the redirect URIs registered/],
      ['a scope the app was not given', { scope: 'openid phone' }, 'invalid_scope', /may not ask for the phone scope/],
      ['response_type token', { response_type: 'token' }, 'unsupported_response_type', /only code/],
      ['no PKCE', { code_challenge: null, code_challenge_method: null }, 'invalid_request', /code_challenge is required/],
      ['prompt=none with another value', { prompt: 'none login' }, 'invalid_request', /can not be combined/],
      ['a request object that is not a JWT', { request: 'eyJ...' }, 'invalid_request_object', /not a JWT/],
    ];
    for (const [label, extra, code, description] of refused) {
      test(`${label} is refused as at the authorization endpoint: ${code}, in JSON`, async () => {
        const response = await push(web, authorizationParameters(newVerifier(), extra));
        assert.equal(response.status, 400);
        assert.match(response.headers.get('content-type') ?? '', /application\/json/);
        assert.equal(response.body.error, code);
        assert.match(response.body.error_description as string, description);
      });
    }

    test('parameters in the query string are refused: they belong in the form body', async () => {
      const response = await push(web, authorizationParameters(newVerifier()), { query: 'scope=openid' });
      assert.equal(response.status, 400);
      assert.equal(response.body.error, 'invalid_request');
      assert.match(response.body.error_description as string, /form body, not the query string/);
    });
  });

  describe('a request_uri that can not be used is invalid_request_uri, shown as a page: the redirect URI is not proven (RFC 9126 §4)', () => {
    test('an expired one (after 60 seconds)', async () => {
      const { requestUri } = await pushed(web);
      skippedMs += 61_000;
      try {
        const page = await errorPage(authorizeWith(web.clientId, requestUri));
        assert.equal(page.status, 400);
        assert.match(page.html, /invalid_request_uri/);
        assert.match(page.html, /has expired: a pushed authorization request is valid for 60 seconds/);
      } finally {
        skippedMs -= 61_000;
      }
    });

    test('a used one: the first use starts the sign-in, the second is refused', async () => {
      const { requestUri } = await pushed(web);
      const first = await fetch(authorizeWith(web.clientId, requestUri), { redirect: 'manual' });
      assert.equal(first.status, 302);
      assert.match(first.headers.get('location') ?? '', /\/interaction\//);
      const second = await errorPage(authorizeWith(web.clientId, requestUri));
      assert.match(second.html, /invalid_request_uri/);
      assert.match(second.html, /used already/);
    });

    test('of two browsers racing with one request_uri, one starts the sign-in and the other is refused', async () => {
      const { requestUri } = await pushed(web);
      const responses = await Promise.all([1, 2].map(() => fetch(authorizeWith(web.clientId, requestUri), { redirect: 'manual' })));
      assert.deepEqual(responses.map((response) => response.status).sort(), [302, 400]);
    });

    test('one sent with another client_id than the app that pushed it; it stays usable by that app', async () => {
      const { requestUri, verifier } = await pushed(web);
      const page = await errorPage(authorizeWith(spa.clientId, requestUri));
      assert.equal(page.status, 400);
      assert.match(page.html, /invalid_request_uri/);
      assert.match(page.html, /pushed by another client than the one client_id names/);
      const browser = new FormBrowser(fixture.issuer);
      const response = await browser.authorize(authorizeWith(web.clientId, requestUri), fixture.user);
      const code = new URL(response.headers.get('location')!).searchParams.get('code');
      assert.equal((await redeem(fixture, { code: code!, verifier }, web.clientId, web.clientSecret)).status, 200);
    });

    test('one without client_id is invalid_request', async () => {
      const { requestUri } = await pushed(web);
      const url = new URL(`${fixture.issuer}/oauth2/authorize`);
      url.searchParams.set('request_uri', requestUri);
      const page = await errorPage(url);
      assert.match(page.html, /invalid_request/);
      assert.match(page.html, /client_id is missing: send it with the request_uri/);
    });

    test('an unknown one', async () => {
      const page = await errorPage(authorizeWith(web.clientId, 'urn:ietf:params:oauth:request_uri:nothing-pushed-here'));
      assert.match(page.html, /invalid_request_uri/);
      assert.match(page.html, /not one this server issued/);
    });
  });

  test('the pushed request is checked again when it is used: an app disabled in between gets no code', async () => {
    const app = await fixture.createApp({ name: 'Soon disabled', type: 'web', redirectUris: [redirectUri], scopes: ['openid'] });
    const { requestUri } = await pushed(app);
    await fixture.server.server.runtime.registry.apps.transition({ actor: operatorActor }, app.clientId, 'disable');
    const response = await fetch(authorizeWith(app.clientId, requestUri), { redirect: 'manual' });
    assert.equal(response.status, 302);
    const params = new URL(response.headers.get('location')!).searchParams;
    assert.equal(params.get('error'), 'unauthorized_client');
    assert.equal(params.get('state'), 'state-1', 'the error goes back with the pushed state');
  });

  describe('an app that requires pushed authorization requests (security.requirePushedAuthorizationRequests)', () => {
    let strict: { clientId: string; clientSecret: string | null };
    before(async () => {
      strict = await fixture.createApp({
        name: 'PAR only',
        type: 'web',
        redirectUris: [redirectUri],
        scopes: ['openid'],
        security: { requirePushedAuthorizationRequests: true },
      });
    });

    test('a request in the URL is refused with invalid_request naming the rule, back at the redirect URI', async () => {
      const url = new URL(`${fixture.issuer}/oauth2/authorize`);
      for (const [name, value] of Object.entries({ client_id: strict.clientId, ...authorizationParameters(newVerifier()) })) url.searchParams.set(name, value);
      const response = await fetch(url, { redirect: 'manual' });
      assert.equal(response.status, 302);
      const params = new URL(response.headers.get('location')!).searchParams;
      assert.equal(params.get('error'), 'invalid_request');
      assert.match(params.get('error_description') ?? '', /this app requires pushed authorization requests.*\(RFC 9126 §5\)/);
      assert.equal(params.get('state'), 'state-1');
    });

    test('a pushed request goes through', async () => {
      const { requestUri, verifier } = await pushed(strict);
      const response = await new FormBrowser(fixture.issuer).authorize(authorizeWith(strict.clientId, requestUri), fixture.user);
      const code = new URL(response.headers.get('location')!).searchParams.get('code');
      assert.equal((await redeem(fixture, { code: code!, verifier }, strict.clientId, strict.clientSecret)).status, 200);
    });

    test('the management API sets, shows and validates the setting', async () => {
      const { api } = await userWithToken(fixture.server, { role: 'admin' });
      const changed = await api.patch<{ security: Record<string, boolean> }>(`/apps/${web.clientId}`, {
        security: { requirePushedAuthorizationRequests: true },
      });
      assert.equal(changed.status, 200, changed.text);
      assert.equal(changed.body.security.requirePushedAuthorizationRequests, true);
      assert.equal((await api.get<{ security: Record<string, boolean> }>(`/apps/${web.clientId}`)).body.security.requirePushedAuthorizationRequests, true);
      const invalid = await api.patch(`/apps/${web.clientId}`, { security: { requirePushedAuthorizationRequests: 'yes' } });
      assert.equal(invalid.status, 400);
      assert.match(invalid.text, /security\.requirePushedAuthorizationRequests/);
      const off = await api.patch<{ security: Record<string, boolean> }>(`/apps/${web.clientId}`, { security: { requirePushedAuthorizationRequests: false } });
      assert.equal(off.body.security.requirePushedAuthorizationRequests, false);
    });
  });
});

describe('a server that requires pushed authorization requests (authorization.requirePushedRequests)', () => {
  let fixture: OAuthFixture;
  let web: { clientId: string; clientSecret: string | null };
  before(async () => {
    fixture = await oauthFixture({ inProcess: true, env: { LATCHKEY_AUTHORIZATION_REQUIRE_PUSHED_REQUESTS: 'true' } });
    web = await fixture.createApp({ name: 'Web', type: 'web', redirectUris: [redirectUri], scopes: ['openid'] });
  });
  after(() => fixture.stop());

  test('discovery says require_pushed_authorization_requests (RFC 9126 §5)', async () => {
    const metadata = (await (await fixture.fetch(`${fixture.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    assert.equal(metadata.require_pushed_authorization_requests, true);
  });

  test('a request in the URL is refused with invalid_request naming the rule; a pushed one goes through', async () => {
    const verifier = newVerifier();
    const url = new URL(`${fixture.issuer}/oauth2/authorize`);
    for (const [name, value] of Object.entries({ client_id: web.clientId, ...authorizationParameters(verifier) })) url.searchParams.set(name, value);
    const refused = await fixture.fetch(url, { redirect: 'manual' });
    assert.equal(refused.status, 302);
    const params = new URL(refused.headers.get('location')!).searchParams;
    assert.equal(params.get('error'), 'invalid_request');
    assert.match(params.get('error_description') ?? '', /this server requires pushed authorization requests/);

    const pushed = await postForm(`${fixture.issuer}/oauth2/par`, authorizationParameters(verifier), {
      basic: [web.clientId, web.clientSecret!],
      fetch: fixture.fetch,
    });
    assert.equal(pushed.status, 201);
    const authorize = new URL(`${fixture.issuer}/oauth2/authorize`);
    authorize.searchParams.set('client_id', web.clientId);
    authorize.searchParams.set('request_uri', pushed.body.request_uri as string);
    const response = await new FormBrowser(fixture.issuer, fixture.fetch).authorize(authorize, fixture.user);
    const code = new URL(response.headers.get('location')!).searchParams.get('code');
    assert.equal((await redeem(fixture, { code: code!, verifier }, web.clientId, web.clientSecret)).status, 200);
  });

  test("the console's own sign-in pushes its request too, and signs in", async () => {
    await fixture.server.server.runtime.registry.orgs.putMember({ actor: operatorActor }, 'default', { userId: fixture.user.id, role: 'admin' });
    const browser = new FormBrowser(fixture.issuer, fixture.fetch);
    const start = await browser.get(`${fixture.issuer}/console/auth/login`);
    assert.equal(start.status, 302);
    const location = new URL(start.headers.get('location')!);
    assert.equal(location.pathname, '/oauth2/authorize');
    assert.deepEqual([...location.searchParams.keys()].sort(), ['client_id', 'request_uri']);
    // Sign-in, the callback and on to the console's page, which the walk ends at.
    const landed = await browser.authorize(location, fixture.user);
    assert.match(await landed.text(), /latchkey-console-root/);
    const cookie = [...browser.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const session = await fixture.fetch(`${fixture.issuer}/console/api/session`, { headers: { cookie } });
    assert.equal(session.status, 200);
  });
});
