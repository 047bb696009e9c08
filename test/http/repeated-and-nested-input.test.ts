import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { deriveKey } from '../../src/shared/derived-keys.js';
import { userWithToken } from '../support/api.js';
import { injectRaw } from '../support/inject.js';
import { apiIdentifier, oauthFixture, redirectUri, type OAuthFixture } from '../support/oauth.js';
import { createTestDatabase, postgresSkipReason, type TestDatabase } from '../support/postgres.js';
import type { RawRequest, RawResponse } from '../support/raw-http.js';

if (postgresSkipReason) console.log(`# ${postgresSkipReason}`);

const form = { 'content-type': 'application/x-www-form-urlencoded' };

function assertRefused(response: RawResponse, label: string, shape: 'oauth' | 'page' | 'problem', pattern: RegExp = /more than once/): void {
  assert.equal(response.status, 400, `${label}: ${response.status} ${response.body.slice(0, 300)}`);
  const contentType = response.headers['content-type']?.[0] ?? '';
  if (shape === 'page') {
    assert.match(contentType, /^text\/html/, `${label}: the hosted error page`);
    assert.equal(response.headers.location, undefined, `${label}: shown, never redirected`);
    assert.match(response.body, /invalid_request/, label);
    assert.match(response.body.replaceAll('&#39;', "'"), pattern, label);
  } else if (shape === 'problem') {
    assert.match(contentType, /^application\/problem\+json/, `${label}: problem+json`);
    assert.match((JSON.parse(response.body) as { detail: string }).detail, pattern, label);
  } else {
    assert.match(contentType, /^application\/json/, label);
    const body = JSON.parse(response.body) as { error: string; error_description: string };
    assert.equal(body.error, 'invalid_request', label);
    assert.match(body.error_description, pattern, label);
  }
}

/** `{"a":{"a":...}}`, `depth` objects deep. */
function nested(depth: number): string {
  return '{"a":'.repeat(depth - 1) + '{}' + '}'.repeat(depth - 1);
}

const stores = [
  { name: 'SQLite', skip: false as const },
  { name: 'PostgreSQL', skip: postgresSkipReason },
];

for (const store of stores) {
  describe(`repeated parameters, tampered cookies and deep JSON get a 400, never a 500, on ${store.name}`, { skip: store.skip }, () => {
    let database: TestDatabase | undefined;
    let fixture: OAuthFixture;
    let web: { clientId: string; clientSecret: string | null };
    let token: string;
    // Every target here is plain ASCII, so it reaches the app unchanged without a socket.
    const send = (request: RawRequest) => injectRaw(fixture.server.server.app, request);

    before(async () => {
      if (store.name === 'PostgreSQL') database = await createTestDatabase();
      fixture = await oauthFixture({ inProcess: true, ...(database ? { databaseUrl: database.url } : {}) });
      web = await fixture.createApp({ name: 'Web', type: 'web', redirectUris: [redirectUri], scopes: ['openid', 'read:contacts'] });
      token = (await userWithToken(fixture.server, { role: 'admin' })).token;
    });
    after(async () => {
      await fixture?.stop();
      await database?.drop();
    });

    test('a repeated returnTo, code, state or iss on the console routes is a 400 error page', async () => {
      for (const target of [
        '/console/auth/login?returnTo=/console/a&returnTo=/console/b',
        '/console/auth/callback?code=a&code=b&state=s&iss=i',
        '/console/auth/callback?code=a&state=s&state=t&iss=i',
        '/console/auth/callback?code=a&state=s&iss=i&iss=j',
      ]) {
        assertRefused(await send({ method: 'GET', target }), target, 'page');
      }
    });

    test('every other endpoint refuses a repeated parameter (RFC 6749 §3.1) in its own terms', async () => {
      const secret = `client_id=${web.clientId}&client_secret=${web.clientSecret}`;
      const probes: [RawRequest, 'oauth' | 'page' | 'problem'][] = [
        [{ method: 'POST', target: '/oauth2/token', headers: form, body: `grant_type=client_credentials&grant_type=client_credentials&${secret}` }, 'oauth'],
        [{ method: 'POST', target: '/oauth2/token?scope=a&scope=b', headers: form, body: `grant_type=client_credentials&${secret}` }, 'oauth'],
        [{ method: 'POST', target: '/oauth2/introspect', headers: form, body: `token=a&token=b&${secret}` }, 'oauth'],
        [{ method: 'POST', target: '/oauth2/revoke', headers: form, body: `token=a&token=b&${secret}` }, 'oauth'],
        [{ method: 'POST', target: '/oauth2/device_authorization', headers: form, body: `client_id=${web.clientId}&client_id=${web.clientId}` }, 'oauth'],
        [{ method: 'GET', target: '/oauth2/userinfo?a=1&a=2' }, 'oauth'],
        [{ method: 'GET', target: '/.well-known/openid-configuration?a=1&a=2' }, 'oauth'],
        [{ method: 'GET', target: `/oauth2/logout?client_id=${web.clientId}&client_id=${web.clientId}` }, 'page'],
        [{ method: 'POST', target: '/oauth2/logout/confirm', headers: form, body: 'csrf=a&csrf=b' }, 'page'],
        [{ method: 'GET', target: '/device?user_code=ABCD-EFGH&user_code=WXYZ-WXYZ' }, 'page'],
        [{ method: 'POST', target: '/device', headers: form, body: 'csrf=a&user_code=a&user_code=b' }, 'page'],
        [
          {
            method: 'POST',
            target: `/interaction/${'A'.repeat(22)}/login`,
            headers: form,
            body: 'csrf=a&email=a@example.test&email=b@example.test&password=x',
          },
          'page',
        ],
        [{ method: 'GET', target: '/api/v1/orgs?page=1&page=2', headers: { authorization: `Bearer ${token}` } }, 'problem'],
        [{ method: 'GET', target: '/api/v1/users?q=a&q=b', headers: { authorization: `Bearer ${token}` } }, 'problem'],
        [{ method: 'GET', target: '/console/api/v1/orgs?page=1&page=2' }, 'problem'],
      ];
      for (const [probe, shape] of probes) assertRefused(await send(probe), `${probe.method} ${String(probe.target)} ${String(probe.body ?? '')}`, shape);
    });

    test('resource may repeat (RFC 8707 §2)', async () => {
      const response = await send({
        method: 'POST',
        target: '/oauth2/token',
        headers: form,
        body: `grant_type=client_credentials&client_id=${web.clientId}&client_secret=${web.clientSecret}&resource=${encodeURIComponent(apiIdentifier)}&resource=${encodeURIComponent('https://other.example.test')}`,
      });
      assert.doesNotMatch(response.body, /more than once/, response.body);
      assert.ok(response.status < 500, response.body);
    });

    test('the authorization endpoint keeps its own rule: shown until the redirect URI is proven, sent to the client after (RFC 9700 §4.11)', async () => {
      const base = `client_id=${web.clientId}&redirect_uri=${encodeURIComponent(redirectUri)}&response_type=code&code_challenge=${'c'.repeat(43)}&code_challenge_method=S256&state=xyz`;
      const shown = await send({ method: 'GET', target: `/oauth2/authorize?${base}&client_id=${web.clientId}` });
      assert.equal(shown.status, 400);
      assert.match(shown.headers['content-type']?.[0] ?? '', /^text\/html/);
      assert.equal(shown.headers.location, undefined);

      const sent = await send({ method: 'GET', target: `/oauth2/authorize?${base}&scope=openid&scope=openid` });
      assert.equal(sent.status, 302, sent.body);
      const callback = new URL(sent.headers.location![0]!);
      assert.equal(`${callback.origin}${callback.pathname}`, redirectUri);
      assert.equal(callback.searchParams.get('error'), 'invalid_request');
      assert.match(callback.searchParams.get('error_description') ?? '', /scope parameter is included more than once/);
      assert.equal(callback.searchParams.get('state'), 'xyz');
      assert.equal(callback.searchParams.get('iss'), fixture.issuer);
    });

    test('a malformed or tampered console flow cookie is a sign-in failure, never a 500', async () => {
      const key = deriveKey(fixture.server.server.runtime.serverSecret.value, 'console-session-encryption');
      const signed = (payload: string) => {
        const encoded = Buffer.from(payload).toString('base64url');
        return `${encoded}.${createHmac('sha256', key).update(encoded).digest('base64url')}`;
      };
      const cookies = [
        'garbage',
        'a.b',
        '.',
        `${Buffer.from('{"state":"s"}').toString('base64url')}.forged`,
        signed('not json'),
        signed('null'),
        signed('[1,2]'),
        signed('"a string"'),
        signed('{"state":"s","iss":1}'),
        signed('{"verifier":1,"state":"s","returnTo":"/console/","expiresAt":"never"}'),
      ];
      for (const value of cookies) {
        const response = await send({
          method: 'GET',
          target: `/console/auth/callback?code=a&state=s&iss=${encodeURIComponent(fixture.issuer)}`,
          headers: { cookie: `lk_console_flow=${value}` },
        });
        assert.equal(response.status, 400, `${value}: ${response.status} ${response.body.slice(0, 200)}`);
        assert.match(response.body, /the sign-in cookie is missing or was altered/, value);
      }
    });

    test('the console keeps returnTo on its own paths (no backslash or protocol-relative tricks)', async () => {
      for (const returnTo of ['/\\evil.example/', '//evil.example/', 'https://evil.example/', '/console/\\\\evil.example']) {
        const response = await fixture.fetch(`${fixture.issuer}/console/auth/login?returnTo=${encodeURIComponent(returnTo)}`, { redirect: 'manual' });
        assert.equal(response.status, 302);
        const flowCookie = response.headers.getSetCookie().find((cookie) => cookie.startsWith('lk_console_flow='))!;
        const payload = flowCookie.split('=')[1]!.split(';')[0]!.split('.')[0]!;
        const flow = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { returnTo: string };
        assert.equal(flow.returnTo, '/console/', returnTo);
      }
    });

    test('JSON nested 2,000 levels deep is refused by the depth limit (32) before any schema parses it', async () => {
      const json = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      const deep = nested(2000);
      const probes: RawRequest[] = [
        {
          method: 'POST',
          target: '/api/v1/orgs/default/apps',
          headers: json,
          body: `{"name":"Deep","type":"m2m","customClaims":{"https://example.test/deep":${deep}}}`,
        },
        { method: 'PATCH', target: `/api/v1/apps/${web.clientId}`, headers: json, body: `{"customClaims":{"https://example.test/deep":${deep}}}` },
        {
          method: 'PATCH',
          target: `/api/v1/apps/${web.clientId}`,
          headers: json,
          body: `{"customClaims":{"https://example.test/deep":${'['.repeat(2000)}${']'.repeat(2000)}}}`,
        },
        { method: 'POST', target: '/console/api/v1/orgs/default/apps', headers: { 'content-type': 'application/json' }, body: deep },
      ];
      for (const probe of probes) assertRefused(await send(probe), `${probe.method} ${String(probe.target)}`, 'problem', /nested deeper than 32 levels/);
      assertRefused(
        await send({ method: 'POST', target: '/oauth2/token', headers: { 'content-type': 'application/json' }, body: deep }),
        'token endpoint',
        'oauth',
        /nested deeper than 32/,
      );

      const shallow = await send({
        method: 'PATCH',
        target: `/api/v1/apps/${web.clientId}`,
        headers: json,
        body: `{"customClaims":{"https://example.test/ok":${nested(30)}}}`,
      });
      assert.equal(shallow.status, 200, `nesting within the limit still reaches the schema: ${shallow.body.slice(0, 300)}`);
    });

    test('none of it made the server log an error', () => {
      const errors = fixture.server.logs.lines.filter((line) => line.includes('"level":50') || line.includes('"stack"'));
      assert.deepEqual(errors, []);
    });
  });
}
