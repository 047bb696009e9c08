import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { operatorActor } from '../../src/domain/access/actor.js';
import { authorizeUrl, obtainCode, redeem } from '../support/flows.js';
import { apiIdentifier, FormBrowser, hiddenField, oauthFixture, redirectUri, type OAuthFixture } from '../support/oauth.js';
import { startTestServer } from '../support/server.js';

describe('authorization endpoint rules', () => {
  let fixture: OAuthFixture;
  let web: { clientId: string; clientSecret: string | null };
  let native: { clientId: string; clientSecret: string | null };

  // Real time, plus whatever a test skips ahead, so that waiting out a throttle takes no sleep.
  let skippedMs = 0;
  const clock = { now: () => Date.now() + skippedMs };

  before(async () => {
    fixture = await oauthFixture({ clock });
    web = await fixture.createApp({
      name: 'Web',
      type: 'web',
      redirectUris: [redirectUri, 'https://client.example.test/other'],
      scopes: ['openid', 'profile', 'email', 'offline_access', 'read:contacts'],
      grantTypes: ['authorization_code', 'refresh_token'],
    });
    native = await fixture.createApp({
      name: 'Native',
      type: 'native',
      redirectUris: ['http://127.0.0.1/callback', 'com.example.app:/cb'],
      scopes: ['openid'],
    });
  });
  after(() => fixture.stop());

  /** An authorization request that errors before sign-in: the redirect's error, or the page. */
  async function errorOf(url: URL) {
    const response = await fetch(url, { redirect: 'manual' });
    const location = response.headers.get('location');
    return { response, params: location ? new URL(location).searchParams : null, location };
  }

  describe('until the client and redirect URI are proven, errors are shown, never redirected (RFC 9700 §4.11)', () => {
    for (const [label, overrides] of [
      ['unknown client_id', { client_id: 'no-such-client' }],
      ['missing client_id', { client_id: null }],
      ['unregistered redirect_uri', { redirect_uri: 'https://evil.example/callback' }],
      ['redirect_uri differing by a trailing slash (exact match, RFC 9700 §4.1)', { redirect_uri: `${redirectUri}/` }],
      ['redirect_uri differing in case (exact match, RFC 9700 §4.1)', { redirect_uri: redirectUri.toUpperCase() }],
      ['client_id sent twice (RFC 6749 §3.1)', {}],
      ['missing redirect_uri in an OpenID Connect request (OIDC Core §3.1.2.1)', { redirect_uri: null }],
    ] as const) {
      test(label, async () => {
        const url = authorizeUrl(fixture.issuer, web.clientId, overrides);
        if (label.startsWith('client_id sent twice')) url.searchParams.append('client_id', native.clientId);
        const { response, location } = await errorOf(url);
        assert.equal(response.status, 400);
        assert.equal(location, null, 'no redirect');
        assert.match(response.headers.get('content-type') ?? '', /text\/html/);
        assert.match(await response.text(), /invalid_(request|client)/);
      });
    }
  });

  test('a loopback redirect URI may use any port (RFC 8252 §7.3)', async () => {
    const { response, location } = await errorOf(
      authorizeUrl(fixture.issuer, native.clientId, { redirect_uri: 'http://127.0.0.1:49152/callback', response_type: 'token' }),
    );
    assert.equal(response.status, 302);
    assert.ok(location?.startsWith('http://127.0.0.1:49152/callback?'), 'proven, so the error goes back to it');
    const otherPath = await errorOf(authorizeUrl(fixture.issuer, native.clientId, { redirect_uri: 'http://127.0.0.1:49152/other' }));
    assert.equal(otherPath.response.status, 400, 'only the port may vary');
  });

  const redirected: [string, Record<string, string | null>, string, RegExp][] = [
    ['only response_type=code: no implicit (RFC 9700 §2.1.2)', { response_type: 'token' }, 'unsupported_response_type', /only code/],
    ['no hybrid flows (RFC 9700 §2.1.2)', { response_type: 'code id_token' }, 'unsupported_response_type', /only code/],
    ['response_type is required (RFC 6749 §4.1.1)', { response_type: null }, 'invalid_request', /response_type is missing/],
    ['PKCE plain is refused: S256 only (RFC 9700 §2.1.1)', { code_challenge_method: 'plain' }, 'invalid_request', /only S256/],
    ['a code_challenge without method means plain and is refused (RFC 7636 §4.3)', { code_challenge_method: null }, 'invalid_request', /which means plain/],
    ['a malformed code_challenge is refused (RFC 7636 §4.2)', { code_challenge: 'short' }, 'invalid_request', /43-character/],
    ['PKCE is required by default (RFC 9700 §2.1.1)', { code_challenge: null, code_challenge_method: null }, 'invalid_request', /code_challenge is required/],
    ['response_mode must be query or form_post', { response_mode: 'fragment' }, 'invalid_request', /response_mode fragment is not supported/],
    ['request_uri is not supported (OIDC Core §6.2)', { request_uri: 'urn:x' }, 'request_uri_not_supported', /request_uri/],
    ['a scope the app was not given is refused (RFC 6749 §3.3)', { scope: 'openid phone' }, 'invalid_scope', /may not ask for the phone scope/],
    [
      'an API scope needs its API named (RFC 8707)',
      { scope: 'openid read:contacts' },
      'invalid_scope',
      /name that API with the audience or resource parameter/,
    ],
    ['an unknown resource is invalid_target (RFC 8707 §2)', { resource: 'https://unknown.example' }, 'invalid_target', /not an API/],
    ['a resource with a fragment is invalid_target (RFC 8707 §2)', { resource: `${apiIdentifier}#x` }, 'invalid_target', /without a fragment/],
    ['prompt=none stands alone (OIDC Core §3.1.2.1)', { prompt: 'none login' }, 'invalid_request', /can not be combined/],
    ['an unknown prompt is refused', { prompt: 'maybe' }, 'invalid_request', /prompt maybe/],
    ['max_age must be a number of seconds', { max_age: '-1' }, 'invalid_request', /max_age/],
    ['prompt=none without a session is login_required (OIDC Core §3.1.2.6)', { prompt: 'none' }, 'login_required', /sign in/],
  ];
  for (const [label, overrides, code, description] of redirected) {
    test(`${label}: redirected as ${code}, with state and iss (RFC 9207)`, async () => {
      const { response, params } = await errorOf(authorizeUrl(fixture.issuer, web.clientId, overrides));
      assert.equal(response.status, 302);
      assert.equal(params?.get('error'), code);
      assert.match(params?.get('error_description') ?? '', description);
      assert.equal(params?.get('state'), 'state-1');
      assert.equal(params?.get('iss'), fixture.issuer);
    });
  }

  test('a parameter other than client_id sent twice is invalid_request (RFC 6749 §3.1)', async () => {
    const url = authorizeUrl(fixture.issuer, web.clientId);
    url.searchParams.append('scope', 'openid');
    const { params } = await errorOf(url);
    assert.equal(params?.get('error'), 'invalid_request');
    assert.match(params?.get('error_description') ?? '', /scope parameter is included more than once/);
  });

  test('a draft or disabled app gets no code', async () => {
    const draft = await fixture.createApp({ name: 'Draft', type: 'web', status: 'draft', redirectUris: [redirectUri] });
    const { params } = await errorOf(authorizeUrl(fixture.issuer, draft.clientId));
    assert.equal(params?.get('error'), 'unauthorized_client');
    assert.match(params?.get('error_description') ?? '', /the app is draft/);
  });

  test('an app without the authorization code grant may not ask for a code', async () => {
    const machine = await fixture.createApp({ name: 'CC only', type: 'web', redirectUris: [redirectUri], grantTypes: ['client_credentials'] });
    const { params } = await errorOf(authorizeUrl(fixture.issuer, machine.clientId));
    assert.equal(params?.get('error'), 'unauthorized_client');
  });

  test('a confidential app with requirePkce off may omit PKCE', async () => {
    const relaxed = await fixture.createApp({ name: 'No PKCE', type: 'web', redirectUris: [redirectUri], security: { requirePkce: false } });
    const response = await fetch(authorizeUrl(fixture.issuer, relaxed.clientId, { code_challenge: null, code_challenge_method: null }), { redirect: 'manual' });
    assert.match(response.headers.get('location') ?? '', /\/interaction\//);
  });

  test('a successful response carries the code, state and iss (RFC 9207 §2)', async () => {
    const { callback } = await obtainCode(fixture, web.clientId);
    assert.match(callback.get('code') ?? '', /^lk_ac_/);
    assert.equal(callback.get('state'), 'state-1');
    assert.equal(callback.get('iss'), fixture.issuer);
  });

  test('the redirect URI keeps its own query (RFC 6749 §3.1.2)', async () => {
    const withQuery = await fixture.createApp({ name: 'Query', type: 'web', redirectUris: ['https://client.example.test/cb?tenant=7'] });
    const { response, location } = await errorOf(
      authorizeUrl(fixture.issuer, withQuery.clientId, { redirect_uri: 'https://client.example.test/cb?tenant=7', response_type: 'token' }),
    );
    assert.equal(response.status, 302);
    assert.ok(location?.startsWith('https://client.example.test/cb?tenant=7&'));
  });

  describe('sign-in and consent pages', () => {
    test('pages that take credentials or consent are not framed, not cached and send no referrer (RFC 9700 §4.16, §4.2)', async () => {
      const browser = new FormBrowser(fixture.issuer);
      const page = await browser.authorize(authorizeUrl(fixture.issuer, web.clientId));
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
      assert.equal(page.headers.get('x-frame-options'), 'DENY');
      assert.equal(page.headers.get('referrer-policy'), 'no-referrer');
      assert.equal(page.headers.get('cache-control'), 'no-store');
      const html = await page.text();
      assert.match(html, /<label for="email">Email<\/label>/);
      assert.match(html, /<label for="password">Password<\/label>/);
    });

    test('after a POST the browser is sent on with 303, never 307 (RFC 9700 §4.12)', async () => {
      const fresh = await fixture.createApp({ name: 'Fresh', type: 'web', redirectUris: [redirectUri] });
      const browser = new FormBrowser(fixture.issuer);
      const start = await browser.get(authorizeUrl(fixture.issuer, fresh.clientId));
      const pageUrl = new URL(start.headers.get('location')!);
      const html = await (await browser.get(pageUrl)).text();
      const login = await browser.post(`${pageUrl.href}/login`, {
        csrf: hiddenField(html, 'csrf')!,
        email: fixture.user.email,
        password: fixture.user.password,
      });
      assert.equal(login.status, 303);
      const consentHtml = await (await browser.get(new URL(login.headers.get('location')!))).text();
      const consent = await browser.post(`${pageUrl.href}/consent`, { csrf: hiddenField(consentHtml, 'csrf')!, decision: 'allow' });
      assert.equal(consent.status, 303);
      assert.ok(consent.headers.get('location')?.startsWith(redirectUri));
    });

    test('the session cookie is HttpOnly and SameSite=Lax', async () => {
      const browser = new FormBrowser(fixture.issuer);
      const start = await browser.get(authorizeUrl(fixture.issuer, web.clientId));
      const pageUrl = new URL(start.headers.get('location')!);
      const html = await (await browser.get(pageUrl)).text();
      const login = await fetch(`${pageUrl.href}/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: [...browser.cookies].map(([name, value]) => `${name}=${value}`).join('; '), 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ csrf: hiddenField(html, 'csrf')!, email: fixture.user.email, password: fixture.user.password }),
      });
      const session = login.headers.getSetCookie().find((cookie) => cookie.startsWith('lk_session='));
      assert.ok(session);
      assert.match(session, /HttpOnly/i);
      assert.match(session, /SameSite=Lax/i);
    });

    test('a form without the right CSRF token is refused and signs no one in', async () => {
      const browser = new FormBrowser(fixture.issuer);
      const start = await browser.get(authorizeUrl(fixture.issuer, web.clientId));
      const pageUrl = start.headers.get('location')!;
      const response = await browser.post(`${pageUrl}/login`, { csrf: 'forged', email: fixture.user.email, password: fixture.user.password });
      assert.equal(response.status, 403);
      assert.match(await response.text(), /CSRF/);
      assert.equal(
        [...browser.cookies.keys()].some((name) => name.includes('session')),
        false,
      );
    });

    test('an interaction can not be finished from another browser', async () => {
      const browser = new FormBrowser(fixture.issuer);
      const start = await browser.get(authorizeUrl(fixture.issuer, web.clientId));
      const response = await new FormBrowser(fixture.issuer).get(start.headers.get('location')!);
      assert.equal(response.status, 400);
      assert.match(await response.text(), /started in another browser/);
    });

    test('an unknown email and a wrong password get the same answer', async () => {
      const pages: string[] = [];
      for (const email of ['nobody@example.test', fixture.user.email]) {
        const browser = new FormBrowser(fixture.issuer);
        const page = await browser.authorize(authorizeUrl(fixture.issuer, web.clientId), { email, password: 'wrong password 1' });
        assert.equal(page.status, 401);
        pages.push(/<p class="error"[^>]*>([^<]*)</.exec(await page.text())?.[1] ?? '');
      }
      assert.equal(pages[0], pages[1]);
      assert.equal(pages[0], 'The email or password is not right.');
    });

    test('repeated failures for one account are slowed down with 429 and Retry-After, then the user can try again', async () => {
      const victim = await fixture.createUser('throttled@example.test');
      const browser = new FormBrowser(fixture.issuer);
      let last: Response | undefined;
      for (let attempt = 0; attempt < 6; attempt += 1) {
        last = await new FormBrowser(fixture.issuer).authorize(authorizeUrl(fixture.issuer, web.clientId), {
          email: victim.email,
          password: 'wrong guess 123',
        });
      }
      assert.equal(last?.status, 429);
      assert.ok(Number(last?.headers.get('retry-after')) >= 1);
      skippedMs += 1000 * Number(last?.headers.get('retry-after') ?? 1) + 100;
      const ok = await browser.authorize(authorizeUrl(fixture.issuer, web.clientId), victim);
      assert.notEqual(ok.status, 429, 'not locked out for good');
    });

    test('single sign-on: a second app does not ask to sign in again; remembered consent is not asked twice', async () => {
      const { browser } = await obtainCode(fixture, web.clientId);
      const other = await fixture.createApp({ name: 'Other', type: 'web', redirectUris: [redirectUri], scopes: ['openid'] });
      const first = await browser.get(authorizeUrl(fixture.issuer, other.clientId));
      const page = await (await browser.get(new URL(first.headers.get('location')!))).text();
      assert.match(page, /wants access to your account/, 'consent, not sign-in');
      assert.doesNotMatch(page, /name="password"/);
      await browser.authorize(authorizeUrl(fixture.issuer, other.clientId));
      const again = await browser.get(authorizeUrl(fixture.issuer, other.clientId));
      assert.ok(again.headers.get('location')?.startsWith(redirectUri), 'consent remembered: straight back with a code');
    });

    test('a first-party app skips consent', async () => {
      const firstParty = await fixture.createApp({ name: 'Own', type: 'web', redirectUris: [redirectUri], security: { firstParty: true } });
      const browser = new FormBrowser(fixture.issuer);
      const start = await browser.get(authorizeUrl(fixture.issuer, firstParty.clientId));
      const html = await (await browser.get(new URL(start.headers.get('location')!))).text();
      const login = await browser.post(`${start.headers.get('location')}/login`, {
        csrf: hiddenField(html, 'csrf')!,
        email: fixture.user.email,
        password: fixture.user.password,
      });
      assert.ok(login.headers.get('location')?.startsWith(redirectUri));
    });

    test('the consent page names each scope in plain words and its API', async () => {
      const browser = new FormBrowser(fixture.issuer);
      const start = await browser.get(authorizeUrl(fixture.issuer, web.clientId, { scope: 'openid email read:contacts', audience: apiIdentifier }));
      const pageUrl = new URL(start.headers.get('location')!);
      const html = await (await browser.get(pageUrl)).text();
      const login = await browser.post(`${pageUrl.href}/login`, {
        csrf: hiddenField(html, 'csrf')!,
        email: fixture.user.email,
        password: fixture.user.password,
      });
      const consent = await (await browser.get(new URL(login.headers.get('location')!))).text();
      assert.match(consent, /See your email address/);
      assert.match(consent, /Read your contacts/);
      assert.match(consent, /Contacts API/);
    });

    test('denying consent sends access_denied to the app', async () => {
      const browser = new FormBrowser(fixture.issuer);
      const response = await browser.authorize(authorizeUrl(fixture.issuer, web.clientId, { scope: 'openid profile' }), fixture.user, 'deny');
      const params = new URL(response.headers.get('location')!).searchParams;
      assert.equal(params.get('error'), 'access_denied');
      assert.equal(params.get('iss'), fixture.issuer);
    });

    test('prompt=login and max_age=0 ask to sign in again despite a session', async () => {
      const { browser } = await obtainCode(fixture, web.clientId);
      for (const extra of [{ prompt: 'login' }, { max_age: '0' }] as Record<string, string>[]) {
        const start = await browser.get(authorizeUrl(fixture.issuer, web.clientId, extra));
        const page = await (await browser.get(new URL(start.headers.get('location')!))).text();
        assert.match(page, /name="password"/);
      }
    });

    test('signing in again as the same user keeps the session (same sid, new cookie); another user ends it with session.ended', async () => {
      const user = await fixture.createMember('twice@example.test');
      const other = await fixture.createMember('someone-else@example.test');
      const { browser } = await obtainCode({ ...fixture, user }, web.clientId);
      const storage = fixture.server.server.runtime.storage;
      const [first] = await storage.sessions.listForUser(user.id, Date.now());
      assert.ok(first);
      const ended: string[] = [];
      const unsubscribe = fixture.server.server.runtime.events.subscribe((event) => {
        if (event.type === 'session.ended') ended.push(event.sid);
      });
      try {
        const again = await browser.authorize(authorizeUrl(fixture.issuer, web.clientId, { prompt: 'login' }), user);
        assert.ok(new URL(again.headers.get('location')!).searchParams.get('code'));
        const sessions = await storage.sessions.listForUser(user.id, Date.now());
        assert.equal(sessions.length, 1);
        assert.equal(sessions[0]!.sid, first.sid, 'a re-authentication is the same session for the apps');
        assert.notEqual(sessions[0]!.idHash, first.idHash, 'under a new cookie value');
        assert.equal(await storage.sessions.getByHash(first.idHash), undefined);
        assert.deepEqual(ended, []);

        const switched = await browser.authorize(authorizeUrl(fixture.issuer, web.clientId, { prompt: 'login' }), other);
        assert.equal(switched.status, 303, 'signed in, on to the consent page of the other user');
        assert.deepEqual(await storage.sessions.listForUser(user.id, Date.now()), []);
        assert.deepEqual(ended, [first.sid]);
      } finally {
        unsubscribe();
      }
    });

    test('prompt=none with a session but no consent is consent_required (OIDC Core §3.1.2.6)', async () => {
      const { browser } = await obtainCode(fixture, web.clientId);
      const fresh = await fixture.createApp({ name: 'Never consented', type: 'web', redirectUris: [redirectUri] });
      const response = await browser.get(authorizeUrl(fixture.issuer, fresh.clientId, { prompt: 'none' }));
      assert.equal(new URL(response.headers.get('location')!).searchParams.get('error'), 'consent_required');
    });

    test('consent withdrawn through the API: the app must ask again and its tokens stop working', async () => {
      const app = await fixture.createApp({
        name: 'Withdraw',
        type: 'web',
        redirectUris: [redirectUri],
        grantTypes: ['authorization_code', 'refresh_token'],
        scopes: ['openid', 'offline_access'],
      });
      const code = await obtainCode(fixture, app.clientId, { scope: 'openid offline_access' });
      const tokens = await redeem(fixture, code, app.clientId, app.clientSecret);
      assert.equal(tokens.status, 200);
      const registry = fixture.server.server.runtime.registry;
      const { token } = await registry.tokens.create({ actor: operatorActor }, fixture.user.id, { name: 'self', scopes: ['apps:read'] });
      const consents = await fetch(`${fixture.issuer}/api/v1/me/consents`, { headers: { authorization: `Bearer ${token}` } });
      const mine = ((await consents.json()) as { items: { clientId: string; clientName: string | null }[] }).items.find(
        (item) => item.clientId === app.clientId,
      );
      assert.equal(mine?.clientName, 'Withdraw', 'the consent names the app');
      const withdrawn = await fetch(`${fixture.issuer}/api/v1/me/consents/${app.clientId}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(withdrawn.status, 204);
      const refresh = await fetch(`${fixture.issuer}/oauth2/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${app.clientId}:${app.clientSecret}`).toString('base64')}`,
        },
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: String(tokens.body.refresh_token) }),
      });
      assert.equal(refresh.status, 400);
      const again = await code.browser.get(authorizeUrl(fixture.issuer, app.clientId, { scope: 'openid offline_access' }));
      const page = await (await code.browser.get(new URL(again.headers.get('location')!))).text();
      assert.match(page, /wants access to your account/);
    });

    test('the authorization endpoint answers no CORS', async () => {
      const response = await fetch(authorizeUrl(fixture.issuer, web.clientId), { redirect: 'manual', headers: { origin: 'https://client.example.test' } });
      assert.equal(response.headers.get('access-control-allow-origin'), null);
      const preflight = await fetch(`${fixture.issuer}/oauth2/authorize`, { method: 'OPTIONS', headers: { origin: 'https://client.example.test' } });
      assert.equal(preflight.headers.get('access-control-allow-origin'), null);
    });
  });

  describe('organizations', () => {
    test('a member gets a code with org_id; a non-member gets access_denied; an invitation makes them a member', async () => {
      const registry = fixture.server.server.runtime.registry;
      const context = { actor: operatorActor };
      const team = await registry.orgs.create(context, { name: 'team-four' });
      const app = await fixture.createApp({ name: 'Org app', type: 'web', redirectUris: [redirectUri], scopes: ['openid'], security: { firstParty: true } });
      const denied = await obtainCode(fixture, app.clientId, { organization: 'team-four' }).catch((error: Error) => error);
      assert.ok(denied instanceof Error, 'the flow fails');
      assert.match(denied.message, /access_denied/);

      const { token } = await registry.orgs.invite(context, team.id, { email: fixture.user.email, role: 'viewer' });
      const { code, verifier } = await obtainCode(fixture, app.clientId, { organization: 'team-four', invitation: token });
      const tokens = await redeem(fixture, { code, verifier }, app.clientId, app.clientSecret);
      const idToken = JSON.parse(Buffer.from(String(tokens.body.id_token).split('.')[1]!, 'base64url').toString()) as { org_id?: string };
      assert.equal(idToken.org_id, team.id);
      assert.ok(await registry.orgs.listMembers(context, team.id).then((members) => members.some((member) => member.email === fixture.user.email)));
    });
  });
});

describe('cookies on an https issuer', () => {
  test('the session cookie is Secure with the __Host- prefix', async () => {
    const server = await startTestServer({ env: { LATCHKEY_ISSUER: 'https://auth.example.test' }, logLevel: 'warn' });
    try {
      const registry = server.server.runtime.registry;
      const context = { actor: operatorActor };
      await registry.users.create(context, { email: 'bob@example.test', password: 'correct horse battery staple' });
      const org = await registry.orgs.get(context, 'default');
      const { app } = await registry.apps.create(context, org.id, { name: 'x', type: 'web', redirectUris: [redirectUri] });
      const base = `http://127.0.0.1:${server.config.listen.port}`;
      const start = await fetch(authorizeUrl(base, app.clientId), { redirect: 'manual' });
      const binding = start.headers.getSetCookie()[0]!;
      assert.match(binding, /^__Secure-lk_int_/);
      assert.match(binding, /Secure/);
      const uid = new URL(start.headers.get('location')!).pathname.split('/').pop()!;
      const cookie = binding.split(';')[0]!;
      const html = await (await fetch(`${base}/interaction/${uid}`, { headers: { cookie } })).text();
      const login = await fetch(`${base}/interaction/${uid}/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ csrf: hiddenField(html, 'csrf')!, email: 'bob@example.test', password: 'correct horse battery staple' }),
      });
      const session = login.headers.getSetCookie().find((value) => value.includes('lk_session'));
      assert.match(session ?? '', /^__Host-lk_session=.*; Path=\/;.*HttpOnly; Secure; SameSite=Lax/);
    } finally {
      await server.stop();
    }
  });
});
