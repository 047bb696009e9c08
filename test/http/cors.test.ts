import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { authorizeUrl } from '../support/flows.js';
import { oauthFixture, type OAuthFixture } from '../support/oauth.js';

const registeredOrigin = 'https://spa.cors.example.test';
const unknownOrigin = 'https://evil.example';

/**
 * Discovery and the JWKS are read by browser code (an SPA's OpenID Connect library), so they answer
 * CORS, but only for the origins of redirect URIs some app registered. The authorization endpoint
 * is a top-level navigation and never answers CORS: no script may read its response.
 */
describe('CORS on discovery and the JWKS: registered origins only; never on the authorization endpoint', () => {
  let fixture: OAuthFixture;
  let spa: { clientId: string };

  before(async () => {
    fixture = await oauthFixture({ inProcess: true });
    spa = await fixture.createApp({ name: 'CORS SPA', type: 'spa', redirectUris: [`${registeredOrigin}/callback`] });
  });
  after(() => fixture.stop());

  const documents = [
    ['OpenID Connect discovery', '/.well-known/openid-configuration'],
    ['OAuth authorization server metadata (RFC 8414)', '/.well-known/oauth-authorization-server'],
    ['JWKS', '/.well-known/jwks.json'],
  ] as const;

  for (const [label, path] of documents) {
    test(`${label}: a GET from a registered origin gets Access-Control-Allow-Origin for that origin`, async () => {
      const response = await fixture.fetch(fixture.issuer + path, { headers: { origin: registeredOrigin } });
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('access-control-allow-origin'), registeredOrigin);
      assert.match(response.headers.get('vary') ?? '', /Origin/i);
      assert.notEqual(response.headers.get('access-control-allow-origin'), '*');
    });

    test(`${label}: a GET from an unknown origin gets no CORS header, and still says it varies by Origin`, async () => {
      const response = await fixture.fetch(fixture.issuer + path, { headers: { origin: unknownOrigin } });
      assert.equal(response.status, 200, 'the document itself is public');
      assert.equal(response.headers.get('access-control-allow-origin'), null);
      assert.match(response.headers.get('vary') ?? '', /Origin/i, 'a shared cache must not serve this answer to a registered origin');
    });
  }

  for (const [label, path] of documents.filter(([, path]) => path !== '/.well-known/oauth-authorization-server')) {
    test(`${label}: a preflight from a registered origin is allowed for GET; from an unknown origin it is not`, async () => {
      const allowed = await fixture.fetch(fixture.issuer + path, {
        method: 'OPTIONS',
        headers: { origin: registeredOrigin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
      });
      assert.equal(allowed.status, 204);
      assert.equal(allowed.headers.get('access-control-allow-origin'), registeredOrigin);
      assert.match(allowed.headers.get('access-control-allow-methods') ?? '', /\bGET\b/);
      const refused = await fixture.fetch(fixture.issuer + path, {
        method: 'OPTIONS',
        headers: { origin: unknownOrigin, 'access-control-request-method': 'GET' },
      });
      assert.equal(refused.headers.get('access-control-allow-origin'), null);
      assert.equal(refused.headers.get('access-control-allow-methods'), null);
    });
  }

  test('the authorization endpoint answers no CORS, even to a registered origin: GET, POST or preflight', async () => {
    const get = await fixture.fetch(authorizeUrl(fixture.issuer, spa.clientId, { redirect_uri: `${registeredOrigin}/callback` }), {
      redirect: 'manual',
      headers: { origin: registeredOrigin },
    });
    assert.equal(get.status, 302, 'a real authorization request');
    assert.equal(get.headers.get('access-control-allow-origin'), null);
    const post = await fixture.fetch(`${fixture.issuer}/oauth2/authorize`, {
      method: 'POST',
      redirect: 'manual',
      headers: { origin: registeredOrigin, 'content-type': 'application/x-www-form-urlencoded' },
      body: authorizeUrl(fixture.issuer, spa.clientId, { redirect_uri: `${registeredOrigin}/callback` }).searchParams,
    });
    assert.equal(post.headers.get('access-control-allow-origin'), null);
    const preflight = await fixture.fetch(`${fixture.issuer}/oauth2/authorize`, {
      method: 'OPTIONS',
      headers: { origin: registeredOrigin, 'access-control-request-method': 'GET' },
    });
    assert.equal(preflight.headers.get('access-control-allow-origin'), null);
    assert.equal(preflight.headers.get('access-control-allow-methods'), null);
  });
});
