import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { operatorActor } from '../../src/domain/access/actor.js';
import { FormBrowser, oauthFixture, type OAuthFixture } from '../support/oauth.js';

describe('the console API acts as the signed-in user through the console app, from the session', () => {
  let fixture: OAuthFixture;
  let browser: FormBrowser;
  let csrf: string;
  const operator = { actor: operatorActor };

  /** Signs in to the console in a fresh browser. */
  async function signInToConsole() {
    browser = new FormBrowser(fixture.issuer);
    const start = await browser.get(`${fixture.issuer}/console/auth/login`);
    await browser.authorize(new URL(start.headers.get('location')!), fixture.user);
    csrf = ((await (await consoleApi('/session')).json()) as { csrfToken: string }).csrfToken;
  }

  before(async () => {
    fixture = await oauthFixture();
    await fixture.server.server.runtime.registry.orgs.putMember(operator, 'default', { userId: fixture.user.id, role: 'admin' });
    await signInToConsole();
  });
  after(() => fixture.stop());

  const cookieHeader = () => [...browser.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  const consoleApi = (path: string, init: RequestInit = {}) =>
    fetch(`${fixture.issuer}/console/api${path}`, { ...init, headers: { cookie: cookieHeader(), ...(init.headers as Record<string, string>) } });
  const session = () => {
    const { runtime } = fixture.server.server;
    return runtime.storage.consoleSessions.get(runtime.keys.tokenHasher.hash(browser.cookies.get('lk_console')!));
  };

  test('the audit log names the user, acting via the console app', async () => {
    const created = await consoleApi('/v1/orgs/default/apps', {
      method: 'POST',
      body: JSON.stringify({ name: 'Audited', type: 'device' }),
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
    });
    assert.equal(created.status, 201);
    const { clientId } = (await created.json()) as { clientId: string };
    const records = await fixture.server.server.runtime.registry.audit.list(operator, { orgId: fixture.orgId, targetId: clientId, offset: 0, limit: 10 });
    const actor = records.items.find((record) => record.action === 'app.created')?.actor;
    assert.equal(actor?.id, fixture.user.id);
    assert.equal(actor?.client?.id, 'latchkey-console');
  });

  test('an expired console access token is neither refreshed nor needed: the tokens stay as they were', async () => {
    const before = (await session())!;
    const { storage } = fixture.server.server.runtime;
    assert.ok(await storage.consoleSessions.replaceTokens(before.idHash, before.sealedTokens, before.sealedTokens, 0));
    assert.equal((await consoleApi('/v1/orgs/default/apps')).status, 200);
    assert.equal((await session())?.sealedTokens, before.sealedTokens);
  });

  test('an unknown operation is the management API problem with a session, and 401 without', async () => {
    const unknown = await consoleApi('/v1/no-such-thing');
    assert.equal(unknown.status, 404);
    assert.match(unknown.headers.get('content-type') ?? '', /^application\/problem\+json/);
    assert.equal(unknown.headers.get('cache-control'), 'no-store');
    assert.match(((await unknown.json()) as { detail: string }).detail, /see \/console\/api\/v1\/openapi\.json$/);
    assert.equal((await fetch(`${fixture.issuer}/console/api/v1/no-such-thing`)).status, 401);
    const write = await consoleApi('/v1/no-such-thing', { method: 'POST' });
    assert.equal(write.status, 403, 'writes are checked for CSRF before anything else');
  });

  test('the OpenAPI document needs the session too, and is not cached', async () => {
    assert.equal((await fetch(`${fixture.issuer}/console/api/v1/openapi.json`)).status, 401);
    const document = await consoleApi('/v1/openapi.json');
    assert.equal(document.status, 200);
    assert.equal(document.headers.get('cache-control'), 'no-store');
  });

  test('a disabled user is refused at once; enabled again, they sign in anew (disabling ended their sessions)', async () => {
    const { registry } = fixture.server.server.runtime;
    await registry.users.update(operator, fixture.user.id, { disabled: true });
    const refused = await consoleApi('/v1/orgs/default/apps');
    assert.equal(refused.status, 401);
    assert.match(refused.headers.get('www-authenticate') ?? '', /^Cookie/);
    await registry.users.update(operator, fixture.user.id, { disabled: false });
    assert.equal((await consoleApi('/v1/orgs/default/apps')).status, 401, 'the console session ended with the Latchkey session');
    await signInToConsole();
    assert.equal((await consoleApi('/v1/orgs/default/apps')).status, 200);
  });

  test('revoking the grant the console signed in with ends the session', async () => {
    const { storage, clock } = fixture.server.server.runtime;
    assert.equal((await consoleApi('/v1/orgs/default/apps')).status, 200);
    assert.ok((await storage.grants.revokeForUserAndClient(fixture.user.id, 'latchkey-console', clock.now())) >= 1);
    const refused = await consoleApi('/v1/orgs/default/apps');
    assert.equal(refused.status, 401);
    assert.match(refused.headers.get('www-authenticate') ?? '', /^Cookie/);
  });
});
