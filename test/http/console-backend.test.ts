import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { operatorActor } from '../../src/domain/access/actor.js';
import { FormBrowser, oauthFixture, type OAuthFixture } from '../support/oauth.js';

describe('the console backend (PRODUCT E1): hosted sign-in, server-held tokens, cookie + CSRF', () => {
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
    assert.equal([...browser.cookies.values()].some((value) => value.startsWith('lk_at_') || value.startsWith('eyJ')), false, 'no token reaches the browser');
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

  test('writes need the CSRF token and the same origin', async () => {
    const body = JSON.stringify({ name: 'From the console', type: 'm2m' });
    const headers = { 'content-type': 'application/json' };
    assert.equal((await consoleApi('/v1/orgs/default/apps', { method: 'POST', body, headers })).status, 403);
    assert.equal((await consoleApi('/v1/orgs/default/apps', { method: 'POST', body, headers: { ...headers, 'x-csrf-token': 'forged' } })).status, 403);
    const crossOrigin = await consoleApi('/v1/orgs/default/apps', { method: 'POST', body, headers: { ...headers, 'x-csrf-token': csrf, origin: 'https://evil.example' } });
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
