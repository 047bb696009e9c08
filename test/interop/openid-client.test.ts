import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import * as client from 'openid-client';
import { apiIdentifier, FormBrowser, oauthFixture, redirectUri, type OAuthFixture } from '../support/oauth.js';

const insecure = { execute: [client.allowInsecureRequests] };

describe('openid-client as the relying party', () => {
  let fixture: OAuthFixture;
  let jwks: ReturnType<typeof createRemoteJWKSet>;
  before(async () => {
    fixture = await oauthFixture();
    jwks = createRemoteJWKSet(new URL(`${fixture.issuer}/.well-known/jwks.json`));
  });
  after(() => fixture.stop());

  async function signIn(configuration: client.Configuration, parameters: Record<string, string>) {
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(configuration, {
      redirect_uri: redirectUri,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      ...parameters,
    });
    const browser = new FormBrowser(fixture.issuer);
    const response = await browser.authorize(url, fixture.user);
    const callback = new URL(response.headers.get('location') ?? 'https://missing.example');
    const tokens = await client.authorizationCodeGrant(configuration, callback, {
      pkceCodeVerifier: verifier,
      expectedState: state,
      expectedNonce: nonce,
      idTokenExpected: parameters.scope?.includes('openid') ?? false,
    });
    return { tokens, browser };
  }

  test('authorization code + PKCE with a confidential app (client_secret_basic): ID token, JWT access token, userinfo, refresh', async () => {
    const app = await fixture.createApp({
      name: 'Web',
      type: 'web',
      redirectUris: [redirectUri],
      grantTypes: ['authorization_code', 'refresh_token'],
      scopes: ['openid', 'profile', 'email', 'offline_access', 'read:contacts', 'write:contacts'],
    });
    const configuration = await client.discovery(new URL(fixture.issuer), app.clientId, undefined, client.ClientSecretBasic(app.clientSecret!), insecure);
    const { tokens } = await signIn(configuration, {
      scope: 'openid profile email offline_access read:contacts write:contacts',
      audience: apiIdentifier,
    });

    const idClaims = tokens.claims()!;
    assert.equal(idClaims.iss, fixture.issuer);
    assert.equal(idClaims.sub, fixture.user.id);
    assert.equal(idClaims.aud, app.clientId);
    assert.equal(idClaims.email, fixture.user.email);
    assert.ok(typeof idClaims.auth_time === 'number');
    assert.deepEqual(idClaims.amr, ['pwd']);
    assert.equal(idClaims.exp - idClaims.iat, 120, 'ID token validity defaults to 2 minutes');

    // RFC 9068: the access token is a JWT for the API, typ at+jwt, verified against the JWKS.
    assert.equal(decodeProtectedHeader(tokens.access_token).typ, 'at+jwt');
    const { payload } = await jwtVerify(tokens.access_token, jwks, { issuer: fixture.issuer, audience: apiIdentifier, typ: 'at+jwt' });
    assert.equal(payload.client_id, app.clientId);
    assert.equal(payload.sub, fixture.user.id);
    assert.equal(payload.scope, 'openid profile email offline_access read:contacts write:contacts');
    assert.equal(tokens.expires_in, 1800, 'access token TTL defaults to 30 minutes');
    assert.ok(tokens.refresh_token?.startsWith('lk_rt_'));

    const userinfo = await client.fetchUserInfo(configuration, tokens.access_token, fixture.user.id);
    assert.equal(userinfo.email, fixture.user.email);
    assert.equal(userinfo.name, 'alice');

    const refreshed = await client.refreshTokenGrant(configuration, tokens.refresh_token!, { scope: 'openid read:contacts' });
    assert.equal(refreshed.scope, 'openid read:contacts', 'down-scoping (RFC 6749 §6)');
    assert.notEqual(refreshed.refresh_token, tokens.refresh_token, 'rotation is on by default');
    assert.equal(refreshed.claims()?.sub, fixture.user.id);
    const narrowed = await jwtVerify(refreshed.access_token, jwks, { audience: apiIdentifier });
    assert.equal(narrowed.payload.scope, 'openid read:contacts');

    await assert.rejects(client.refreshTokenGrant(configuration, tokens.refresh_token!), (error: client.ResponseBodyError) => {
      assert.equal(error.error, 'invalid_grant');
      assert.match(error.error_description ?? '', /rotated out and used again/);
      return true;
    });
    await assert.rejects(client.refreshTokenGrant(configuration, refreshed.refresh_token!), (error: client.ResponseBodyError) => {
      assert.equal(error.error, 'invalid_grant', 'the whole family is revoked, the newest token too');
      return true;
    });
    assert.equal((await client.tokenIntrospection(configuration, refreshed.access_token)).active, false, 'and its access tokens');
  });

  test('client_secret_post, introspection and revocation', async () => {
    const app = await fixture.createApp({
      name: 'Post',
      type: 'web',
      redirectUris: [redirectUri],
      tokenEndpointAuthMethod: 'client_secret_post',
      grantTypes: ['authorization_code', 'refresh_token'],
      scopes: ['openid', 'offline_access', 'read:contacts'],
    });
    const configuration = await client.discovery(new URL(fixture.issuer), app.clientId, undefined, client.ClientSecretPost(app.clientSecret!), insecure);
    const { tokens } = await signIn(configuration, { scope: 'openid offline_access read:contacts', resource: apiIdentifier });
    const active = await client.tokenIntrospection(configuration, tokens.access_token);
    assert.equal(active.active, true);
    assert.equal(active.client_id, app.clientId);
    assert.equal(active.sub, fixture.user.id);
    assert.equal(active.aud, apiIdentifier);
    const refreshActive = await client.tokenIntrospection(configuration, tokens.refresh_token!, { token_type_hint: 'refresh_token' });
    assert.equal(refreshActive.active, true);
    assert.equal(refreshActive.token_type, 'refresh_token');

    await client.tokenRevocation(configuration, tokens.refresh_token!);
    assert.equal((await client.tokenIntrospection(configuration, tokens.refresh_token!)).active, false);
    assert.equal(
      (await client.tokenIntrospection(configuration, tokens.access_token)).active,
      false,
      'revoking the refresh token revokes its access tokens (RFC 7009 §2.1)',
    );
  });

  test("client credentials with basic and post: the token carries exactly the app's audience and scopes", async () => {
    for (const method of ['client_secret_basic', 'client_secret_post'] as const) {
      const app = await fixture.createApp({
        name: `M2M ${method}`,
        type: 'm2m',
        tokenEndpointAuthMethod: method,
        apiGrants: [{ audience: apiIdentifier, scopes: ['read:contacts'] }],
      });
      const auth = method === 'client_secret_basic' ? client.ClientSecretBasic(app.clientSecret!) : client.ClientSecretPost(app.clientSecret!);
      const configuration = await client.discovery(new URL(fixture.issuer), app.clientId, undefined, auth, insecure);
      const tokens = await client.clientCredentialsGrant(configuration);
      assert.equal(tokens.scope, 'read:contacts');
      assert.equal(tokens.refresh_token, undefined, 'no refresh token for client credentials (RFC 6749 §4.4.3)');
      const { payload } = await jwtVerify(tokens.access_token, jwks, { audience: apiIdentifier, typ: 'at+jwt' });
      assert.equal(payload.sub, app.clientId);
      assert.equal(payload.client_id, app.clientId);
      assert.notEqual(payload.sub, fixture.user.id);
    }
  });

  test('a public native app: PKCE with no secret (None)', async () => {
    const app = await fixture.createApp({ name: 'Native', type: 'native', redirectUris: [redirectUri], scopes: ['openid', 'profile'] });
    const configuration = await client.discovery(new URL(fixture.issuer), app.clientId, undefined, client.None(), insecure);
    const { tokens } = await signIn(configuration, { scope: 'openid profile' });
    assert.equal(tokens.claims()?.sub, fixture.user.id);
    assert.equal(tokens.refresh_token, undefined, 'no refresh token unless the app enables them and offline_access is asked');
  });

  test('RP-initiated logout with id_token_hint ends the session and returns to a registered URI with state', async () => {
    const app = await fixture.createApp({
      name: 'Logout',
      type: 'web',
      redirectUris: [redirectUri],
      postLogoutRedirectUris: ['https://client.example.test/signed-out'],
      scopes: ['openid'],
    });
    const configuration = await client.discovery(new URL(fixture.issuer), app.clientId, undefined, client.ClientSecretBasic(app.clientSecret!), insecure);
    const { tokens, browser } = await signIn(configuration, { scope: 'openid' });
    const logoutUrl = client.buildEndSessionUrl(configuration, {
      id_token_hint: tokens.id_token!,
      post_logout_redirect_uri: 'https://client.example.test/signed-out',
      state: 'bye-state',
    });
    const response = await browser.get(logoutUrl);
    assert.equal(response.status, 302);
    assert.equal(response.headers.get('location'), 'https://client.example.test/signed-out?state=bye-state');

    // The session is gone: prompt=none now needs a sign-in.
    const url = client.buildAuthorizationUrl(configuration, {
      redirect_uri: redirectUri,
      scope: 'openid',
      prompt: 'none',
      code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
    });
    const silent = await browser.get(url);
    assert.equal(new URL(silent.headers.get('location')!).searchParams.get('error'), 'login_required');
  });
});
