import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { dpopAlgorithms } from '../../src/contracts/algorithms.js';
import { obtainCode, postForm, redeem, tokenUrl } from '../support/flows.js';
import { apiIdentifier, FormBrowser, hiddenField, oauthFixture, redirectUri, type OAuthFixture } from '../support/oauth.js';

describe('ID tokens, userinfo, introspection, revocation, logout', () => {
  let fixture: OAuthFixture;
  let web: { clientId: string; clientSecret: string | null };
  let tokens: Record<string, unknown>;

  before(async () => {
    fixture = await oauthFixture();
    web = await fixture.createApp({
      name: 'Web',
      type: 'web',
      redirectUris: [redirectUri],
      postLogoutRedirectUris: ['https://client.example.test/bye'],
      grantTypes: ['authorization_code', 'refresh_token'],
      scopes: ['openid', 'profile', 'email', 'offline_access', 'read:contacts'],
      idToken: { audiences: ['https://other-service.example.test'], ttlMinutes: 10 },
      customClaims: { 'https://example.test/roles': ['editor'] },
      security: { firstParty: true },
    });
    const code = await obtainCode(fixture, web.clientId, {
      scope: 'openid profile email offline_access read:contacts',
      audience: apiIdentifier,
      nonce: 'nonce-7',
    });
    tokens = (await redeem(fixture, code, web.clientId, web.clientSecret)).body;
  });
  after(() => fixture.stop());

  const basic = () => ({ basic: [web.clientId, web.clientSecret!] as [string, string] });
  const introspect = (token: string, auth = basic()) => postForm(`${fixture.issuer}/oauth2/introspect`, { token }, auth);

  describe('ID tokens (OIDC Core §2, §3.1.3.6)', () => {
    test("iss, sub, aud with the configured audiences and azp, exp from the app's validity, nonce, at_hash, auth_time, amr, sid, claims by scope, custom claims", async () => {
      const { payload, protectedHeader } = await jwtVerify(String(tokens.id_token), createRemoteJWKSet(new URL(`${fixture.issuer}/.well-known/jwks.json`)), {
        issuer: fixture.issuer,
        audience: web.clientId,
      });
      assert.equal(protectedHeader.alg, 'RS256');
      assert.deepEqual(payload.aud, [web.clientId, 'https://other-service.example.test']);
      assert.equal(payload.azp, web.clientId);
      assert.equal(payload.exp! - payload.iat!, 600);
      assert.equal(payload.nonce, 'nonce-7');
      const digest = createHash('sha256').update(String(tokens.access_token)).digest();
      assert.equal(payload.at_hash, digest.subarray(0, 16).toString('base64url'));
      assert.ok(typeof payload.auth_time === 'number');
      assert.deepEqual(payload.amr, ['pwd']);
      assert.ok(typeof payload.sid === 'string');
      assert.equal(payload.email, fixture.user.email);
      assert.equal(payload.name, 'alice');
      assert.deepEqual(payload['https://example.test/roles'], ['editor']);
    });

    test('without the standard claims toggle, the ID token holds no profile or email claims', async () => {
      const lean = await fixture.createApp({
        name: 'Lean',
        type: 'web',
        redirectUris: [redirectUri],
        scopes: ['openid', 'email'],
        idToken: { includeStandardClaims: false, includeCustomClaims: false },
        customClaims: { 'https://example.test/x': 1 },
        security: { firstParty: true },
      });
      const code = await obtainCode(fixture, lean.clientId, { scope: 'openid email' });
      const body = (await redeem(fixture, code, lean.clientId, lean.clientSecret)).body;
      const payload = JSON.parse(Buffer.from(String(body.id_token).split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
      assert.equal(payload.email, undefined);
      assert.equal(payload['https://example.test/x'], undefined);
      assert.equal(payload.sub, fixture.user.id);
    });
  });

  describe('userinfo (OIDC Core §5.3, RFC 6750)', () => {
    test("GET and POST with a Bearer header return the claims of the token's scopes", async () => {
      for (const method of ['GET', 'POST']) {
        const response = await fetch(`${fixture.issuer}/oauth2/userinfo`, { method, headers: { authorization: `Bearer ${String(tokens.access_token)}` } });
        assert.equal(response.status, 200);
        const claims = (await response.json()) as Record<string, unknown>;
        assert.equal(claims.sub, fixture.user.id);
        assert.equal(claims.email, fixture.user.email);
        assert.equal(response.headers.get('cache-control'), 'no-store');
      }
    });

    test('a token in the query string is refused (RFC 6750 §2.3, RFC 9700 §4.3)', async () => {
      const response = await fetch(`${fixture.issuer}/oauth2/userinfo?access_token=${String(tokens.access_token)}`);
      assert.equal(response.status, 400);
      assert.match(response.headers.get('www-authenticate') ?? '', /error="invalid_request"/);
    });

    test('no token: 401 with bare Bearer and DPoP challenges, DPoP naming its algorithms (RFC 6750 §3.1, RFC 9449 §7.1)', async () => {
      const response = await fetch(`${fixture.issuer}/oauth2/userinfo`);
      assert.equal(response.status, 401);
      assert.equal(response.headers.get('www-authenticate'), `Bearer realm="latchkey", DPoP realm="latchkey", algs="${dpopAlgorithms.join(' ')}"`);
    });

    test('an invalid token: 401 error="invalid_token" (RFC 6750 §3.1)', async () => {
      const response = await fetch(`${fixture.issuer}/oauth2/userinfo`, { headers: { authorization: 'Bearer not.a.token' } });
      assert.equal(response.status, 401);
      assert.match(response.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
    });

    test('a token without openid: 403 insufficient_scope (RFC 6750 §3.1)', async () => {
      const machine = await fixture.createApp({ name: 'M', type: 'm2m', apiGrants: [{ audience: apiIdentifier, scopes: ['read:contacts'] }] });
      const cc = await postForm(tokenUrl(fixture), { grant_type: 'client_credentials' }, { basic: [machine.clientId, machine.clientSecret!] });
      const response = await fetch(`${fixture.issuer}/oauth2/userinfo`, { headers: { authorization: `Bearer ${String(cc.body.access_token)}` } });
      assert.equal(response.status, 403);
      assert.match(response.headers.get('www-authenticate') ?? '', /error="insufficient_scope"/);
    });
  });

  describe('introspection (RFC 7662)', () => {
    test('the owning client sees the token active with its claims', async () => {
      const response = await introspect(String(tokens.access_token));
      assert.equal(response.status, 200);
      assert.equal(response.body.active, true);
      assert.equal(response.body.client_id, web.clientId);
      assert.equal(response.body.username, fixture.user.email);
      assert.equal(response.body.token_type, 'Bearer');
      assert.equal(response.body.iss, fixture.issuer);
      assert.match(String(response.body.scope), /read:contacts/);
    });

    test('another client sees {"active":false}; with "introspect all tokens" it sees the token', async () => {
      const other = await fixture.createApp({ name: 'Other', type: 'web', redirectUris: [redirectUri] });
      const hidden = await introspect(String(tokens.access_token), { basic: [other.clientId, other.clientSecret!] });
      assert.deepEqual(hidden.body, { active: false });
      const all = await fixture.createApp({ name: 'All', type: 'web', redirectUris: [redirectUri], security: { introspectAllTokens: true } });
      const seen = await introspect(String(tokens.access_token), { basic: [all.clientId, all.clientSecret!] });
      assert.equal(seen.body.active, true);
    });

    test('introspection needs client authentication; a public app is refused (RFC 7662 §2.1)', async () => {
      const spa = await fixture.createApp({ name: 'Pub', type: 'spa', redirectUris: [redirectUri] });
      const response = await postForm(`${fixture.issuer}/oauth2/introspect`, { token: String(tokens.access_token), client_id: spa.clientId });
      assert.equal(response.status, 401);
      assert.equal(response.body.error, 'invalid_client');
    });

    test('garbage and unknown tokens are simply inactive', async () => {
      for (const token of ['garbage', 'lk_at_' + 'a'.repeat(49), 'a.b.c']) {
        assert.deepEqual((await introspect(token)).body, { active: false });
      }
    });

    test('the token must be in the body, not the query (RFC 9700 §4.3)', async () => {
      const response = await postForm(`${fixture.issuer}/oauth2/introspect`, {}, { ...basic(), query: `token=${String(tokens.access_token)}` });
      assert.equal(response.status, 400);
    });
  });

  describe('revocation (RFC 7009)', () => {
    async function freshTokens() {
      const code = await obtainCode(fixture, web.clientId, { scope: 'openid offline_access read:contacts', audience: apiIdentifier });
      return (await redeem(fixture, code, web.clientId, web.clientSecret)).body;
    }

    test('revoking a JWT access token makes it inactive; the refresh token lives on', async () => {
      const fresh = await freshTokens();
      const response = await postForm(`${fixture.issuer}/oauth2/revoke`, { token: String(fresh.access_token), token_type_hint: 'access_token' }, basic());
      assert.equal(response.status, 200);
      assert.equal((await introspect(String(fresh.access_token))).body.active, false);
      assert.equal((await introspect(String(fresh.refresh_token))).body.active, true);
      const userinfo = await fetch(`${fixture.issuer}/oauth2/userinfo`, { headers: { authorization: `Bearer ${String(fresh.access_token)}` } });
      assert.equal(userinfo.status, 401);
    });

    test('revoking a refresh token revokes the grant with its access tokens (RFC 7009 §2.1), whatever the hint', async () => {
      const fresh = await freshTokens();
      await postForm(`${fixture.issuer}/oauth2/revoke`, { token: String(fresh.refresh_token), token_type_hint: 'access_token' }, basic());
      assert.equal((await introspect(String(fresh.refresh_token))).body.active, false);
      assert.equal((await introspect(String(fresh.access_token))).body.active, false);
    });

    test('an unknown or invalid token is a 200 (RFC 7009 §2.2)', async () => {
      const response = await postForm(`${fixture.issuer}/oauth2/revoke`, { token: 'nothing-like-a-token' }, basic());
      assert.equal(response.status, 200);
    });

    test('another client may not revoke the token', async () => {
      const fresh = await freshTokens();
      const other = await fixture.createApp({ name: 'Revoker', type: 'web', redirectUris: [redirectUri] });
      const response = await postForm(
        `${fixture.issuer}/oauth2/revoke`,
        { token: String(fresh.access_token) },
        { basic: [other.clientId, other.clientSecret!] },
      );
      assert.equal(response.body.error, 'unauthorized_client');
      assert.equal((await introspect(String(fresh.access_token))).body.active, true);
    });

    test('the token is required, in the body', async () => {
      assert.equal((await postForm(`${fixture.issuer}/oauth2/revoke`, {}, basic())).body.error, 'invalid_request');
      assert.equal((await postForm(`${fixture.issuer}/oauth2/revoke`, {}, { ...basic(), query: 'token=x' })).status, 400);
    });
  });

  describe('RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0)', () => {
    test('an unregistered post_logout_redirect_uri is shown as an error, never redirected to', async () => {
      const url = `${fixture.issuer}/oauth2/logout?client_id=${web.clientId}&post_logout_redirect_uri=${encodeURIComponent('https://evil.example/')}`;
      const response = await fetch(url, { redirect: 'manual' });
      assert.equal(response.status, 400);
      assert.equal(response.headers.get('location'), null);
    });

    test('without id_token_hint the user confirms; the form is CSRF-protected; then back to the app with state', async () => {
      const { browser } = await obtainCode(fixture, web.clientId);
      const url = `${fixture.issuer}/oauth2/logout?client_id=${web.clientId}&post_logout_redirect_uri=${encodeURIComponent('https://client.example.test/bye')}&state=s-9`;
      const confirm = await browser.get(url);
      assert.equal(confirm.status, 200);
      const html = await confirm.text();
      assert.match(html, /Sign out\?/);
      const forged = await browser.post(`${fixture.issuer}/oauth2/logout/confirm`, { csrf: 'forged', client_id: web.clientId });
      assert.equal(forged.status, 403);
      const done = await browser.post(`${fixture.issuer}/oauth2/logout/confirm`, {
        csrf: hiddenField(html, 'csrf')!,
        client_id: web.clientId,
        post_logout_redirect_uri: 'https://client.example.test/bye',
        state: 's-9',
      });
      assert.equal(done.status, 303);
      assert.equal(done.headers.get('location'), 'https://client.example.test/bye?state=s-9');
      assert.equal([...browser.cookies.keys()].includes('lk_session'), false, 'the session cookie is cleared');
    });

    test('with no session, logout just says you are signed out', async () => {
      const response = await new FormBrowser(fixture.issuer).get(`${fixture.issuer}/oauth2/logout`);
      assert.equal(response.status, 200);
      assert.match(await response.text(), /You are signed out/);
    });
  });
});
