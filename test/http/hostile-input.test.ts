import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { operatorActor } from '../../src/domain/access/actor.js';
import { userWithToken } from '../support/api.js';
import { apiIdentifier, oauthFixture, redirectUri, type OAuthFixture } from '../support/oauth.js';
import { createTestDatabase, postgresSkipReason, type TestDatabase } from '../support/postgres.js';
import { rawRequest, type RawRequest, type RawResponse } from '../support/raw-http.js';

if (postgresSkipReason) console.log(`# ${postgresSkipReason}`);

/** Query and form values that no store or parser may see: each must be refused at the HTTP edge. */
const hostileValues: [string, string][] = [
  ['a NUL byte', 'a%00b'],
  ['invalid UTF-8', 'a%FFb'],
  ['a UTF-8-encoded lone surrogate', '%ED%A0%80'],
  ['an overlong NUL', '%C0%80'],
  ['a broken percent-encoding', 'a%E0%A4%A'],
  ['a raw invalid byte', 'a\xffb'],
];

/** JSON strings and keys that no store may see (escapes that decode to NUL or a lone surrogate, raw invalid bytes). */
const hostileJson: [string, Buffer][] = [
  ['a NUL escape in a value', Buffer.from('{"name":"a\\u0000b","type":"m2m"}')],
  ['a lone surrogate in a value', Buffer.from('{"name":"a\\ud800b","type":"m2m"}')],
  ['a NUL escape in a key', Buffer.from('{"name":"ok","type":"m2m","descr\\u0000iption":"x"}')],
  ['raw invalid UTF-8 in a value', Buffer.concat([Buffer.from('{"name":"a'), Buffer.from([0xff, 0xfe]), Buffer.from('b","type":"m2m"}')])],
  ['a NUL escape deep inside', Buffer.from('{"name":"ok","type":"m2m","customClaims":{"a":["x",{"b":"\\u0000"}]}}')],
];

const form = { 'content-type': 'application/x-www-form-urlencoded' };

function assertOAuthError(response: RawResponse, label: string, statuses: number[] = [400], codes: string[] = ['invalid_request']): void {
  assert.ok(statuses.includes(response.status), `${label}: expected ${statuses.join(' or ')}, got ${response.status} ${response.body.slice(0, 300)}`);
  assert.match(response.headers['content-type']?.[0] ?? '', /^application\/json/, `${label}: a JSON body`);
  const body = JSON.parse(response.body) as { error?: string; error_description?: string };
  assert.equal(typeof body.error, 'string', `${label}: an OAuth error code`);
  assert.ok(codes.includes(body.error!), `${label}: ${response.body}`);
  assert.equal(typeof body.error_description, 'string', `${label}: an error_description`);
}

function assertErrorPage(response: RawResponse, label: string): void {
  assert.equal(response.status, 400, `${label}: ${response.status} ${response.body.slice(0, 300)}`);
  assert.match(response.headers['content-type']?.[0] ?? '', /^text\/html/, `${label}: the hosted error page`);
  assert.match(response.body, /invalid_request/, `${label}: the page names the error`);
  assert.equal(response.headers.location, undefined, `${label}: shown, never redirected (RFC 9700 §4.11)`);
}

function assertProblem(response: RawResponse, label: string): void {
  assert.equal(response.status, 400, `${label}: ${response.status} ${response.body.slice(0, 300)}`);
  assert.match(response.headers['content-type']?.[0] ?? '', /^application\/problem\+json/, `${label}: RFC 9457 problem details`);
  const problem = JSON.parse(response.body) as { status?: number; detail?: string; type?: string };
  assert.equal(problem.status, 400, label);
  assert.equal(typeof problem.detail, 'string', label);
}

const stores = [
  { name: 'SQLite', skip: false as const },
  { name: 'PostgreSQL', skip: postgresSkipReason },
];

for (const store of stores) {
  describe(`hostile input is refused at the HTTP edge, on ${store.name}`, { skip: store.skip }, () => {
    let database: TestDatabase | undefined;
    let fixture: OAuthFixture;
    let port: number;
    let web: { clientId: string; clientSecret: string | null };
    let keyApp: { clientId: string };
    let key: CryptoKey;
    let token: string;
    const send = (request: RawRequest) => rawRequest(port, request);

    before(async () => {
      if (store.name === 'PostgreSQL') database = await createTestDatabase();
      fixture = await oauthFixture(database ? { databaseUrl: database.url } : {});
      port = fixture.server.config.listen.port;
      web = await fixture.createApp({ name: 'Web', type: 'web', redirectUris: [redirectUri] });
      keyApp = await fixture.createApp({
        name: 'Signed',
        type: 'm2m',
        tokenEndpointAuthMethod: 'private_key_jwt',
        grantTypes: ['client_credentials', 'urn:ietf:params:oauth:grant-type:jwt-bearer'],
        apiGrants: [{ audience: apiIdentifier, scopes: ['read:contacts'] }],
      });
      const pair = await generateKeyPair('ES256', { extractable: true });
      key = pair.privateKey;
      await fixture.server.server.runtime.registry.apps.addCertificate(
        { actor: operatorActor },
        keyApp.clientId,
        JSON.stringify(await exportJWK(pair.publicKey)),
      );
      token = (await userWithToken(fixture.server, { role: 'admin' })).token;
    });
    after(async () => {
      await fixture?.stop();
      await database?.drop();
    });

    const signed = (claims: Record<string, unknown>) => {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ iss: keyApp.clientId, sub: keyApp.clientId, aud: fixture.issuer, iat: now, exp: now + 300, jti: crypto.randomUUID(), ...claims })
        .setProtectedHeader({ alg: 'ES256' })
        .sign(key);
    };
    const unsigned = (claims: Record<string, unknown>) =>
      `${Buffer.from('{"alg":"ES256"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.c2ln`;

    test('the OAuth endpoints answer invalid_request for such values in the query string, the form body or the path', async () => {
      for (const [label, value] of hostileValues) {
        const probes: RawRequest[] = [
          { method: 'POST', target: '/oauth2/token', headers: form, body: `grant_type=client_credentials&client_id=${value}&client_secret=x` },
          { method: 'POST', target: '/oauth2/token', headers: form, body: `grant_type=authorization_code&client_id=${web.clientId}&code=${value}` },
          { method: 'POST', target: '/oauth2/token', headers: form, body: `grant_type=client_credentials&${value}=1` },
          { method: 'POST', target: '/oauth2/introspect', headers: form, body: `token=${value}&client_id=${web.clientId}&client_secret=${web.clientSecret}` },
          { method: 'POST', target: '/oauth2/revoke', headers: form, body: `token=${value}&client_id=${web.clientId}` },
          { method: 'POST', target: '/oauth2/device_authorization', headers: form, body: `client_id=${value}` },
          { method: 'POST', target: '/oauth2/userinfo', headers: form, body: `access_token=${value}` },
          { method: 'GET', target: `/oauth2/userinfo?x=${value}` },
          { method: 'GET', target: `/.well-known/openid-configuration?${value}=1` },
          { method: 'GET', target: `/.well-known/jwks.json/${value}` },
          { method: 'GET', target: `/oauth2/${value}` },
        ];
        for (const probe of probes) assertOAuthError(await send(probe), `${label}: ${probe.method} ${String(probe.target)} ${String(probe.body ?? '')}`);
      }
    });

    test('browser-facing routes show the hosted error page for them', async () => {
      const authorize = `client_id=${web.clientId}&redirect_uri=${encodeURIComponent(redirectUri)}&response_type=code&code_challenge=${'c'.repeat(43)}&code_challenge_method=S256`;
      for (const [label, value] of hostileValues) {
        const probes: RawRequest[] = [
          { method: 'GET', target: `/oauth2/authorize?client_id=${value}&redirect_uri=${encodeURIComponent(redirectUri)}` },
          { method: 'GET', target: `/oauth2/authorize?${authorize}&state=${value}` },
          { method: 'GET', target: `/oauth2/authorize?${authorize}&login_hint=${value}` },
          { method: 'POST', target: '/oauth2/authorize', headers: form, body: `${authorize}&scope=${value}` },
          { method: 'GET', target: `/interaction/${value}` },
          { method: 'POST', target: `/interaction/${'A'.repeat(22)}/login`, headers: form, body: `csrf=x&email=${value}&password=y` },
          { method: 'POST', target: `/interaction/${value}/consent`, headers: form, body: 'csrf=x&decision=allow' },
          { method: 'GET', target: `/device?user_code=${value}` },
          { method: 'GET', target: `/device/confirm?user_code=${value}` },
          { method: 'POST', target: '/device', headers: form, body: `csrf=x&user_code=${value}` },
          { method: 'POST', target: '/device/login', headers: form, body: `csrf=x&email=${value}&password=y` },
          { method: 'GET', target: `/oauth2/logout?client_id=${value}` },
          { method: 'GET', target: `/oauth2/logout?post_logout_redirect_uri=${value}` },
          { method: 'POST', target: '/oauth2/logout/confirm', headers: form, body: `csrf=${value}` },
          { method: 'GET', target: `/console/auth/login?returnTo=${value}` },
          { method: 'GET', target: `/console/auth/callback?code=${value}&state=x&iss=x` },
          { method: 'GET', target: `/console/apps/${value}` },
        ];
        for (const probe of probes) assertErrorPage(await send(probe), `${label}: ${probe.method} ${String(probe.target)} ${String(probe.body ?? '')}`);
      }
    });

    test('the management API and the console proxy answer problem+json for them', async () => {
      const bearer = { authorization: `Bearer ${token}` };
      const json = { ...bearer, 'content-type': 'application/json' };
      for (const [label, value] of hostileValues) {
        const probes: RawRequest[] = [
          { method: 'GET', target: `/api/v1/orgs/${value}/apps`, headers: bearer },
          { method: 'GET', target: `/api/v1/apps/${value}`, headers: bearer },
          { method: 'GET', target: `/api/v1/users?q=${value}`, headers: bearer },
          { method: 'GET', target: `/api/v1/orgs?${value}=1`, headers: bearer },
          { method: 'GET', target: `/console/api/v1/orgs/${value}`, headers: { cookie: 'lk_console=x' } },
          { method: 'GET', target: `/console/api/session?x=${value}` },
        ];
        for (const probe of probes) assertProblem(await send(probe), `${label}: ${probe.method} ${String(probe.target)}`);
      }
      for (const [label, body] of hostileJson) {
        assertProblem(await send({ method: 'POST', target: '/api/v1/orgs/default/apps', headers: json, body }), `${label}: POST /api/v1/orgs/default/apps`);
        assertProblem(await send({ method: 'PATCH', target: `/api/v1/apps/${web.clientId}`, headers: json, body }), `${label}: PATCH /api/v1/apps/{clientId}`);
        assertProblem(
          await send({
            method: 'POST',
            target: '/console/api/v1/orgs/default/apps',
            headers: { 'content-type': 'application/json', cookie: 'lk_console=x' },
            body,
          }),
          `${label}: POST /console/api/v1/orgs/default/apps`,
        );
      }
      const poisoned = await send({
        method: 'POST',
        target: '/api/v1/orgs/default/apps',
        headers: json,
        body: '{"name":"x","type":"m2m","__proto__":{"isAdmin":true}}',
      });
      assertProblem(poisoned, 'prototype poisoning is still refused by the JSON parser');
      const apps = await fixture.server.server.runtime.registry.apps.list({ actor: operatorActor }, fixture.orgId, { offset: 0, limit: 100 });
      assert.deepEqual(apps.items.map((app) => app.name).sort(), ['Latchkey console', 'Signed', 'Web'], 'nothing was written');
    });

    test('NUL and invalid UTF-8 inside HTTP Basic and inside assertions name an unknown client or user, and never reach the store', async () => {
      const basic = (credentials: Buffer) => ({ ...form, authorization: `Basic ${credentials.toString('base64')}` });
      const probes: [string, RawRequest][] = [
        [
          'a NUL in the Basic client_id',
          { method: 'POST', target: '/oauth2/token', headers: basic(Buffer.from('a\0b:secret')), body: 'grant_type=client_credentials' },
        ],
        [
          'a percent-encoded NUL in the Basic client_id',
          { method: 'POST', target: '/oauth2/token', headers: basic(Buffer.from('a%00b:secret')), body: 'grant_type=client_credentials' },
        ],
        [
          'a NUL in the Basic secret',
          { method: 'POST', target: '/oauth2/token', headers: basic(Buffer.from(`${web.clientId}:a\0b`)), body: 'grant_type=client_credentials' },
        ],
        [
          'invalid UTF-8 in the Basic credentials',
          { method: 'POST', target: '/oauth2/token', headers: basic(Buffer.from([0x61, 0xff, 0x3a, 0x62])), body: 'grant_type=client_credentials' },
        ],
        ['a NUL in Basic at introspection', { method: 'POST', target: '/oauth2/introspect', headers: basic(Buffer.from('a\0b:secret')), body: 'token=x' }],
        [
          'a NUL in the sub of an unsigned client assertion',
          {
            method: 'POST',
            target: '/oauth2/token',
            headers: form,
            body: `grant_type=client_credentials&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=${unsigned({ sub: 'a\0b', iss: 'a\0b' })}`,
          },
        ],
        [
          'a lone surrogate in the sub of an unsigned client assertion',
          {
            method: 'POST',
            target: '/oauth2/token',
            headers: form,
            body: `grant_type=client_credentials&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=${unsigned({ sub: '\ud800' })}`,
          },
        ],
        [
          'a NUL in the iss of a JWT bearer assertion',
          {
            method: 'POST',
            target: '/oauth2/token',
            headers: form,
            body: `grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=${unsigned({ iss: 'a\0b', sub: 'x' })}`,
          },
        ],
        [
          'a NUL in the jti of a signed client assertion',
          {
            method: 'POST',
            target: '/oauth2/token',
            headers: form,
            body: `grant_type=client_credentials&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=${await signed({ jti: 'a\0b' })}`,
          },
        ],
        [
          'a NUL in the sub of a signed JWT bearer assertion',
          {
            method: 'POST',
            target: '/oauth2/token',
            headers: form,
            body: `grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&client_id=${keyApp.clientId}&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=${await signed({})}&assertion=${await signed({ sub: 'a\0b@example.test' })}`,
          },
        ],
        [
          'a NUL in the jti of a signed JWT bearer assertion',
          {
            method: 'POST',
            target: '/oauth2/token',
            headers: form,
            body: `grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&client_id=${keyApp.clientId}&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=${await signed({})}&assertion=${await signed({ sub: fixture.user.id, jti: 'a\0b' })}`,
          },
        ],
      ];
      for (const [label, probe] of probes) assertOAuthError(await send(probe), label, [400, 401], ['invalid_request', 'invalid_client', 'invalid_grant']);
    });

    test('none of it made the server log an error', () => {
      const errors = fixture.server.logs.lines.filter((line) => line.includes('"level":50') || line.includes('"stack"'));
      assert.deepEqual(errors, []);
    });
  });
}
