import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { operatorActor } from '../../src/domain/access/actor.js';
import { FormBrowser, oauthFixture, type OAuthFixture } from '../support/oauth.js';
import { startTestServer, type TestServer } from '../support/server.js';

describe('the console backend: hosted sign-in, server-held tokens, cookie + CSRF', () => {
  let fixture: OAuthFixture;
  let browser: FormBrowser;
  let csrf: string;

  before(async () => {
    fixture = await oauthFixture();
    await fixture.server.server.runtime.registry.orgs.putMember({ actor: operatorActor }, 'default', { userId: fixture.user.id, role: 'admin' });
    browser = new FormBrowser(fixture.issuer);
  });
  after(() => fixture.stop());

  const cookieHeader = () => [...browser.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  const consoleApi = (path: string, init: RequestInit = {}) =>
    fetch(`${fixture.issuer}/console/api${path}`, { ...init, headers: { cookie: cookieHeader(), ...(init.headers as Record<string, string>) } });

  test('signing in goes through the hosted pages as the built-in first-party app and ends with an HttpOnly cookie', async () => {
    const start = await browser.get(`${fixture.issuer}/console/auth/login?returnTo=/console/apps`);
    const authorize = new URL(start.headers.get('location')!);
    assert.equal(authorize.pathname, '/oauth2/authorize');
    assert.equal(authorize.searchParams.get('client_id'), 'latchkey-console');
    assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
    const final = await browser.authorize(authorize, fixture.user);
    assert.ok([200, 503].includes(final.status), `landed on the console: ${final.status}`);
    assert.ok(browser.cookies.has('lk_console'));
    assert.equal(
      [...browser.cookies.values()].some((value) => value.startsWith('lk_at_') || value.startsWith('eyJ')),
      false,
      'no token reaches the browser',
    );
  });

  test('the session tells who is signed in and gives the CSRF token', async () => {
    const response = await consoleApi('/session');
    assert.equal(response.status, 200);
    const session = (await response.json()) as { user: { email: string }; csrfToken: string };
    assert.equal(session.user.email, fixture.user.email);
    csrf = session.csrfToken;
    assert.ok(csrf.length >= 24);
  });

  test('reads go to the management API as the user', async () => {
    const response = await consoleApi('/v1/orgs/default/apps');
    assert.equal(response.status, 200);
    const page = (await response.json()) as { items: { clientId: string }[] };
    assert.ok(page.items.some((app) => app.clientId === 'latchkey-console'));
  });

  test('the limits the forms check against come from the server, with the product defaults', async () => {
    const response = await consoleApi('/v1/limits');
    assert.equal(response.status, 200);
    const limits = (await response.json()) as Record<string, { min: number; max: number; default: number } | number>;
    assert.deepEqual(limits.accessTokenTtlMinutes, { min: 1, max: 300, default: 30 });
    assert.deepEqual(limits.idTokenTtlMinutes, { min: 1, max: 720, default: 2 });
    assert.deepEqual(limits.refreshReuseIntervalSeconds, { min: 0, max: 60, default: 0 });
    assert.equal(limits.redirectUrisTotalCharacters, 2000);
    assert.equal(limits.secretGracePeriodMaxSeconds, 7 * 24 * 3600);
  });

  test('the console page names its root and sends a strict CSP; hashed assets are cached for good', async () => {
    const page = await fetch(`${fixture.issuer}/console/apps/some-app`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
    const html = await page.text();
    assert.match(html, /<meta name="latchkey-console-root" content="\/console">/);
    const script = /src="([^"]+\.js)"/.exec(html)?.[1];
    assert.ok(script?.startsWith('/console/assets/'), `script at ${script}`);
    const asset = await fetch(`${new URL(fixture.issuer).origin}${script}`);
    assert.equal(asset.status, 200);
    assert.match(asset.headers.get('cache-control') ?? '', /immutable/);
    assert.equal((await fetch(`${fixture.issuer}/console/assets/missing.js`)).status, 404);
    assert.equal((await fetch(`${fixture.issuer}/console/apps`, { method: 'HEAD' })).status, 200);
  });

  test('writes need the CSRF token and the same origin', async () => {
    const body = JSON.stringify({ name: 'From the console', type: 'device' });
    const headers = { 'content-type': 'application/json' };
    assert.equal((await consoleApi('/v1/orgs/default/apps', { method: 'POST', body, headers })).status, 403);
    assert.equal((await consoleApi('/v1/orgs/default/apps', { method: 'POST', body, headers: { ...headers, 'x-csrf-token': 'forged' } })).status, 403);
    const crossOrigin = await consoleApi('/v1/orgs/default/apps', {
      method: 'POST',
      body,
      headers: { ...headers, 'x-csrf-token': csrf, origin: 'https://evil.example' },
    });
    assert.equal(crossOrigin.status, 403);
    const created = await consoleApi('/v1/orgs/default/apps', { method: 'POST', body, headers: { ...headers, 'x-csrf-token': csrf } });
    assert.equal(created.status, 201);
    const audit = await consoleApi('/v1/orgs/default/audit?action=app.created');
    assert.match(await audit.text(), new RegExp(fixture.user.email), 'the audit log names the user, not the console');
  });

  test('the built-in console app can not be changed or deleted', async () => {
    const response = await consoleApi('/v1/apps/latchkey-console', { method: 'DELETE', headers: { 'x-csrf-token': csrf } });
    assert.equal(response.status, 409);
    assert.match(((await response.json()) as { detail: string }).detail, /built in/);
  });

  test('without the cookie the console API is 401', async () => {
    const response = await fetch(`${fixture.issuer}/console/api/v1/orgs`);
    assert.equal(response.status, 401);
  });

  test('signing out ends the console session and hands over the Latchkey sign-out URL', async () => {
    const forged = await fetch(`${fixture.issuer}/console/auth/logout`, { method: 'POST', headers: { cookie: cookieHeader(), 'x-csrf-token': 'forged' } });
    assert.equal(forged.status, 403);
    const logout = await fetch(`${fixture.issuer}/console/auth/logout`, { method: 'POST', headers: { cookie: cookieHeader(), 'x-csrf-token': csrf } });
    assert.equal(logout.status, 200);
    const { logoutUrl } = (await logout.json()) as { logoutUrl: string };
    assert.match(logoutUrl, /\/oauth2\/logout\?id_token_hint=/);
    assert.equal((await consoleApi('/session')).status, 401);
  });
});

describe('the console under an issuer with a path', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ issuerPath: '/tenant-a', logLevel: 'warn' });
  });
  after(() => server.stop());

  test('index.html points at the assets and the sign-in under the issuer path', async () => {
    const page = await fetch(`${server.issuer}/console/`);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /<meta name="latchkey-console-root" content="\/tenant-a\/console">/);
    const script = /src="([^"]+\.js)"/.exec(html)?.[1];
    assert.ok(script?.startsWith('/tenant-a/console/assets/'), `script at ${script}`);
    const origin = new URL(server.issuer).origin;
    assert.equal((await fetch(`${origin}${script}`)).status, 200);
    const login = await fetch(`${server.issuer}/console/auth/login`, { redirect: 'manual' });
    assert.equal(login.status, 302);
    assert.equal(new URL(login.headers.get('location')!).pathname, '/tenant-a/oauth2/authorize');
  });

  test('the favicon a browser asks for is answered without an error', async () => {
    const response = await fetch(`${new URL(server.issuer).origin}/favicon.ico`);
    assert.equal(response.status, 204);
  });
});
