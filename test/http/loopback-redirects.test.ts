import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { authorizeUrl, obtainCode, redeem } from '../support/flows.js';
import { oauthFixture, type OAuthFixture } from '../support/oauth.js';

/** A loopback redirect URI as an app registers it: no port. */
const loopback = 'http://127.0.0.1/callback';
/** The same URI with the port a native app's listener got from the OS. */
const withPort = 'http://127.0.0.1:8765/callback';

describe("loopback redirect URIs: only a native app's port may vary (RFC 8252 §7.3, RFC 9700 §2.1, §4.1)", () => {
  let fixture: OAuthFixture;
  const apps: Record<'native' | 'web' | 'spa', { clientId: string; clientSecret: string | null }> = {} as never;

  before(async () => {
    fixture = await oauthFixture({ inProcess: true });
    for (const type of ['native', 'web', 'spa'] as const) {
      apps[type] = await fixture.createApp({
        name: `Loopback ${type}`,
        type,
        redirectUris: [loopback],
        postLogoutRedirectUris: ['http://127.0.0.1/signed-out'],
        scopes: ['openid'],
      });
    }
  });
  after(() => fixture.stop());

  test("a native app's loopback URI accepts another port, and the code goes back to that port", async () => {
    const code = await obtainCode(fixture, apps.native.clientId, { redirect_uri: withPort });
    assert.equal(code.callback.get('iss'), fixture.issuer);
    const tokens = await redeem(fixture, code, apps.native.clientId, null, { redirect_uri: withPort });
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
  });

  test('a native app redeems its code with the port it authorized with, not another (RFC 6749 §4.1.3)', async () => {
    const code = await obtainCode(fixture, apps.native.clientId, { redirect_uri: withPort });
    const otherPort = await redeem(fixture, code, apps.native.clientId, null, { redirect_uri: 'http://127.0.0.1:8766/callback' });
    assert.equal(otherPort.status, 400);
    assert.equal(otherPort.body.error, 'invalid_grant');
    assert.match(String(otherPort.body.error_description), /redirect_uri does not match/);
  });

  for (const type of ['web', 'spa'] as const) {
    test(`a ${type === 'web' ? 'web app' : 'single-page app'}'s loopback URI refuses another port: an error page, never a redirect`, async () => {
      const response = await fixture.fetch(authorizeUrl(fixture.issuer, apps[type].clientId, { redirect_uri: withPort }), { redirect: 'manual' });
      assert.equal(response.status, 400);
      assert.equal(response.headers.get('location'), null, 'not redirected to the unproven URI');
      assert.match(response.headers.get('content-type') ?? '', /text\/html/);
      assert.match(await response.text(), /not one of the redirect URIs registered for this app/);
    });

    test(`a ${type === 'web' ? 'web app' : 'single-page app'}'s loopback URI still matches exactly`, async () => {
      const response = await fixture.fetch(authorizeUrl(fixture.issuer, apps[type].clientId, { redirect_uri: loopback }), { redirect: 'manual' });
      assert.equal(response.status, 302);
      assert.match(response.headers.get('location') ?? '', /\/interaction\//);
    });
  }

  describe('post-logout redirect URIs follow the same rule', () => {
    const logoutUrl = (clientId: string, uri: string) =>
      `${fixture.issuer}/oauth2/logout?client_id=${clientId}&post_logout_redirect_uri=${encodeURIComponent(uri)}&state=bye-1`;

    test("a native app's loopback post-logout URI accepts another port", async () => {
      const response = await fixture.fetch(logoutUrl(apps.native.clientId, 'http://127.0.0.1:8765/signed-out'), { redirect: 'manual' });
      assert.equal(response.status, 302);
      assert.equal(response.headers.get('location'), 'http://127.0.0.1:8765/signed-out?state=bye-1');
    });

    for (const type of ['web', 'spa'] as const) {
      test(`a ${type} app's loopback post-logout URI refuses another port: an error page, never a redirect`, async () => {
        const refused = await fixture.fetch(logoutUrl(apps[type].clientId, 'http://127.0.0.1:8765/signed-out'), { redirect: 'manual' });
        assert.equal(refused.status, 400);
        assert.equal(refused.headers.get('location'), null);
        const exact = await fixture.fetch(logoutUrl(apps[type].clientId, 'http://127.0.0.1/signed-out'), { redirect: 'manual' });
        assert.equal(exact.status, 302);
        assert.equal(exact.headers.get('location'), 'http://127.0.0.1/signed-out?state=bye-1');
      });
    }
  });
});
