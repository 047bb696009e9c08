import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { exportJWK, generateKeyPair } from 'jose';
import * as oauth from 'oauth4webapi';
import { operatorActor } from '../../src/domain/access/actor.js';
import { apiIdentifier, FormBrowser, hiddenField, oauthFixture, redirectUri, type OAuthFixture } from '../support/oauth.js';

const insecure = { [oauth.allowInsecureRequests]: true } as const;

describe('oauth4webapi as the relying party', () => {
  let fixture: OAuthFixture;
  let as: oauth.AuthorizationServer;
  before(async () => {
    fixture = await oauthFixture();
    const issuer = new URL(fixture.issuer);
    as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, insecure));
  });
  after(() => fixture.stop());

  async function authorizationUrl(clientId: string, extra: Record<string, string>, verifier: string) {
    const url = new URL(as.authorization_endpoint!);
    const parameters: Record<string, string> = {
      client_id: clientId,
      redirect_uri: redirectUri,
      response_type: 'code',
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: 'xyz',
      ...extra,
    };
    for (const [name, value] of Object.entries(parameters)) url.searchParams.set(name, value);
    return url;
  }

  test('a single-page app with response_mode=form_post: iss in the form, code exchanged with PKCE', async () => {
    const app = await fixture.createApp({ name: 'SPA', type: 'spa', redirectUris: [redirectUri], scopes: ['openid', 'email'] });
    const client: oauth.Client = { client_id: app.clientId };
    const verifier = oauth.generateRandomCodeVerifier();
    const browser = new FormBrowser(fixture.issuer);
    const page = await browser.authorize(
      await authorizationUrl(app.clientId, { scope: 'openid email', response_mode: 'form_post', nonce: 'n-1' }, verifier),
      fixture.user,
    );
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, new RegExp(`action="${redirectUri}"`));
    assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'nonce-/);
    const form = new URLSearchParams({ code: hiddenField(html, 'code')!, state: hiddenField(html, 'state')!, iss: hiddenField(html, 'iss')! });
    assert.equal(form.get('iss'), fixture.issuer, 'RFC 9207 iss in the form_post response');
    const params = oauth.validateAuthResponse(as, client, form, 'xyz');
    const response = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, redirectUri, verifier, insecure);
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, response, { expectedNonce: 'n-1', requireIdToken: true });
    assert.equal(oauth.getValidatedIdTokenClaims(tokens)?.email, fixture.user.email);
  });

  test('private_key_jwt: a confidential app authenticates with a key it uploaded (RFC 7523 §2.2)', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    const app = await fixture.createApp({
      name: 'Key app',
      type: 'web',
      redirectUris: [redirectUri],
      tokenEndpointAuthMethod: 'private_key_jwt',
      grantTypes: ['authorization_code', 'client_credentials'],
      apiGrants: [{ audience: apiIdentifier, scopes: ['read:contacts'] }],
      scopes: ['openid'],
    });
    await fixture.server.server.runtime.registry.apps.addCertificate({ actor: operatorActor }, app.clientId, JSON.stringify(await exportJWK(publicKey)));
    const client: oauth.Client = { client_id: app.clientId };
    const auth = oauth.PrivateKeyJwt(privateKey);
    const response = await oauth.clientCredentialsGrantRequest(as, client, auth, new URLSearchParams({ scope: 'read:contacts' }), insecure);
    const tokens = await oauth.processClientCredentialsResponse(as, client, response);
    assert.equal(tokens.scope, 'read:contacts');

    const introspection = await oauth.introspectionRequest(as, client, auth, tokens.access_token, insecure);
    const result = await oauth.processIntrospectionResponse(as, client, introspection);
    assert.equal(result.active, true);

    const wrongKey = oauth.PrivateKeyJwt((await generateKeyPair('ES256')).privateKey);
    const refused = await oauth.clientCredentialsGrantRequest(as, client, wrongKey, new URLSearchParams(), insecure);
    assert.equal(refused.status, 401);
    assert.match(((await refused.json()) as { error_description: string }).error_description, /signature does not match/);
  });

  test('a Latchkey-issued client credentials token authorizes the management API (apps:read)', async () => {
    const management = `${fixture.issuer}/api/v1`;
    const app = await fixture.createApp({
      name: 'Automation',
      type: 'm2m',
      apiGrants: [{ audience: management, scopes: ['apps:read'] }],
      security: { managementApiAccess: true },
    });
    const client: oauth.Client = { client_id: app.clientId };
    const response = await oauth.clientCredentialsGrantRequest(
      as,
      client,
      oauth.ClientSecretBasic(app.clientSecret!),
      new URLSearchParams({ audience: management }),
      insecure,
    );
    const tokens = await oauth.processClientCredentialsResponse(as, client, response);
    const list = await fetch(`${management}/orgs/default/apps`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    assert.equal(list.status, 200);
    const forbidden = await fetch(`${management}/orgs/default/apps`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.access_token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x', type: 'm2m' }),
    });
    assert.equal(forbidden.status, 403);
    assert.match(((await forbidden.json()) as { detail: string }).detail, /lacks the apps:write scope/);
  });

  test('the refresh retry window: a lost response can be retried with the same token and gets the same successor', async () => {
    const app = await fixture.createApp({
      name: 'Retry',
      type: 'web',
      redirectUris: [redirectUri],
      grantTypes: ['authorization_code', 'refresh_token'],
      scopes: ['openid', 'offline_access'],
      refreshToken: { reuseIntervalSeconds: 30 },
    });
    const client: oauth.Client = { client_id: app.clientId };
    const auth = oauth.ClientSecretBasic(app.clientSecret!);
    const verifier = oauth.generateRandomCodeVerifier();
    const browser = new FormBrowser(fixture.issuer);
    const callback = await browser.authorize(await authorizationUrl(app.clientId, { scope: 'openid offline_access' }, verifier), fixture.user);
    const params = oauth.validateAuthResponse(as, client, new URL(callback.headers.get('location')!), 'xyz');
    const tokens = await oauth.processAuthorizationCodeResponse(
      as,
      client,
      await oauth.authorizationCodeGrantRequest(as, client, auth, params, redirectUri, verifier, insecure),
    );
    const first = await oauth.processRefreshTokenResponse(as, client, await oauth.refreshTokenGrantRequest(as, client, auth, tokens.refresh_token!, insecure));
    const retried = await oauth.processRefreshTokenResponse(
      as,
      client,
      await oauth.refreshTokenGrantRequest(as, client, auth, tokens.refresh_token!, insecure),
    );
    assert.equal(retried.refresh_token, first.refresh_token, 'the same successor, not a new branch');
    const next = await oauth.processRefreshTokenResponse(as, client, await oauth.refreshTokenGrantRequest(as, client, auth, first.refresh_token!, insecure));
    assert.ok(next.refresh_token);
  });
});
