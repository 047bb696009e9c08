import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../support/server.js';
import { userWithToken, type ApiCaller } from '../support/api.js';

type App = Record<string, unknown> & {
  clientId: string;
  clientSecret?: string | null;
  status: string;
  accessToken: { ttlMinutes: number | null };
  refreshToken: { ttlMinutes: number; rotation: boolean; reuseIntervalSeconds: number; requireSecret: boolean };
  idToken: { ttlMinutes: number; audiences: string[] };
  security: {
    requirePkce: boolean;
    requireSecretForWebServerFlow: boolean;
    introspectAllTokens: boolean;
    firstParty: boolean;
    managementApiAccess: boolean;
    requireVerifiedEmail: boolean;
  };
  redirectUris: string[];
  placeholderRedirectUris: string[];
  review: { reason: string | null; decision: string | null } | null;
};
type Problem = { type: string; title: string; status: number; detail: string; errors?: { field: string; message: string }[] };

const fixture = (name: string) => readFileSync(new URL(`../fixtures/certificates/${name}`, import.meta.url), 'utf8');

describe('apps through the management API', () => {
  let server: TestServer;
  let admin: ApiCaller;
  const transcript: string[] = [];

  before(async () => {
    server = await startTestServer({ inProcess: true });
    admin = (await userWithToken(server, { role: 'admin', transcript })).api;
  });
  after(() => server.stop());

  async function createApp(body: Record<string, unknown>): Promise<App> {
    const response = await admin.post<App>('/orgs/default/apps', body);
    assert.equal(response.status, 201, response.text);
    return response.body;
  }

  async function counts() {
    const apps = (await admin.get<{ total: number }>('/orgs/default/apps?perPage=1')).body.total;
    const audit = (await admin.get<{ total: number }>('/orgs/default/audit?perPage=1')).body.total;
    return { apps, audit };
  }

  /** Sends a bad create, checks the 400 names the field and rule, and that nothing was saved. */
  async function refusedCreate(body: Record<string, unknown>, field: string, message: RegExp) {
    const before = await counts();
    const response = await admin.post<Problem>('/orgs/default/apps', body);
    assert.equal(response.status, 400, response.text);
    assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/);
    assert.equal(response.body.type, 'urn:latchkey:problem:validation');
    const problem = response.body.errors?.find((error) => error.field === field);
    assert.ok(problem, `a problem for ${field} in ${response.text}`);
    assert.match(problem.message, message);
    assert.deepEqual(await counts(), before, 'nothing was saved');
  }

  /** Sends a bad update, checks the 400, and that the app and the audit log are unchanged. */
  async function refusedUpdate(clientId: string, body: Record<string, unknown>, field: string, message: RegExp) {
    const before = (await admin.get<App>(`/apps/${clientId}`)).body;
    const auditBefore = (await counts()).audit;
    const response = await admin.patch<Problem>(`/apps/${clientId}`, body);
    assert.equal(response.status, 400, response.text);
    const problem = response.body.errors?.find((error) => error.field === field);
    assert.ok(problem, `a problem for ${field} in ${response.text}`);
    assert.match(problem.message, message);
    assert.deepEqual((await admin.get<App>(`/apps/${clientId}`)).body, before, 'the app is unchanged');
    assert.equal((await counts()).audit, auditBefore, 'no audit record');
  }

  describe('types and defaults', () => {
    test('a web app is confidential, gets a prefixed secret once, and the default lifetimes', async () => {
      const app = await createApp({ name: 'Web', type: 'web', redirectUris: ['https://web.example.com/cb'] });
      assert.equal(app.clientType, 'confidential');
      assert.equal(app.tokenEndpointAuthMethod, 'client_secret_basic');
      assert.match(app.clientSecret ?? '', /^lk_cs_[A-Za-z0-9_-]{49}$/);
      assert.equal(app.status, 'active');
      assert.deepEqual(app.accessToken, { ttlMinutes: null }, "empty: the API's own lifetime applies");
      assert.deepEqual(app.refreshToken, { ttlMinutes: 30, rotation: true, reuseIntervalSeconds: 0, requireSecret: true });
      assert.equal(app.idToken.ttlMinutes, 2);
      assert.deepEqual(app.security, {
        requirePkce: true,
        requireSecretForWebServerFlow: true,
        introspectAllTokens: false,
        firstParty: false,
        managementApiAccess: false,
        requireVerifiedEmail: false,
        requireMfa: false,
        requirePushedAuthorizationRequests: false,
        requireDpop: false,
        tokenExchangeImpersonation: false,
      });
      assert.deepEqual(app.grantTypes, ['authorization_code']);
      const fetched = await admin.get<App>(`/apps/${app.clientId}`);
      assert.equal('clientSecret' in fetched.body, false, 'the secret is not shown again');
    });

    test('native and single-page apps are public: no secret, auth method none, PKCE always', async () => {
      for (const [type, uri] of [
        ['native', 'com.example.app:/cb'],
        ['spa', 'https://spa.example.com/cb'],
      ]) {
        const app = await createApp({ name: type, type, redirectUris: [uri] });
        assert.equal(app.clientType, 'public');
        assert.equal(app.clientSecret, null);
        assert.equal(app.tokenEndpointAuthMethod, 'none');
        assert.equal(app.security.requirePkce, true);
      }
    });

    test('PKCE can not be turned off for a public app (RFC 9700 §2.1.1)', async () => {
      const app = await createApp({ name: 'Native', type: 'native', redirectUris: ['com.example.app:/cb'] });
      await refusedUpdate(app.clientId, { security: { requirePkce: false } }, 'security.requirePkce', /PKCE is always required for public apps/);
    });

    test('a public app can not authenticate with a secret (RFC 6749 §2.1)', async () => {
      await refusedCreate(
        { name: 'x', type: 'spa', redirectUris: ['https://spa.example.com/cb'], tokenEndpointAuthMethod: 'client_secret_basic' },
        'tokenEndpointAuthMethod',
        /single-page app is a public client: it can't keep a secret, so tokenEndpointAuthMethod must be none/,
      );
    });

    test('refresh tokens of a public app must rotate (RFC 9700 §4.14.2)', async () => {
      await refusedCreate(
        { name: 'x', type: 'native', redirectUris: ['com.example.app:/cb'], refreshToken: { rotation: false } },
        'refreshToken.rotation',
        /must rotate/,
      );
    });

    test('a machine-to-machine app has no redirect URIs', async () => {
      await refusedCreate(
        { name: 'x', type: 'm2m', redirectUris: ['https://m2m.example.com/cb'] },
        'redirectUris',
        /machine-to-machine app uses client credentials only/,
      );
    });

    test('a grant the type forbids is refused with the grants it allows', async () => {
      await refusedCreate(
        { name: 'x', type: 'spa', redirectUris: ['https://spa.example.com/cb'], grantTypes: ['authorization_code', 'client_credentials'] },
        'grantTypes',
        /client_credentials is not available to a single-page app \(it may use authorization_code, refresh_token\)/,
      );
    });

    test("an app's type can't change", async () => {
      const app = await createApp({ name: 'Web', type: 'web', redirectUris: ['https://web.example.com/cb'] });
      await refusedUpdate(app.clientId, { type: 'spa' }, 'type', /an app's type can't change/);
    });

    test('status changes only through the lifecycle actions', async () => {
      const app = await createApp({ name: 'Web', type: 'web', redirectUris: ['https://web.example.com/cb'] });
      await refusedUpdate(app.clientId, { status: 'draft' }, 'status', /lifecycle actions/);
    });

    test('an unknown setting is refused, not ignored', async () => {
      await refusedCreate({ name: 'x', type: 'm2m', accessTokenTTL: 5 }, 'accessTokenTTL', /is not a setting/);
    });

    test('name and type are required', async () => {
      await refusedCreate({ type: 'm2m' }, 'name', /is required/);
      await refusedCreate({ name: 'x' }, 'type', /is required: one of native, spa, web, m2m, device/);
    });
  });

  describe('bounds: the edge passes, one past it is refused and nothing is saved', () => {
    const bounds: [string, Record<string, unknown>, Record<string, unknown>, string, RegExp][] = [
      ['access token TTL below 1', { accessToken: { ttlMinutes: 0 } }, { accessToken: { ttlMinutes: 1 } }, 'accessToken.ttlMinutes', /from 1 to 300/],
      ['access token TTL above 300', { accessToken: { ttlMinutes: 301 } }, { accessToken: { ttlMinutes: 300 } }, 'accessToken.ttlMinutes', /from 1 to 300/],
      ['refresh token TTL below 1', { refreshToken: { ttlMinutes: 0 } }, { refreshToken: { ttlMinutes: 1 } }, 'refreshToken.ttlMinutes', /from 1 to 300/],
      ['refresh token TTL above 300', { refreshToken: { ttlMinutes: 301 } }, { refreshToken: { ttlMinutes: 300 } }, 'refreshToken.ttlMinutes', /from 1 to 300/],
      ['ID token validity below 1', { idToken: { ttlMinutes: 0 } }, { idToken: { ttlMinutes: 1 } }, 'idToken.ttlMinutes', /from 1 to 720/],
      ['ID token validity above 720', { idToken: { ttlMinutes: 721 } }, { idToken: { ttlMinutes: 720 } }, 'idToken.ttlMinutes', /from 1 to 720/],
      [
        'refresh retry window above 60 s',
        { refreshToken: { reuseIntervalSeconds: 61 } },
        { refreshToken: { reuseIntervalSeconds: 60 } },
        'refreshToken.reuseIntervalSeconds',
        /from 0 to 60 seconds/,
      ],
      ['a fractional TTL', { accessToken: { ttlMinutes: 1.5 } }, { accessToken: { ttlMinutes: 2 } }, 'accessToken.ttlMinutes', /whole number of minutes/],
      [
        'more than 10 ID token audiences',
        { idToken: { audiences: Array.from({ length: 11 }, (_, i) => `https://aud${i}.example.com`) } },
        { idToken: { audiences: Array.from({ length: 10 }, (_, i) => `https://aud${i}.example.com`) } },
        'idToken.audiences',
        /at most 10/,
      ],
      ['a name over 100 characters', { name: 'n'.repeat(101) }, { name: 'n'.repeat(100) }, 'name', /at most 100 characters/],
    ];
    for (const [label, bad, good, field, message] of bounds) {
      test(label, async () => {
        await refusedCreate({ name: 'Bounds', type: 'web', redirectUris: ['https://b.example.com/cb'], ...bad }, field, message);
        const app = await createApp({ name: 'Bounds', type: 'web', redirectUris: ['https://b.example.com/cb'], ...good });
        await refusedUpdate(app.clientId, bad, field, message);
      });
    }

    test('custom claims must be namespaced and fit in 4096 bytes', async () => {
      await refusedCreate(
        { name: 'c', type: 'm2m', customClaims: { role: 'admin' } },
        'customClaims.role',
        /must be namespaced: a URI such as https:\/\/example.com\/roles/,
      );
      await refusedCreate({ name: 'c', type: 'm2m', customClaims: { 'https://example.com/big': 'x'.repeat(4100) } }, 'customClaims', /the limit is 4096/);
      const app = await createApp({ name: 'c', type: 'device', customClaims: { 'https://example.com/roles': ['admin'] } });
      assert.deepEqual(app.customClaims, { 'https://example.com/roles': ['admin'] });
    });

    test('the secret grace period is at most 7 days (604800 s)', async () => {
      const app = await createApp({ name: 'Grace', type: 'web', redirectUris: ['https://grace.example.com/cb'] });
      const auditBefore = (await counts()).audit;
      const refused = await admin.post<Problem>(`/apps/${app.clientId}/secret/rotate`, { gracePeriodSeconds: 604_801 });
      assert.equal(refused.status, 400);
      assert.match(refused.body.errors?.[0]?.message ?? '', /from 0 to 604800 \(7 days\)/);
      assert.equal((await counts()).audit, auditBefore, 'nothing was rotated');
      assert.equal((await admin.post(`/apps/${app.clientId}/secret/rotate`, { gracePeriodSeconds: 604_800 })).status, 200);
    });
  });

  describe('redirect URI rules over the API', () => {
    const base = { name: 'Redirects', type: 'web' };
    test('https and loopback http with any port are accepted', async () => {
      const app = await createApp({ ...base, redirectUris: ['https://r.example.com/cb', 'http://127.0.0.1:61000/cb', 'http://localhost/cb'] });
      assert.equal(app.redirectUris.length, 3);
    });
    test('a fragment is refused', () =>
      refusedCreate({ ...base, redirectUris: ['https://r.example.com/cb#x'] }, 'redirectUris[0]', /must not contain a fragment \(RFC 6749 §3.1.2\)/));
    test('a wildcard is refused', () =>
      refusedCreate({ ...base, redirectUris: ['https://*.example.com/cb'] }, 'redirectUris[0]', /must not contain a wildcard/));
    test('plain http to a non-loopback host is refused for an active app', () =>
      refusedCreate({ ...base, redirectUris: ['http://r.example.com/cb'] }, 'redirectUris[0]', /plain http is allowed only for loopback/));
    test('a custom scheme is refused for a web app', () =>
      refusedCreate({ ...base, redirectUris: ['com.example.app:/cb'] }, 'redirectUris[0]', /allowed only for native apps/));
    test('a custom scheme for a native app must be reverse-DNS', () =>
      refusedCreate({ name: 'n', type: 'native', redirectUris: ['myapp://cb'] }, 'redirectUris[0]', /reverse domain name/));
    test('2000 characters in all, at most', () =>
      refusedCreate(
        { ...base, redirectUris: [`https://r.example.com/${'a'.repeat(1000)}`, `https://r.example.com/${'b'.repeat(1000)}`] },
        'redirectUris',
        /the URIs take 2044 characters in all; the limit is 2000$/,
      ));
    test('a code-flow app needs a redirect URI once active', () =>
      refusedCreate({ ...base, redirectUris: [] }, 'redirectUris', /needs at least one redirect URI/));
    test('a placeholder is allowed in a draft and shown as one', async () => {
      const app = await createApp({ ...base, status: 'draft', redirectUris: ['https://placeholder.invalid/callback'] });
      assert.equal(app.status, 'draft');
      assert.deepEqual(app.placeholderRedirectUris, ['https://placeholder.invalid/callback']);
    });
  });

  describe('lifecycle', () => {
    test('a public app: draft with a placeholder, submission refused until the callback is real, rejected with a reason, approved', async () => {
      const app = await createApp({ name: 'Marketplace', type: 'web', visibility: 'public', redirectUris: ['https://placeholder.invalid/callback'] });
      assert.equal(app.status, 'draft', 'public apps start as drafts');
      const refused = await admin.post<Problem>(`/apps/${app.clientId}/submit`);
      assert.equal(refused.status, 400);
      assert.match(refused.body.detail, /placeholder .*allowed only while the app is a draft/);
      assert.equal((await admin.get<App>(`/apps/${app.clientId}`)).body.status, 'draft');

      assert.equal((await admin.patch(`/apps/${app.clientId}`, { redirectUris: ['https://market.example.com/callback'] })).status, 200);
      assert.equal((await admin.post<App>(`/apps/${app.clientId}/submit`)).body.status, 'submitted');

      const developer = (await userWithToken(server, { role: 'developer' })).api;
      const forbidden = await developer.post<Problem>(`/apps/${app.clientId}/approve`);
      assert.equal(forbidden.status, 403);
      assert.match(forbidden.body.detail, /the developer role may not approve/);

      // Whoever submitted doesn't review: another admin does (test/http/app-review.test.ts).
      const reviewer = (await userWithToken(server, { role: 'admin' })).api;
      const noReason = await reviewer.post<Problem>(`/apps/${app.clientId}/reject`, { reason: '' });
      assert.equal(noReason.status, 400);
      const rejected = await reviewer.post<App>(`/apps/${app.clientId}/reject`, { reason: 'Add a privacy policy URL' });
      assert.equal(rejected.body.status, 'draft');
      assert.equal(rejected.body.review?.decision, 'rejected');
      assert.equal(rejected.body.review?.reason, 'Add a privacy policy URL');

      await admin.patch(`/apps/${app.clientId}`, { privacyPolicyUri: 'https://market.example.com/privacy' });
      await admin.post(`/apps/${app.clientId}/submit`);
      const approved = await reviewer.post<App>(`/apps/${app.clientId}/approve`);
      assert.equal(approved.body.status, 'active');
      assert.equal(approved.body.review?.decision, 'approved');

      assert.equal((await admin.post<App>(`/apps/${app.clientId}/disable`)).body.status, 'disabled');
      assert.equal((await admin.post<App>(`/apps/${app.clientId}/enable`)).body.status, 'active');
      const wrongState = await admin.post<Problem>(`/apps/${app.clientId}/approve`);
      assert.equal(wrongState.status, 409);
      assert.match(wrongState.body.detail, /the app is active; approve applies to submitted apps/);
    });

    test('a public app can not be created active; a private draft is activated without approval', async () => {
      await refusedCreate(
        { name: 'p', type: 'spa', visibility: 'public', status: 'active', redirectUris: ['https://s.example.com/cb'] },
        'status',
        /becomes active when an admin approves it/,
      );
      const app = await createApp({ name: 'Private', type: 'spa', status: 'draft', redirectUris: ['https://s.example.com/cb'] });
      const submit = await admin.post<Problem>(`/apps/${app.clientId}/submit`);
      assert.equal(submit.status, 409);
      assert.match(submit.body.detail, /activate it instead/);
      assert.equal((await admin.post<App>(`/apps/${app.clientId}/activate`)).body.status, 'active');
    });
  });

  describe('credentials export and secret rotation', () => {
    test('the export holds client_id, issuer, discovery URL, endpoints, redirect URIs and type, never a secret', async () => {
      const app = await createApp({ name: 'Export', type: 'web', redirectUris: ['https://e.example.com/cb'] });
      const response = await admin.get<Record<string, unknown>>(`/apps/${app.clientId}/export`);
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-disposition') ?? '', /attachment; filename="latchkey-app-/);
      assert.equal(response.body.client_id, app.clientId);
      assert.equal(response.body.issuer, server.issuer);
      assert.equal(response.body.discovery_url, `${server.issuer}/.well-known/openid-configuration`);
      assert.equal(response.body.jwks_uri, `${server.issuer}/.well-known/jwks.json`);
      assert.deepEqual(response.body.redirect_uris, ['https://e.example.com/cb']);
      assert.equal(response.body.app_type, 'web');
      assert.doesNotMatch(response.text, /lk_cs_|secret"/);
    });

    test('rotation: the new secret works, the old one stops at once or after the grace period', async () => {
      const app = await createApp({ name: 'Rotate', type: 'web', redirectUris: ['https://r.example.com/cb'] });
      const apps = server.server.runtime.registry.apps;
      const first = app.clientSecret!;
      assert.equal(await apps.verifySecret(app.clientId, first), true);

      const rotated = await admin.post<{ clientSecret: string }>(`/apps/${app.clientId}/secret/rotate`, {});
      const second = rotated.body.clientSecret;
      assert.notEqual(second, first);
      assert.equal(await apps.verifySecret(app.clientId, second), true);
      assert.equal(await apps.verifySecret(app.clientId, first), false, 'the old secret stops at once');

      const third = (await admin.post<{ clientSecret: string }>(`/apps/${app.clientId}/secret/rotate`, { gracePeriodSeconds: 3600 })).body.clientSecret;
      assert.equal(await apps.verifySecret(app.clientId, third), true);
      assert.equal(await apps.verifySecret(app.clientId, second), true, 'the old secret works through the grace period');
    });

    test('a public app has no secret to rotate', async () => {
      const app = await createApp({ name: 'Native', type: 'native', redirectUris: ['com.example.app:/cb'] });
      const response = await admin.post<Problem>(`/apps/${app.clientId}/secret/rotate`, {});
      assert.equal(response.status, 409);
      assert.match(response.body.detail, /public client and has no secret to rotate/);
    });
  });

  describe('certificates and keys', () => {
    let clientId: string;
    before(async () => {
      clientId = (await createApp({ name: 'JWT bearer', type: 'web', redirectUris: ['https://j.example.com/cb'] })).clientId;
    });

    async function upload(certificate: string) {
      return admin.post<{ items: { id: string; alg: string; fingerprint: string; expiresAt: string | null; kid: string }[] } & Problem>(
        `/apps/${clientId}/certificates`,
        { certificate },
      );
    }

    test('a PEM certificate is parsed: fingerprint, algorithm and expiry', async () => {
      const response = await upload(fixture('rsa-valid.pem'));
      assert.equal(response.status, 201, response.text);
      const [item] = response.body.items;
      assert.equal(item?.alg, 'RS256');
      assert.match(item?.fingerprint ?? '', /^[0-9a-f]{64}$/);
      assert.ok(item?.expiresAt && Date.parse(item.expiresAt) > Date.now());
      const ec = await upload(fixture('ec-valid.pem'));
      assert.equal(ec.body.items[0]?.alg, 'ES256');
      assert.equal((await admin.get<{ items: unknown[] }>(`/apps/${clientId}/certificates`)).body.items.length, 2);
    });

    test('a public JWK and a JWKS are accepted', async () => {
      const { generateKeyPair, exportJWK } = await import('jose');
      const one = await exportJWK((await generateKeyPair('EdDSA', { extractable: true })).publicKey);
      assert.equal((await upload(JSON.stringify(one))).body.items[0]?.alg, 'EdDSA');
      const keys = [
        await exportJWK((await generateKeyPair('ES256', { extractable: true })).publicKey),
        await exportJWK((await generateKeyPair('RS256', { extractable: true })).publicKey),
      ];
      assert.deepEqual(
        (await upload(JSON.stringify({ keys }))).body.items.map((item) => item.alg),
        ['ES256', 'RS256'],
      );
    });

    const refusals: [string, () => Promise<string>, RegExp][] = [
      ['an expired certificate', () => Promise.resolve(fixture('expired.pem')), /the certificate expired on 2021-01-01/],
      ['a weak RSA key', () => Promise.resolve(fixture('rsa-weak.pem')), /RSA keys must be at least 2048 bits/],
      ['a private key', () => Promise.resolve(fixture('rsa-valid.key')), /private key material/],
      [
        'a private JWK',
        async () => {
          const { generateKeyPair, exportJWK } = await import('jose');
          return JSON.stringify(await exportJWK((await generateKeyPair('ES256', { extractable: true })).privateKey));
        },
        /holds private key material \(d\)/,
      ],
      ['a malformed certificate', () => Promise.resolve('-----BEGIN CERTIFICATE-----\nnotbase64\n-----END CERTIFICATE-----'), /not a valid PEM certificate/],
      ['an upload over 4 KB', () => Promise.resolve(`${fixture('rsa-valid.pem')}${' '.repeat(4000)}x`), /the limit is 4096 bytes \(4 KB\)/],
      ['something else', () => Promise.resolve('hello'), /expected a PEM certificate/],
    ];
    for (const [label, content, message] of refusals) {
      test(`${label} is refused with a clear message and nothing is stored`, async () => {
        const before = (await admin.get<{ items: unknown[] }>(`/apps/${clientId}/certificates`)).body.items.length;
        const response = await upload(await content());
        assert.equal(response.status, 400, response.text);
        assert.match(response.body.detail, message);
        assert.equal((await admin.get<{ items: unknown[] }>(`/apps/${clientId}/certificates`)).body.items.length, before);
      });
    }

    test('the same key twice is a conflict; a certificate can be deleted', async () => {
      const duplicate = await upload(fixture('rsa-valid.pem'));
      assert.equal(duplicate.status, 409);
      const { items } = (await admin.get<{ items: { id: string }[] }>(`/apps/${clientId}/certificates`)).body;
      assert.equal((await admin.delete(`/apps/${clientId}/certificates/${items[0]!.id}`)).status, 204);
      assert.equal((await admin.get<{ items: unknown[] }>(`/apps/${clientId}/certificates`)).body.items.length, items.length - 1);
    });
  });

  describe('listing, search, auth and errors', () => {
    test('pagination and search by name', async () => {
      for (const name of ['alpha one', 'alpha two', 'alpha three', 'beta']) await createApp({ name, type: 'device' });
      const page = await admin.get<{ items: { name: string }[]; total: number; page: number; perPage: number }>('/orgs/default/apps?q=ALPHA&perPage=2&page=2');
      assert.equal(page.body.total, 3);
      assert.equal(page.body.page, 2);
      assert.equal(page.body.items.length, 1);
      const bad = await admin.get<Problem>('/orgs/default/apps?perPage=500');
      assert.equal(bad.status, 400);
      assert.match(bad.body.errors?.[0]?.message ?? '', /from 1 to 100/);
    });

    test('no token: 401 with WWW-Authenticate Bearer (RFC 6750 §3)', async () => {
      const response = await server.fetch(`${server.issuer}/api/v1/orgs/default/apps`);
      assert.equal(response.status, 401);
      assert.equal(response.headers.get('www-authenticate'), 'Bearer realm="latchkey"');
      assert.match(response.headers.get('content-type') ?? '', /application\/problem\+json/);
    });

    test('a token without the scope gets 403 naming the scope', async () => {
      const reader = (await userWithToken(server, { role: 'admin', scopes: ['apps:read'] })).api;
      const response = await reader.post<Problem>('/orgs/default/apps', { name: 'x', type: 'm2m' });
      assert.equal(response.status, 403);
      assert.match(response.body.detail, /lacks the apps:write scope/);
    });

    test('a viewer can read but not change an app', async () => {
      const app = await createApp({ name: 'Viewed', type: 'device' });
      const viewer = (await userWithToken(server, { role: 'viewer' })).api;
      assert.equal((await viewer.get(`/apps/${app.clientId}`)).status, 200);
      const response = await viewer.patch<Problem>(`/apps/${app.clientId}`, { description: 'no' });
      assert.equal(response.status, 403);
      assert.match(response.body.detail, /the viewer role may not change app settings/);
    });

    test('a revoked personal access token stops working', async () => {
      const { api, userId, token } = await userWithToken(server, { role: 'viewer' });
      assert.equal((await api.get('/me')).status, 200);
      const registry = server.server.runtime.registry;
      const [record] = await registry.tokens.list({ actor: { kind: 'operator' } }, userId);
      await registry.tokens.revoke({ actor: { kind: 'operator' } }, userId, record!.id);
      const response = await server.fetch(`${server.issuer}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(response.status, 401);
    });

    test('a body that is not JSON is a 400 problem', async () => {
      const response = await server.fetch(`${server.issuer}/api/v1/orgs/default/apps`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' },
        body: '{"name": ',
      });
      assert.equal(response.status, 400);
      assert.match(((await response.json()) as Problem).detail, /not valid JSON/);
    });

    test('OpenAPI 3.1 describes every operation, generated from the schemas', async () => {
      const response = await server.fetch(`${server.issuer}/api/v1/openapi.json`);
      const document = (await response.json()) as {
        openapi: string;
        paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { properties?: Record<string, unknown> } }> } }>>;
      };
      assert.equal(document.openapi, '3.1.0');
      const create = document.paths['/orgs/{org}/apps']?.post;
      const properties = create?.requestBody?.content['application/json']?.schema.properties ?? {};
      for (const field of ['name', 'type', 'redirectUris', 'accessToken', 'refreshToken', 'idToken', 'security', 'customClaims']) {
        assert.ok(field in properties, `${field} documented`);
      }
      for (const path of ['/apps/{clientId}/secret/rotate', '/orgs/{org}/credentials', '/orgs/{org}/audit', '/orgs/{org}/apis', '/orgs/{org}/members']) {
        assert.ok(document.paths[path], `${path} documented`);
      }
    });
  });

  describe('secrets never appear again', () => {
    test('after creation and rotation, no later response, audit record or log line holds a secret', async () => {
      const app = await createApp({ name: 'Scan', type: 'web', redirectUris: ['https://scan.example.com/cb'] });
      const secrets = [app.clientSecret!];
      secrets.push((await admin.post<{ clientSecret: string }>(`/apps/${app.clientId}/secret/rotate`, { gracePeriodSeconds: 60 })).body.clientSecret);
      secrets.push((await admin.post<{ clientSecret: string }>(`/apps/${app.clientId}/secret/rotate`, {})).body.clientSecret);
      const afterIndex = transcript.length;
      await admin.get(`/apps/${app.clientId}`);
      await admin.get('/orgs/default/apps?perPage=100');
      await admin.get(`/apps/${app.clientId}/export`);
      await admin.patch(`/apps/${app.clientId}`, { description: 'scanned' });
      const audit = await admin.get('/orgs/default/audit?perPage=100');
      await admin.get(`/orgs/default/audit?appId=${app.clientId}`);
      assert.ok(audit.text.includes('app.secret_rotated'));
      const later = transcript.slice(afterIndex).join('\n');
      const logs = server.logs.text;
      for (const secret of secrets) {
        assert.equal(later.includes(secret), false, 'no later API response holds a secret');
        assert.equal(logs.includes(secret), false, 'no log line holds a secret');
        assert.equal(later.includes(secret.slice(6, 30)), false, 'not even part of it');
      }
      const stored = JSON.stringify(await server.server.runtime.storage.audit.list({ offset: 0, limit: 1000 }));
      for (const secret of secrets) assert.equal(stored.includes(secret), false, 'no audit record holds a secret');
    });
  });
});

describe('the operator widens the bounds in config', () => {
  test('LATCHKEY_TOKENS_ACCESS_TOKEN_TTL_MINUTES_MAX=1440 allows a day, not more', async () => {
    const server = await startTestServer({ inProcess: true, env: { LATCHKEY_TOKENS_ACCESS_TOKEN_TTL_MINUTES_MAX: '1440' } });
    try {
      const { api } = await userWithToken(server, { role: 'admin' });
      assert.equal((await api.post('/orgs/default/apps', { name: 'Long', type: 'device', accessToken: { ttlMinutes: 1440 } })).status, 201);
      const refused = await api.post<Problem>('/orgs/default/apps', { name: 'Longer', type: 'device', accessToken: { ttlMinutes: 1441 } });
      assert.equal(refused.status, 400);
      assert.match(refused.body.detail, /from 1 to 1440/);
    } finally {
      await server.stop();
    }
  });
});
