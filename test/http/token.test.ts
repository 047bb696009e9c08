import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeProtectedHeader } from 'jose';
import { operatorActor } from '../../src/domain/access/actor.js';
import { challengeOf, newVerifier, obtainCode, postForm, redeem, tokenUrl } from '../support/flows.js';
import { apiIdentifier, oauthFixture, redirectUri, type OAuthFixture } from '../support/oauth.js';

describe('token endpoint rules', () => {
  let fixture: OAuthFixture;
  let web: { clientId: string; clientSecret: string | null };
  let machine: { clientId: string; clientSecret: string | null };
  const now = { value: Date.now() };
  const clock = { now: () => now.value };

  before(async () => {
    fixture = await oauthFixture({ clock });
    web = await fixture.createApp({
      name: 'Web',
      type: 'web',
      redirectUris: [redirectUri],
      grantTypes: ['authorization_code', 'refresh_token'],
      scopes: ['openid', 'profile', 'email', 'offline_access', 'read:contacts', 'write:contacts'],
      security: { firstParty: true },
    });
    machine = await fixture.createApp({ name: 'Machine', type: 'm2m', apiGrants: [{ audience: apiIdentifier, scopes: ['read:contacts', 'write:contacts'] }] });
  });
  after(() => fixture.stop());

  const basicWeb = () => ({ basic: [web.clientId, web.clientSecret!] as [string, string] });
  const offline = { scope: 'openid offline_access read:contacts', audience: apiIdentifier };

  describe('request rules (RFC 6749 §3.2, §5.2)', () => {
    test('parameters in the query string are refused, so no secret lands in a URL (RFC 9700 §4.3)', async () => {
      const response = await postForm(
        tokenUrl(fixture),
        { grant_type: 'client_credentials' },
        {
          query: `client_id=${machine.clientId}&client_secret=${machine.clientSecret}`,
        },
      );
      assert.equal(response.status, 400);
      assert.equal(response.body.error, 'invalid_request');
      assert.match(String(response.body.error_description), /not the query string/);
    });

    test('a parameter sent twice is invalid_request (RFC 6749 §3.2)', async () => {
      const response = await fetch(tokenUrl(fixture), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `grant_type=client_credentials&scope=read:contacts&scope=write:contacts&client_id=${machine.clientId}&client_secret=x`,
      });
      const body = (await response.json()) as { error: string; error_description: string };
      assert.equal(response.status, 400);
      assert.equal(body.error, 'invalid_request');
      assert.match(body.error_description, /scope parameter is included more than once/);
    });

    test('the body must be application/x-www-form-urlencoded (RFC 6749 §3.2)', async () => {
      const response = await fetch(tokenUrl(fixture), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ grant_type: 'client_credentials' }),
      });
      assert.equal(response.status, 400);
      assert.equal(((await response.json()) as { error: string }).error, 'invalid_request');
    });

    test('responses are not cached: Cache-Control no-store on success and error (RFC 6749 §5.1)', async () => {
      const ok = await postForm(tokenUrl(fixture), { grant_type: 'client_credentials' }, { basic: [machine.clientId, machine.clientSecret!] });
      assert.equal(ok.status, 200);
      assert.equal(ok.headers.get('cache-control'), 'no-store');
      assert.equal(ok.headers.get('pragma'), 'no-cache');
      const error = await postForm(tokenUrl(fixture), { grant_type: 'nope' });
      assert.equal(error.headers.get('cache-control'), 'no-store');
    });

    test('grant_type is required; an unknown one is unsupported_grant_type (RFC 6749 §5.2)', async () => {
      assert.equal((await postForm(tokenUrl(fixture), {})).body.error, 'invalid_request');
      const unknown = await postForm(tokenUrl(fixture), { grant_type: 'password', username: 'a', password: 'b' });
      assert.equal(unknown.body.error, 'unsupported_grant_type', 'no resource owner password grant (RFC 9700 §2.4)');
    });

    test('a wrong secret is 401 invalid_client with WWW-Authenticate (RFC 6749 §5.2)', async () => {
      const response = await postForm(tokenUrl(fixture), { grant_type: 'client_credentials' }, { basic: [machine.clientId, 'lk_cs_wrong'] });
      assert.equal(response.status, 401);
      assert.equal(response.body.error, 'invalid_client');
      assert.match(response.headers.get('www-authenticate') ?? '', /^Basic realm="latchkey"/);
    });

    test('an unknown client is 401 invalid_client with WWW-Authenticate', async () => {
      const response = await postForm(tokenUrl(fixture), { grant_type: 'client_credentials', client_id: 'nobody', client_secret: 'x' });
      assert.equal(response.status, 401);
      assert.ok(response.headers.get('www-authenticate'));
    });

    test('an app must use its registered auth method (token_endpoint_auth_method)', async () => {
      const response = await postForm(tokenUrl(fixture), {
        grant_type: 'client_credentials',
        client_id: machine.clientId,
        client_secret: machine.clientSecret!,
      });
      assert.equal(response.status, 401);
      assert.match(String(response.body.error_description), /authenticates with client_secret_basic, not client_secret_post/);
    });

    test('two authentication methods in one request are invalid_request (RFC 6749 §2.3)', async () => {
      const response = await postForm(
        tokenUrl(fixture),
        { grant_type: 'client_credentials', client_id: machine.clientId, client_secret: machine.clientSecret! },
        { basic: [machine.clientId, machine.clientSecret!] },
      );
      assert.equal(response.status, 400);
      assert.equal(response.body.error, 'invalid_request');
      assert.match(String(response.body.error_description), /more than one authentication method/);
    });

    test('a grant the app may not use is unauthorized_client', async () => {
      const response = await postForm(tokenUrl(fixture), { grant_type: 'client_credentials' }, basicWeb());
      assert.equal(response.status, 400);
      assert.equal(response.body.error, 'unauthorized_client');
    });

    test("CORS only for the origins of an SPA's redirect URIs", async () => {
      const spa = await fixture.createApp({ name: 'SPA', type: 'spa', redirectUris: ['https://spa.example.test/cb'] });
      const allowed = await postForm(
        tokenUrl(fixture),
        { grant_type: 'authorization_code', client_id: spa.clientId, code: 'x' },
        { headers: { origin: 'https://spa.example.test' } },
      );
      assert.equal(allowed.headers.get('access-control-allow-origin'), 'https://spa.example.test');
      const other = await postForm(
        tokenUrl(fixture),
        { grant_type: 'authorization_code', client_id: spa.clientId, code: 'x' },
        { headers: { origin: 'https://evil.example' } },
      );
      assert.equal(other.headers.get('access-control-allow-origin'), null);
      const preflight = await fetch(tokenUrl(fixture), {
        method: 'OPTIONS',
        headers: { origin: 'https://spa.example.test', 'access-control-request-method': 'POST' },
      });
      assert.equal(preflight.headers.get('access-control-allow-origin'), 'https://spa.example.test');
      const unknownPreflight = await fetch(tokenUrl(fixture), { method: 'OPTIONS', headers: { origin: 'https://evil.example' } });
      assert.equal(unknownPreflight.headers.get('access-control-allow-origin'), null);
    });
  });

  describe('authorization codes (RFC 6749 §4.1.3, RFC 7636)', () => {
    test('a replayed code is refused and revokes every token it issued (RFC 6749 §4.1.2, RFC 9700 §4.5)', async () => {
      const code = await obtainCode(fixture, web.clientId, offline);
      const first = await redeem(fixture, code, web.clientId, web.clientSecret);
      assert.equal(first.status, 200);
      const second = await redeem(fixture, code, web.clientId, web.clientSecret);
      assert.equal(second.body.error, 'invalid_grant');
      assert.match(String(second.body.error_description), /already used; the tokens it issued are now revoked/);
      const introspected = await postForm(`${fixture.issuer}/oauth2/introspect`, { token: String(first.body.access_token) }, basicWeb());
      assert.equal(introspected.body.active, false);
      const refresh = await postForm(tokenUrl(fixture), { grant_type: 'refresh_token', refresh_token: String(first.body.refresh_token) }, basicWeb());
      assert.equal(refresh.body.error, 'invalid_grant');
    });

    test('20 parallel redemptions of one code: exactly one succeeds, no 5xx', async () => {
      const code = await obtainCode(fixture, web.clientId);
      const results = await Promise.all(Array.from({ length: 20 }, () => redeem(fixture, code, web.clientId, web.clientSecret)));
      assert.equal(results.filter((result) => result.status === 200).length, 1);
      assert.ok(results.every((result) => result.status < 500));
      assert.ok(results.filter((result) => result.status !== 200).every((result) => result.body.error === 'invalid_grant'));
    });

    test('the code is bound to the redirect URI (RFC 6749 §4.1.3)', async () => {
      const code = await obtainCode(fixture, web.clientId);
      const wrong = await redeem(fixture, code, web.clientId, web.clientSecret, { redirect_uri: 'https://client.example.test/other' });
      assert.equal(wrong.body.error, 'invalid_grant');
      assert.match(String(wrong.body.error_description), /redirect_uri does not match/);
      const missing = await postForm(tokenUrl(fixture), { grant_type: 'authorization_code', code: code.code, code_verifier: code.verifier }, basicWeb());
      assert.equal(missing.body.error, 'invalid_grant');
    });

    test('the code is bound to the client (RFC 6749 §4.1.3)', async () => {
      const other = await fixture.createApp({ name: 'Other', type: 'web', redirectUris: [redirectUri] });
      const code = await obtainCode(fixture, web.clientId);
      const response = await redeem(fixture, code, other.clientId, other.clientSecret);
      assert.equal(response.body.error, 'invalid_grant');
      assert.match(String(response.body.error_description), /issued to another client/);
    });

    test('a wrong code_verifier is invalid_grant (RFC 7636 §4.6)', async () => {
      const code = await obtainCode(fixture, web.clientId);
      const response = await redeem(fixture, { code: code.code, verifier: newVerifier() }, web.clientId, web.clientSecret);
      assert.equal(response.body.error, 'invalid_grant');
      assert.match(String(response.body.error_description), /does not match the code_challenge/);
    });

    test('a missing code_verifier is invalid_grant (RFC 7636 §4.5)', async () => {
      const code = await obtainCode(fixture, web.clientId);
      const response = await postForm(tokenUrl(fixture), { grant_type: 'authorization_code', code: code.code, redirect_uri: redirectUri }, basicWeb());
      assert.equal(response.body.error, 'invalid_grant');
    });

    test('no PKCE downgrade: a code issued without a challenge refuses a code_verifier (RFC 9700 §4.8.2)', async () => {
      const relaxed = await fixture.createApp({
        name: 'No PKCE',
        type: 'web',
        redirectUris: [redirectUri],
        security: { requirePkce: false, firstParty: true },
      });
      const code = await obtainCode(fixture, relaxed.clientId, { code_challenge: null, code_challenge_method: null });
      const response = await redeem(fixture, code, relaxed.clientId, relaxed.clientSecret);
      assert.equal(response.body.error, 'invalid_grant');
      assert.match(String(response.body.error_description), /issued without a code_challenge/);
      const fresh = await obtainCode(fixture, relaxed.clientId, { code_challenge: null, code_challenge_method: null });
      const withoutVerifier = await postForm(
        tokenUrl(fixture),
        { grant_type: 'authorization_code', code: fresh.code, redirect_uri: redirectUri },
        {
          basic: [relaxed.clientId, relaxed.clientSecret!],
        },
      );
      assert.equal(withoutVerifier.status, 200);
    });

    test('codes expire after 60 seconds', async () => {
      const code = await obtainCode(fixture, web.clientId);
      now.value += 61_000;
      try {
        const response = await redeem(fixture, code, web.clientId, web.clientSecret);
        assert.equal(response.body.error, 'invalid_grant');
        assert.match(String(response.body.error_description), /expired/);
      } finally {
        now.value -= 61_000;
      }
    });

    test('a confidential app must send its secret for the web server flow, unless that setting is off', async () => {
      const code = await obtainCode(fixture, web.clientId);
      const withoutSecret = await redeem(fixture, code, web.clientId, null);
      assert.equal(withoutSecret.status, 401);
      assert.equal(withoutSecret.body.error, 'invalid_client');
      const lenient = await fixture.createApp({
        name: 'Lenient',
        type: 'web',
        redirectUris: [redirectUri],
        security: { requireSecretForWebServerFlow: false, firstParty: true },
      });
      const lenientCode = await obtainCode(fixture, lenient.clientId);
      assert.equal((await redeem(fixture, lenientCode, lenient.clientId, null)).status, 200);
    });

    test('a public app sending a secret is refused', async () => {
      const spa = await fixture.createApp({ name: 'SPA2', type: 'spa', redirectUris: [redirectUri], security: { firstParty: true } });
      const code = await obtainCode(fixture, spa.clientId);
      const response = await postForm(tokenUrl(fixture), {
        grant_type: 'authorization_code',
        code: code.code,
        redirect_uri: redirectUri,
        code_verifier: code.verifier,
        client_id: spa.clientId,
        client_secret: 'anything',
      });
      assert.equal(response.status, 401);
      assert.match(String(response.body.error_description), /public client/);
    });
  });

  describe('refresh tokens', () => {
    async function tokensWith(extra: Record<string, string> = offline, app = web) {
      const code = await obtainCode(fixture, app.clientId, extra);
      const response = await redeem(fixture, code, app.clientId, app.clientSecret);
      assert.equal(response.status, 200, JSON.stringify(response.body));
      return response.body;
    }
    const refresh = (token: unknown, extra: Record<string, string> = {}, app = web) =>
      postForm(
        tokenUrl(fixture),
        { grant_type: 'refresh_token', refresh_token: String(token), ...extra },
        app.clientSecret ? { basic: [app.clientId, app.clientSecret] } : {},
      );

    test('issued only with offline_access, an API that allows it, and the app enabling them', async () => {
      assert.ok((await tokensWith()).refresh_token, 'all three: a refresh token');
      assert.equal((await tokensWith({ scope: 'openid read:contacts', audience: apiIdentifier })).refresh_token, undefined, 'no offline_access');
      const registry = fixture.server.server.runtime.registry;
      const closed = await registry.apis.create({ actor: operatorActor }, fixture.orgId, {
        identifier: 'https://closed.example.test',
        name: 'Closed',
        scopes: [{ name: 'closed:read' }],
        allowOfflineAccess: false,
      });
      const app = await fixture.createApp({
        name: 'Closed client',
        type: 'web',
        redirectUris: [redirectUri],
        grantTypes: ['authorization_code', 'refresh_token'],
        scopes: ['openid', 'offline_access', 'closed:read'],
        security: { firstParty: true },
      });
      assert.equal(
        (await tokensWith({ scope: 'openid offline_access closed:read', audience: closed.identifier }, app)).refresh_token,
        undefined,
        'API disallows it',
      );
      const noGrant = await fixture.createApp({
        name: 'No refresh',
        type: 'web',
        redirectUris: [redirectUri],
        scopes: ['openid', 'offline_access'],
        security: { firstParty: true },
      });
      assert.equal((await tokensWith({ scope: 'openid offline_access' }, noGrant)).refresh_token, undefined, 'app did not enable them');
    });

    test('asking for more scope than granted is invalid_scope (RFC 6749 §6)', async () => {
      const tokens = await tokensWith({ scope: 'openid offline_access read:contacts', audience: apiIdentifier });
      const response = await refresh(tokens.refresh_token, { scope: 'openid read:contacts write:contacts' });
      assert.equal(response.body.error, 'invalid_scope');
      assert.match(String(response.body.error_description), /only narrow the scope; write:contacts/);
    });

    test('a refresh token is bound to its client', async () => {
      const tokens = await tokensWith();
      const other = await fixture.createApp({ name: 'Thief', type: 'web', redirectUris: [redirectUri], grantTypes: ['authorization_code', 'refresh_token'] });
      const response = await refresh(tokens.refresh_token, {}, other);
      assert.equal(response.body.error, 'invalid_grant');
      assert.match(String(response.body.error_description), /issued to another client/);
    });

    test('"require secret for refresh" is honoured', async () => {
      const tokens = await tokensWith();
      const withoutSecret = await postForm(tokenUrl(fixture), {
        grant_type: 'refresh_token',
        refresh_token: String(tokens.refresh_token),
        client_id: web.clientId,
      });
      assert.equal(withoutSecret.status, 401);
      const lenient = await fixture.createApp({
        name: 'Refresh without secret',
        type: 'web',
        redirectUris: [redirectUri],
        grantTypes: ['authorization_code', 'refresh_token'],
        scopes: ['openid', 'offline_access'],
        refreshToken: { requireSecret: false },
        security: { firstParty: true },
      });
      const lenientTokens = await tokensWith({ scope: 'openid offline_access' }, lenient);
      const response = await postForm(tokenUrl(fixture), {
        grant_type: 'refresh_token',
        refresh_token: String(lenientTokens.refresh_token),
        client_id: lenient.clientId,
      });
      assert.equal(response.status, 200);
    });

    test('with rotation off the same refresh token keeps working', async () => {
      const steady = await fixture.createApp({
        name: 'No rotation',
        type: 'web',
        redirectUris: [redirectUri],
        grantTypes: ['authorization_code', 'refresh_token'],
        scopes: ['openid', 'offline_access'],
        refreshToken: { rotation: false },
        security: { firstParty: true },
      });
      const tokens = await tokensWith({ scope: 'openid offline_access' }, steady);
      for (let round = 0; round < 3; round += 1) {
        const response = await refresh(tokens.refresh_token, {}, steady);
        assert.equal(response.status, 200);
        assert.equal(response.body.refresh_token, undefined);
      }
    });

    test('20 parallel refreshes with one token: exactly one successor, no 5xx', async () => {
      const tokens = await tokensWith();
      const results = await Promise.all(Array.from({ length: 20 }, () => refresh(tokens.refresh_token)));
      assert.ok(results.every((result) => result.status < 500));
      const successors = new Set(results.filter((result) => result.status === 200).map((result) => result.body.refresh_token));
      // One presentation wins the rotation; none winning would also pass "at most one".
      assert.equal(successors.size, 1, `${successors.size} successors`);
    });

    test("refresh tokens expire after the app's refresh TTL", async () => {
      const tokens = await tokensWith();
      now.value += 31 * 60_000;
      try {
        const response = await refresh(tokens.refresh_token);
        assert.equal(response.body.error, 'invalid_grant');
        assert.match(String(response.body.error_description), /expired/);
      } finally {
        now.value -= 31 * 60_000;
      }
    });

    test('a JWT access token checked before still expires, and is still revoked, on the next call', async () => {
      const tokens = await tokensWith();
      const userinfo = () => fetch(`${fixture.issuer}/oauth2/userinfo`, { headers: { authorization: `Bearer ${String(tokens.access_token)}` } });
      assert.equal((await userinfo()).status, 200);
      assert.equal((await userinfo()).status, 200, 'checked again: still good');
      now.value += 31 * 60_000;
      try {
        assert.equal((await userinfo()).status, 401, 'expired');
        const introspected = await postForm(`${fixture.issuer}/oauth2/introspect`, { token: String(tokens.access_token) }, basicWeb());
        assert.equal(introspected.body.active, false);
      } finally {
        now.value -= 31 * 60_000;
      }
      assert.equal((await userinfo()).status, 200);
      await postForm(`${fixture.issuer}/oauth2/revoke`, { token: String(tokens.access_token) }, basicWeb());
      assert.equal((await userinfo()).status, 401, 'revoked');
      const tampered = String(tokens.access_token).slice(0, -4) + (String(tokens.access_token).endsWith('AAAA') ? 'BBBB' : 'AAAA');
      assert.equal((await fetch(`${fixture.issuer}/oauth2/userinfo`, { headers: { authorization: `Bearer ${tampered}` } })).status, 401);
    });

    test('a forged refresh token is invalid_grant and revokes nothing', async () => {
      const tokens = await tokensWith();
      const forged = String(tokens.refresh_token).slice(0, 30) + 'A'.repeat(String(tokens.refresh_token).length - 30);
      assert.equal((await refresh(forged)).body.error, 'invalid_grant');
      assert.equal((await refresh(tokens.refresh_token)).status, 200, 'the real family is untouched');
    });
  });

  describe('client credentials and access tokens', () => {
    test("the token carries only the app's pairs; a scope or audience beyond them is refused", async () => {
      const basic = { basic: [machine.clientId, machine.clientSecret!] as [string, string] };
      const narrowed = await postForm(tokenUrl(fixture), { grant_type: 'client_credentials', scope: 'read:contacts' }, basic);
      assert.equal(narrowed.body.scope, 'read:contacts');
      const beyond = await postForm(tokenUrl(fixture), { grant_type: 'client_credentials', scope: 'admin:all' }, basic);
      assert.equal(beyond.body.error, 'invalid_scope');
      const elsewhere = await postForm(tokenUrl(fixture), { grant_type: 'client_credentials', audience: 'https://other.example.test' }, basic);
      assert.equal(elsewhere.body.error, 'invalid_target');
    });

    test('a public app can not use client credentials (RFC 6749 §4.4)', async () => {
      const native = await fixture.createApp({ name: 'Public', type: 'native', redirectUris: ['com.example.app:/cb'] });
      const response = await postForm(tokenUrl(fixture), { grant_type: 'client_credentials', client_id: native.clientId });
      assert.equal(response.body.error, 'unauthorized_client');
    });

    test('the API decides the format and algorithm: ES256 JWTs and opaque tokens', async () => {
      const registry = fixture.server.server.runtime.registry;
      await registry.apis.create({ actor: operatorActor }, fixture.orgId, {
        identifier: 'https://es.example.test',
        name: 'ES',
        scopes: [{ name: 'es' }],
        signingAlgorithm: 'ES256',
      });
      await registry.apis.create({ actor: operatorActor }, fixture.orgId, {
        identifier: 'https://opaque.example.test',
        name: 'Opaque',
        scopes: [{ name: 'op' }],
        tokenFormat: 'opaque',
      });
      const app = await fixture.createApp({
        name: 'Formats',
        type: 'm2m',
        apiGrants: [
          { audience: 'https://es.example.test', scopes: ['es'] },
          { audience: 'https://opaque.example.test', scopes: ['op'] },
        ],
      });
      const basic = { basic: [app.clientId, app.clientSecret!] as [string, string] };
      const es = await postForm(tokenUrl(fixture), { grant_type: 'client_credentials', audience: 'https://es.example.test' }, basic);
      assert.equal(decodeProtectedHeader(String(es.body.access_token)).alg, 'ES256');
      const opaque = await postForm(tokenUrl(fixture), { grant_type: 'client_credentials', resource: 'https://opaque.example.test' }, basic);
      assert.match(String(opaque.body.access_token), /^lk_at_/);
      const introspected = await postForm(`${fixture.issuer}/oauth2/introspect`, { token: String(opaque.body.access_token) }, basic);
      assert.equal(introspected.body.active, true);
      assert.equal(introspected.body.aud, 'https://opaque.example.test');
      // Tokens asked for together are stored together (one statement): each is answered stored.
      const together = await Promise.all(
        Array.from({ length: 20 }, () => postForm(tokenUrl(fixture), { grant_type: 'client_credentials', resource: 'https://opaque.example.test' }, basic)),
      );
      const issued = new Set(together.map((response) => String(response.body.access_token)));
      assert.equal(issued.size, 20);
      for (const token of issued) {
        assert.equal((await postForm(`${fixture.issuer}/oauth2/introspect`, { token }, basic)).body.active, true);
      }
    });

    test('a draft or disabled app gets no tokens, and its tokens stop introspecting', async () => {
      const app = await fixture.createApp({ name: 'Soon disabled', type: 'm2m', apiGrants: [{ audience: apiIdentifier, scopes: ['read:contacts'] }] });
      const basic = { basic: [app.clientId, app.clientSecret!] as [string, string] };
      const issued = await postForm(tokenUrl(fixture), { grant_type: 'client_credentials' }, basic);
      assert.equal(issued.status, 200);
      await fixture.server.server.runtime.registry.apps.transition({ actor: operatorActor }, app.clientId, 'disable');
      const refused = await postForm(tokenUrl(fixture), { grant_type: 'client_credentials' }, basic);
      assert.equal(refused.body.error, 'unauthorized_client');
      assert.match(String(refused.body.error_description), /the app is disabled/);
      const other = await fixture.createApp({
        name: 'Introspector',
        type: 'web',
        redirectUris: [redirectUri],
        security: { introspectAllTokens: true },
      });
      const introspected = await postForm(
        `${fixture.issuer}/oauth2/introspect`,
        { token: String(issued.body.access_token) },
        { basic: [other.clientId, other.clientSecret!] },
      );
      assert.equal(introspected.body.active, false);
    });

    test('after a secret rotation the old secret fails, and tokens issued before stay valid', async () => {
      const app = await fixture.createApp({ name: 'Rotating', type: 'm2m', apiGrants: [{ audience: apiIdentifier, scopes: ['read:contacts'] }] });
      const before = await postForm(tokenUrl(fixture), { grant_type: 'client_credentials' }, { basic: [app.clientId, app.clientSecret!] });
      const { clientSecret } = await fixture.server.server.runtime.registry.apps.rotateSecret({ actor: operatorActor }, app.clientId);
      const old = await postForm(tokenUrl(fixture), { grant_type: 'client_credentials' }, { basic: [app.clientId, app.clientSecret!] });
      assert.equal(old.status, 401);
      const fresh = await postForm(tokenUrl(fixture), { grant_type: 'client_credentials' }, { basic: [app.clientId, clientSecret] });
      assert.equal(fresh.status, 200);
      const introspected = await postForm(
        `${fixture.issuer}/oauth2/introspect`,
        { token: String(before.body.access_token) },
        { basic: [app.clientId, clientSecret] },
      );
      assert.equal(introspected.body.active, true);
    });

    test("a client's sub can never be a user's sub (RFC 9700 §4.15)", async () => {
      const response = await postForm(tokenUrl(fixture), { grant_type: 'client_credentials' }, { basic: [machine.clientId, machine.clientSecret!] });
      const payload = JSON.parse(Buffer.from(String(response.body.access_token).split('.')[1]!, 'base64url').toString()) as { sub: string };
      assert.equal(payload.sub, machine.clientId);
      assert.doesNotMatch(payload.sub, /^usr_/);
    });
  });

  test('PKCE helpers agree with RFC 7636 Appendix B', () => {
    assert.equal(challengeOf('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'), 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });
});
