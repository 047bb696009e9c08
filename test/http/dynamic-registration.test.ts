import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { exportJWK, generateKeyPair } from 'jose';
import * as oauth from 'oauth4webapi';
import * as client from 'openid-client';
import { operatorActor } from '../../src/domain/access/actor.js';
import { userWithToken, type ApiCaller } from '../support/api.js';
import { apiIdentifier, FormBrowser, oauthFixture, openIdCodeFlow, redirectUri, type OAuthFixture } from '../support/oauth.js';
import { createTestDatabase, postgresSkipReason } from '../support/postgres.js';
import { startTestServer } from '../support/server.js';

const insecure = { execute: [client.allowInsecureRequests] };
const oauthInsecure = { [oauth.allowInsecureRequests]: true } as const;
const operator = { actor: operatorActor };
const day = 24 * 3600 * 1000;

interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

describe('dynamic client registration turned off', () => {
  test('answers 404 at the registration endpoint and is not in discovery', async () => {
    const server = await startTestServer({ inProcess: true, logLevel: 'warn' });
    try {
      const response = await server.fetch(`${server.issuer}/oauth2/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ redirect_uris: [redirectUri] }),
      });
      assert.equal(response.status, 404);
      const metadata = (await (await server.fetch(`${server.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
      assert.equal(metadata.registration_endpoint, undefined);
      assert.ok(metadata.token_endpoint, 'the rest of discovery is there');
    } finally {
      await server.stop();
    }
  });

  test('open registration without its organization is a start-up config error', async () => {
    await assert.rejects(
      startTestServer({ inProcess: true, logLevel: 'warn', env: { LATCHKEY_REGISTRATION_ENABLED: 'true', LATCHKEY_REGISTRATION_OPEN: 'true' } }),
      /registration\.openOrganization/,
    );
    await assert.rejects(
      startTestServer({
        inProcess: true,
        logLevel: 'warn',
        env: { LATCHKEY_REGISTRATION_ENABLED: 'true', LATCHKEY_REGISTRATION_OPEN: 'true', LATCHKEY_REGISTRATION_OPEN_ORGANIZATION: 'nowhere' },
      }),
      /no organization named nowhere/,
    );
  });
});

test('open registration is throttled per client address (429 with Retry-After); initial access tokens are not', async () => {
  const server = await startTestServer({
    inProcess: true,
    logLevel: 'warn',
    env: {
      LATCHKEY_REGISTRATION_ENABLED: 'true',
      LATCHKEY_REGISTRATION_OPEN: 'true',
      LATCHKEY_REGISTRATION_OPEN_ORGANIZATION: 'default',
      LATCHKEY_REGISTRATION_OPEN_PER_ADDRESS_PER_HOUR: '2',
    },
  });
  try {
    const registry = server.server.runtime.registry;
    const orgId = (await registry.orgs.get(operator, 'default')).id;
    const { token } = await registry.initialAccessTokens.create(operator, orgId, { name: 'ci', maxUses: 3, appTypes: ['spa'] });
    const post = (authorization?: string) =>
      server.fetch(`${server.issuer}/oauth2/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
        body: JSON.stringify({ redirect_uris: ['https://spa.example.test/cb'], token_endpoint_auth_method: 'none' }),
      });
    assert.equal((await post()).status, 201);
    assert.equal((await post()).status, 201);
    const throttled = await post();
    assert.equal(throttled.status, 429);
    assert.ok(Number(throttled.headers.get('retry-after')) > 0);
    assert.equal(((await throttled.json()) as { error: string }).error, 'temporarily_unavailable');
    assert.equal((await post(`Bearer ${token}`)).status, 201, 'a registration with an initial access token is not counted against the address');
  } finally {
    await server.stop();
  }
});

test('browser clients of any origin may register (CORS without credentials); with open registration they read discovery too', async () => {
  const origin = 'https://mcp-client.example.test';
  for (const open of [false, true]) {
    const server = await startTestServer({
      inProcess: true,
      logLevel: 'warn',
      env: {
        LATCHKEY_REGISTRATION_ENABLED: 'true',
        ...(open ? { LATCHKEY_REGISTRATION_OPEN: 'true', LATCHKEY_REGISTRATION_OPEN_ORGANIZATION: 'default' } : {}),
      },
    });
    try {
      const preflight = await server.fetch(`${server.issuer}/oauth2/register`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
      });
      assert.equal(preflight.status, 204);
      assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
      assert.match(preflight.headers.get('access-control-allow-methods') ?? '', /POST/);
      assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /Authorization/);
      assert.equal(preflight.headers.get('access-control-allow-credentials'), null, 'never with cookies');
      const configurationPreflight = await server.fetch(`${server.issuer}/oauth2/register/some-client`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'PUT' },
      });
      assert.match(configurationPreflight.headers.get('access-control-allow-methods') ?? '', /GET, PUT, DELETE/);

      const registered = await server.fetch(`${server.issuer}/oauth2/register`, {
        method: 'POST',
        headers: { origin, 'content-type': 'application/json' },
        body: JSON.stringify({ redirect_uris: [`${origin}/cb`], token_endpoint_auth_method: 'none' }),
      });
      assert.equal(registered.status, open ? 201 : 401);
      assert.equal(registered.headers.get('access-control-allow-origin'), '*', 'errors are readable too');

      const discovery = await server.fetch(`${server.issuer}/.well-known/openid-configuration`, {
        headers: { origin: 'https://never-registered.example.test' },
      });
      assert.equal(discovery.headers.get('access-control-allow-origin'), open ? 'https://never-registered.example.test' : null);
    } finally {
      await server.stop();
    }
  }
});

test('no initial access token, registration access token or client secret reaches the log', async () => {
  const server = await startTestServer({ inProcess: true, logLevel: 'trace', env: { LATCHKEY_REGISTRATION_ENABLED: 'true' } });
  try {
    const registry = server.server.runtime.registry;
    const orgId = (await registry.orgs.get(operator, 'default')).id;
    const { token } = await registry.initialAccessTokens.create(operator, orgId, { name: 'ci', maxUses: 2 });
    const registered = (await (
      await server.fetch(`${server.issuer}/oauth2/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ redirect_uris: [redirectUri] }),
      })
    ).json()) as Record<string, string>;
    assert.match(registered.client_secret!, /^lk_cs_/);
    const uri = registered.registration_client_uri!;
    await server.fetch(uri, { headers: { authorization: `Bearer ${registered.registration_access_token}` } });
    await server.fetch(uri, { method: 'DELETE', headers: { authorization: `Bearer ${registered.registration_access_token}` } });
    const logs = server.logs.text;
    assert.ok(logs.includes('/oauth2/register'), 'the requests were logged');
    for (const secret of [token, registered.client_secret!, registered.registration_access_token!]) assert.equal(logs.includes(secret), false);
  } finally {
    await server.stop();
  }
});

test('on PostgreSQL too, concurrent registrations with a one-use token create exactly one app', { skip: postgresSkipReason }, async () => {
  const database = await createTestDatabase();
  const server = await startTestServer({ inProcess: true, logLevel: 'warn', databaseUrl: database.url, env: { LATCHKEY_REGISTRATION_ENABLED: 'true' } });
  try {
    const registry = server.server.runtime.registry;
    const orgId = (await registry.orgs.get(operator, 'default')).id;
    const { token } = await registry.initialAccessTokens.create(operator, orgId, { name: 'once', appTypes: ['spa'] });
    const statuses = await Promise.all(
      Array.from({ length: 8 }, async (_, index) => {
        const response = await server.fetch(`${server.issuer}/oauth2/register`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ client_name: `Racer ${index}`, redirect_uris: ['https://spa.example.test/cb'], token_endpoint_auth_method: 'none' }),
        });
        return response.status;
      }),
    );
    assert.deepEqual(statuses.sort(), [201, 401, 401, 401, 401, 401, 401, 401]);
    assert.equal((await registry.apps.list(operator, orgId, { offset: 0, limit: 100 })).items.filter((app) => app.name.startsWith('Racer')).length, 1);
  } finally {
    await server.stop();
    await database.drop();
  }
});

describe('dynamic client registration (RFC 7591) and management (RFC 7592)', () => {
  let fixture: OAuthFixture;
  let admin: ApiCaller;
  let endpoint: string;
  let offset = 0;
  const clock = { now: () => Date.now() + offset };
  const registry = () => fixture.server.server.runtime.registry;

  before(async () => {
    fixture = await oauthFixture({
      clock,
      env: {
        LATCHKEY_REGISTRATION_ENABLED: 'true',
        LATCHKEY_REGISTRATION_OPEN: 'true',
        LATCHKEY_REGISTRATION_OPEN_ORGANIZATION: 'default',
        LATCHKEY_REGISTRATION_OPEN_PER_ADDRESS_PER_HOUR: '1000',
      },
    });
    admin = (await userWithToken(fixture.server, { role: 'admin' })).api;
    endpoint = `${fixture.issuer}/oauth2/register`;
  });
  after(() => fixture.stop());

  async function call(method: string, url: string, options: { token?: string; body?: unknown } = {}): Promise<Answer> {
    const response = await fixture.fetch(url, {
      method,
      headers: {
        ...(options.token !== undefined ? { authorization: `Bearer ${options.token}` } : {}),
        ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown>, headers: response.headers };
  }

  const register = (body: unknown, token?: string) => call('POST', endpoint, { body, ...(token !== undefined ? { token } : {}) });

  async function initialToken(body: Record<string, unknown>): Promise<{ token: string; id: string }> {
    const created = await admin.post<{ token: string; id: string }>('/orgs/default/registration-tokens', { name: 'partners', ...body });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.match(created.body.token, /^lk_iat_/);
    return created.body;
  }

  async function appCount(): Promise<number> {
    return (await registry().apps.list(operator, fixture.orgId, { offset: 0, limit: 1 })).total;
  }

  async function usesLeft(id: string): Promise<number> {
    const listed = await admin.get<{ items: { id: string; usesLeft: number }[] }>('/orgs/default/registration-tokens');
    return listed.body.items.find((item) => item.id === id)!.usesLeft;
  }

  const webMetadata = {
    client_name: 'Partner Portal',
    redirect_uris: [redirectUri],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    scope: 'openid profile email offline_access',
    client_uri: 'https://client.example.test',
    contacts: ['ops@client.example.test'],
    software_id: 'portal',
    software_version: '1.2.0',
  };

  test('discovery names the registration endpoint when it is on', async () => {
    const metadata = (await (await fixture.fetch(`${fixture.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    assert.equal(metadata.registration_endpoint, endpoint);
  });

  test('logout and DPoP metadata map onto the app settings and come back in the registration', async () => {
    const { token } = await initialToken({ maxUses: 2, appTypes: ['web'], redirectUriHosts: ['client.example.test'] });
    const registered = await register(
      {
        ...webMetadata,
        backchannel_logout_uri: 'https://client.example.test/backchannel',
        backchannel_logout_session_required: true,
        frontchannel_logout_uri: 'https://client.example.test/frontchannel',
        dpop_bound_access_tokens: true,
      },
      token,
    );
    assert.equal(registered.status, 201, JSON.stringify(registered.body));
    assert.equal(registered.body.backchannel_logout_uri, 'https://client.example.test/backchannel');
    assert.equal(registered.body.backchannel_logout_session_required, true);
    assert.equal(registered.body.frontchannel_logout_uri, 'https://client.example.test/frontchannel');
    assert.equal(registered.body.frontchannel_logout_session_required, false, 'OpenID Connect Front-Channel Logout §2: false when omitted');
    assert.equal(registered.body.dpop_bound_access_tokens, true);
    const app = await registry().apps.get(operator, String(registered.body.client_id));
    assert.equal(app.settings.backchannelLogoutUri, 'https://client.example.test/backchannel');
    assert.equal(app.settings.security.requireDpop, true);

    const plainHttp = await register({ ...webMetadata, backchannel_logout_uri: 'http://client.example.test/backchannel' }, token);
    assert.equal(plainHttp.status, 400);
    assert.equal(plainHttp.body.error, 'invalid_client_metadata');
    assert.match(String(plainHttp.body.error_description), /backchannel_logout_uri: /);
  });

  test('with an initial access token: 201 with credentials, then a real authorization code flow with openid-client', async () => {
    const { token, id } = await initialToken({ maxUses: 1, appTypes: ['web'], redirectUriHosts: ['client.example.test'] });
    const registered = await register(webMetadata, token);
    assert.equal(registered.status, 201, JSON.stringify(registered.body));
    assert.equal(registered.headers.get('cache-control'), 'no-store');
    const body = registered.body;
    assert.equal(typeof body.client_id, 'string');
    assert.match(String(body.client_secret), /^lk_cs_/);
    assert.equal(body.client_secret_expires_at, 0);
    assert.equal(typeof body.client_id_issued_at, 'number');
    assert.match(String(body.registration_access_token), /^lk_rat_/);
    assert.equal(body.registration_client_uri, `${endpoint}/${String(body.client_id)}`);
    assert.equal(body.client_name, 'Partner Portal');
    assert.deepEqual(body.redirect_uris, [redirectUri]);
    assert.deepEqual(body.grant_types, ['authorization_code', 'refresh_token']);
    assert.deepEqual(body.response_types, ['code']);
    assert.equal(body.token_endpoint_auth_method, 'client_secret_basic');
    assert.equal(body.scope, 'openid profile email offline_access');
    assert.equal(body.application_type, 'web');
    assert.equal(body.client_uri, 'https://client.example.test');
    assert.deepEqual(body.contacts, ['ops@client.example.test']);
    assert.equal(body.software_id, 'portal');
    assert.equal(await usesLeft(id), 0);

    const clientId = String(body.client_id);
    const configuration = await client.discovery(new URL(fixture.issuer), clientId, undefined, client.ClientSecretBasic(String(body.client_secret)), insecure);
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(configuration, {
      redirect_uri: redirectUri,
      scope: 'openid profile offline_access',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
    });
    const response = await new FormBrowser(fixture.issuer).authorize(url, fixture.user);
    const tokens = await client.authorizationCodeGrant(configuration, new URL(response.headers.get('location')!), {
      pkceCodeVerifier: verifier,
      expectedState: state,
    });
    assert.equal(tokens.claims()?.aud, clientId);
    assert.equal(tokens.claims()?.sub, fixture.user.id);
    assert.ok(tokens.refresh_token);

    // An app like any other: in the management API, audited as made by the registration.
    const viaApi = await admin.get<{ clientId: string; type: string; createdBy: string }>(`/apps/${clientId}`);
    assert.equal(viaApi.status, 200);
    assert.equal(viaApi.body.type, 'web');
    assert.equal(viaApi.body.createdBy, `dynamic registration (initial access token ${id})`);
    const audit = await registry().audit.list(operator, { orgId: fixture.orgId, targetId: clientId, offset: 0, limit: 10 });
    const created = audit.items.find((item) => item.action === 'app.created');
    assert.equal(created?.actor.label, 'dynamic registration with initial access token "partners"');
    assert.equal(created?.actor.id, id);
    assert.doesNotMatch(JSON.stringify(audit.items), /lk_(iat|rat|cs)_/, 'no token or secret in the audit log');
  });

  test("openid-client's dynamicClientRegistration registers with an initial access token and the client then gets tokens", async () => {
    const { token } = await initialToken({ maxUses: 1, appTypes: ['web'], redirectUriHosts: ['client.example.test'] });
    const configuration = await client.dynamicClientRegistration(
      new URL(fixture.issuer),
      // openid-client authenticates a registered client with client_secret_post unless told otherwise.
      { ...webMetadata, client_name: 'Registered by openid-client', token_endpoint_auth_method: 'client_secret_post' },
      undefined,
      { initialAccessToken: token, ...insecure },
    );
    const metadata = configuration.clientMetadata();
    assert.match(String(metadata.client_secret), /^lk_cs_/);
    assert.match(metadata.registration_access_token as string, /^lk_rat_/);
    const tokens = await openIdCodeFlow(fixture, configuration, { scope: 'openid profile' });
    assert.equal(tokens.claims()?.aud, metadata.client_id);
    assert.equal(tokens.claims()?.sub, fixture.user.id);
  });

  test("oauth4webapi's dynamicClientRegistrationRequest registers a public client with an initial access token", async () => {
    const issuer = new URL(fixture.issuer);
    const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, oauthInsecure));
    const publicMetadata = { redirect_uris: [redirectUri], token_endpoint_auth_method: 'none', grant_types: ['authorization_code'], client_name: 'SPA' };
    const { token } = await initialToken({ maxUses: 1, appTypes: ['spa'], redirectUriHosts: ['client.example.test'] });
    const registered = await oauth.processDynamicClientRegistrationResponse(
      await oauth.dynamicClientRegistrationRequest(as, publicMetadata, { ...oauthInsecure, initialAccessToken: token }),
    );
    assert.equal(registered.token_endpoint_auth_method, 'none');
    assert.equal(registered.client_secret, undefined, 'a public client gets no secret');
    const app = await registry().apps.get(operator, registered.client_id);
    assert.equal(app.type, 'spa');
  });

  test('a machine-to-machine client registers when its token allows client credentials; its scopes become audience + scope pairs', async () => {
    const { token } = await initialToken({ maxUses: 2, appTypes: ['m2m'], grantTypes: ['client_credentials'] });
    const registered = await register(
      { client_name: 'Sync job', grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_post', scope: 'read:contacts' },
      token,
    );
    assert.equal(registered.status, 201, JSON.stringify(registered.body));
    assert.deepEqual(registered.body.response_types, []);
    assert.equal(registered.body.scope, 'read:contacts');
    const app = await registry().apps.get(operator, String(registered.body.client_id));
    assert.equal(app.type, 'm2m');
    assert.deepEqual(app.settings.apiGrants, [{ audience: apiIdentifier, scopes: ['read:contacts'] }]);
    const configuration = await client.discovery(
      new URL(fixture.issuer),
      app.clientId,
      undefined,
      client.ClientSecretPost(String(registered.body.client_secret)),
      insecure,
    );
    const tokens = await client.clientCredentialsGrant(configuration);
    assert.equal(tokens.scope, 'read:contacts');

    const unknownScope = await register(
      { grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_post', scope: 'launch:missiles' },
      token,
    );
    assert.equal(unknownScope.body.error, 'invalid_client_metadata');
    assert.match(String(unknownScope.body.error_description), /scope: launch:missiles is not a scope of an API in this organization/);
  });

  test('private_key_jwt: the keys in jwks are stored with the app and authenticate it at the token endpoint', async () => {
    const { token } = await initialToken({ maxUses: 3, appTypes: ['m2m'], grantTypes: ['client_credentials'] });
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid: 'reg-1', alg: 'ES256', use: 'sig' };
    const registered = await register(
      { grant_types: ['client_credentials'], token_endpoint_auth_method: 'private_key_jwt', scope: 'read:contacts', jwks: { keys: [jwk] } },
      token,
    );
    assert.equal(registered.status, 201, JSON.stringify(registered.body));
    assert.equal((registered.body.jwks as { keys: { kid: string }[] }).keys[0]?.kid, 'reg-1');
    const configuration = await client.discovery(
      new URL(fixture.issuer),
      String(registered.body.client_id),
      undefined,
      client.PrivateKeyJwt(privateKey),
      insecure,
    );
    assert.equal((await client.clientCredentialsGrant(configuration)).scope, 'read:contacts');

    const withoutKeys = await register({ grant_types: ['client_credentials'], token_endpoint_auth_method: 'private_key_jwt', scope: 'read:contacts' }, token);
    assert.match(String(withoutKeys.body.error_description), /jwks: private_key_jwt needs the public keys/);
    const privateMaterial = await register(
      {
        grant_types: ['client_credentials'],
        token_endpoint_auth_method: 'private_key_jwt',
        scope: 'read:contacts',
        jwks: { keys: [{ ...(await exportJWK(privateKey)), kid: 'oops' }] },
      },
      token,
    );
    assert.equal(privateMaterial.body.error, 'invalid_client_metadata');
    assert.match(String(privateMaterial.body.error_description), /^jwks: /);
    const byReference = await register(
      { grant_types: ['client_credentials'], token_endpoint_auth_method: 'private_key_jwt', jwks_uri: 'https://keys.example/jwks' },
      token,
    );
    assert.match(String(byReference.body.error_description), /jwks_uri is not supported/);
  });

  test('a used-up initial access token is refused with 401 invalid_token and creates nothing', async () => {
    const { token } = await initialToken({ maxUses: 1, appTypes: ['spa'] });
    const spa = { redirect_uris: ['https://spa.example.test/cb'], token_endpoint_auth_method: 'none' };
    assert.equal((await register(spa, token)).status, 201);
    const before = await appCount();
    const again = await register(spa, token);
    assert.equal(again.status, 401);
    assert.equal(again.body.error, 'invalid_token');
    assert.match(String(again.body.error_description), /used up/);
    assert.match(again.headers.get('www-authenticate') ?? '', /^Bearer .*error="invalid_token"/);
    assert.equal(await appCount(), before);
  });

  test('an expired or revoked initial access token is refused', async () => {
    const expiring = await initialToken({ expiresInDays: 1, appTypes: ['spa'], maxUses: 3 });
    const revoked = await initialToken({ appTypes: ['spa'], maxUses: 3 });
    assert.equal((await admin.delete(`/orgs/default/registration-tokens/${revoked.id}`)).status, 204);
    const spa = { redirect_uris: ['https://spa.example.test/cb'], token_endpoint_auth_method: 'none' };
    const revokedAnswer = await register(spa, revoked.token);
    assert.equal(revokedAnswer.status, 401);
    assert.equal(revokedAnswer.body.error, 'invalid_token');
    offset = 2 * day;
    try {
      const answer = await register(spa, expiring.token);
      assert.equal(answer.status, 401);
      assert.equal(answer.body.error, 'invalid_token');
    } finally {
      offset = 0;
    }
    assert.equal((await register(spa, 'lk_iat_not-a-real-token')).status, 401);
  });

  test("the token's policy: grant types, redirect hosts, app types and scopes are refused with the rule, and nothing is created", async () => {
    const { token, id } = await initialToken({
      maxUses: 5,
      appTypes: ['spa'],
      grantTypes: ['authorization_code'],
      scopes: ['openid', 'profile'],
      redirectUriHosts: ['spa.example.test', '*.partner.example'],
    });
    const good = { redirect_uris: ['https://spa.example.test/cb'], token_endpoint_auth_method: 'none', scope: 'openid' };
    const before = await appCount();
    const cases: [string, Record<string, unknown>, string, RegExp][] = [
      [
        'grant type',
        { ...good, grant_types: ['authorization_code', 'refresh_token'] },
        'invalid_client_metadata',
        /grant_types: .*does not allow refresh_token/,
      ],
      ['redirect host', { ...good, redirect_uris: ['https://evil.example/cb'] }, 'invalid_redirect_uri', /redirect_uris: .*only on spa\.example\.test/],
      ['app type', { ...good, token_endpoint_auth_method: 'client_secret_basic' }, 'invalid_client_metadata', /registers only single-page apps.*web app/],
      ['scope', { ...good, scope: 'openid email' }, 'invalid_client_metadata', /scope: .*does not allow the scopes email/],
      ['registry rule', { ...good, redirect_uris: ['https://spa.example.test/cb#fragment'] }, 'invalid_redirect_uri', /redirect_uris: .*fragment/],
      [
        'public client auth',
        { ...good, application_type: 'native', token_endpoint_auth_method: 'client_secret_post' },
        'invalid_client_metadata',
        /application_type: .*public client/,
      ],
      ['response type', { ...good, response_types: ['code', 'token'] }, 'invalid_client_metadata', /response_types: only code/],
      [
        'ID token algorithm',
        { ...good, id_token_signed_response_alg: 'HS256' },
        'invalid_client_metadata',
        /id_token_signed_response_alg: must be one of RS256/,
      ],
      ['metadata type', { ...good, redirect_uris: 'https://spa.example.test/cb' }, 'invalid_redirect_uri', /redirect_uris: must be a list/],
    ];
    for (const [name, metadata, error, description] of cases) {
      const answer = await register(metadata, token);
      assert.equal(answer.status, 400, name);
      assert.equal(answer.body.error, error, `${name}: ${JSON.stringify(answer.body)}`);
      assert.match(String(answer.body.error_description), description, name);
    }
    const subdomain = await register({ ...good, redirect_uris: ['https://app.partner.example/cb'] }, token);
    assert.equal(subdomain.status, 201, JSON.stringify(subdomain.body));
    assert.equal(await appCount(), before + 1, 'only the one acceptable registration created an app');
    assert.equal(await usesLeft(id), 4, 'refused registrations spend no use');
  });

  test('every problem of a registration is named at once', async () => {
    const answer = await register({
      client_name: '',
      token_endpoint_auth_method: 'none',
      redirect_uris: ['https://spa.example.test/cb'],
      scope: 'openid bogus',
    });
    assert.equal(answer.body.error, 'invalid_client_metadata');
    assert.match(String(answer.body.error_description), /client_name: must not be empty/);
    assert.match(String(answer.body.error_description), /scope: bogus is neither an OpenID Connect scope nor a scope of an API in this organization/);
  });

  test('a software statement is refused with invalid_software_statement', async () => {
    const answer = await register({ redirect_uris: ['https://spa.example.test/cb'], token_endpoint_auth_method: 'none', software_statement: 'eyJ.e30.sig' });
    assert.equal(answer.status, 400);
    assert.equal(answer.body.error, 'invalid_software_statement');
  });

  test('bodies that are not JSON client metadata are refused with a 400, never a 5xx', async () => {
    const send = async (body: string, contentType: string) =>
      (await fixture.fetch(endpoint, { method: 'POST', headers: { 'content-type': contentType }, body })).status;
    assert.equal(await send('{"client_name": "a\\u0000b", "token_endpoint_auth_method": "none"}', 'application/json'), 400);
    assert.equal(await send('{"client_name": ', 'application/json'), 400);
    assert.equal(await send('[1, 2]', 'application/json'), 400);
    const form = await register('redirect_uris=https://spa.example.test/cb');
    assert.equal(form.status, 400);
    assert.equal(form.body.error, 'invalid_client_metadata');
    assert.equal(await send('client_name=x', 'application/x-www-form-urlencoded'), 400);
  });

  test('unknown metadata is ignored and not stored', async () => {
    const answer = await register({
      redirect_uris: ['https://spa.example.test/cb'],
      token_endpoint_auth_method: 'none',
      client_name: 'Tool',
      'client_name#fr': 'Outil',
      favourite_colour: 'green',
      nested: { deep: true },
    });
    assert.equal(answer.status, 201, JSON.stringify(answer.body));
    assert.equal(answer.body.favourite_colour, undefined);
    assert.equal(answer.body['client_name#fr'], undefined);
    const read = await call('GET', String(answer.body.registration_client_uri), { token: String(answer.body.registration_access_token) });
    assert.equal(read.status, 200);
    assert.equal(read.body.favourite_colour, undefined);
    assert.equal(read.body.client_name, 'Tool');
  });

  test('open registration: public clients for users only, in the open organization', async () => {
    const native = await register({
      client_name: 'CLI tool',
      application_type: 'native',
      token_endpoint_auth_method: 'none',
      redirect_uris: ['http://127.0.0.1/callback', 'com.example.tool:/callback'],
      grant_types: ['authorization_code', 'refresh_token'],
    });
    assert.equal(native.status, 201, JSON.stringify(native.body));
    assert.equal(native.body.client_secret, undefined, 'a public client gets no secret');
    assert.equal(native.body.application_type, 'native');
    const app = await registry().apps.get(operator, String(native.body.client_id));
    assert.equal(app.orgId, fixture.orgId);
    assert.equal(app.type, 'native');
    assert.equal(app.createdBy, 'open dynamic registration');

    const confidential = await register({ redirect_uris: [redirectUri], token_endpoint_auth_method: 'client_secret_basic' });
    assert.equal(confidential.status, 400);
    assert.equal(confidential.body.error, 'invalid_client_metadata');
    assert.match(String(confidential.body.error_description), /open registration registers only/);
    const machine = await register({ grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_basic', scope: 'read:contacts' });
    assert.equal(machine.status, 400);
    const device = await register({ grant_types: ['urn:ietf:params:oauth:grant-type:device_code'], token_endpoint_auth_method: 'none' });
    assert.equal(device.status, 400);
    assert.equal(device.body.error, 'invalid_client_metadata');
    const plainHttp = await register({ redirect_uris: ['http://spa.example.test/cb'], token_endpoint_auth_method: 'none' });
    assert.equal(plainHttp.body.error, 'invalid_redirect_uri');
  });

  test('RFC 7592: read, update and delete with the registration access token; any other token is refused', async () => {
    const first = await register({ client_name: 'One', redirect_uris: ['https://spa.example.test/one'], token_endpoint_auth_method: 'none' });
    const second = await register({ client_name: 'Two', redirect_uris: ['https://spa.example.test/two'], token_endpoint_auth_method: 'none' });
    const uri = String(first.body.registration_client_uri);
    const token = String(first.body.registration_access_token);
    const otherToken = String(second.body.registration_access_token);

    for (const wrong of [otherToken, undefined, 'lk_rat_guess', 'garbage']) {
      for (const method of ['GET', 'PUT', 'DELETE']) {
        const answer = await call(method, uri, {
          ...(wrong !== undefined ? { token: wrong } : {}),
          ...(method === 'PUT' ? { body: { client_id: first.body.client_id } } : {}),
        });
        assert.equal(answer.status, 401, `${method} with ${wrong}`);
        assert.equal(answer.body.error, 'invalid_token');
      }
    }

    const read = await call('GET', uri, { token });
    assert.equal(read.status, 200);
    assert.equal(read.body.client_name, 'One');
    assert.equal(read.body.client_id, first.body.client_id);

    const mismatched = await call('PUT', uri, {
      token,
      body: { client_id: second.body.client_id, redirect_uris: ['https://spa.example.test/one'], token_endpoint_auth_method: 'none' },
    });
    assert.equal(mismatched.status, 400);
    assert.match(String(mismatched.body.error_description), /client_id/);
    const badRedirect = await call('PUT', uri, {
      token,
      body: { client_id: first.body.client_id, redirect_uris: ['http://plain.example/cb'], token_endpoint_auth_method: 'none' },
    });
    assert.equal(badRedirect.body.error, 'invalid_redirect_uri');
    const retype = await call('PUT', uri, { token, body: { client_id: first.body.client_id, redirect_uris: ['https://spa.example.test/one'] } });
    assert.equal(retype.status, 400, 'omitting token_endpoint_auth_method describes a confidential client: its type cannot change');

    const updated = await call('PUT', uri, {
      token,
      body: {
        client_id: first.body.client_id,
        client_name: 'One, renamed',
        redirect_uris: ['https://spa.example.test/new'],
        token_endpoint_auth_method: 'none',
      },
    });
    assert.equal(updated.status, 200, JSON.stringify(updated.body));
    assert.equal(updated.body.client_name, 'One, renamed');
    assert.deepEqual(updated.body.redirect_uris, ['https://spa.example.test/new']);
    const rotated = String(updated.body.registration_access_token);
    assert.notEqual(rotated, token, 'the registration access token rotates on update');
    assert.equal((await call('GET', uri, { token })).status, 401, 'the old registration access token stopped working');
    assert.equal((await registry().apps.get(operator, String(first.body.client_id))).name, 'One, renamed');
    // The authorization endpoint sees the change at once (the client cache follows the app's events).
    const authorize = (redirect: string) =>
      fixture.fetch(
        `${fixture.issuer}/oauth2/authorize?${new URLSearchParams({
          client_id: String(first.body.client_id),
          response_type: 'code',
          redirect_uri: redirect,
          scope: 'openid',
          code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
          code_challenge_method: 'S256',
        }).toString()}`,
        { redirect: 'manual' },
      );
    assert.equal((await authorize('https://spa.example.test/new')).status, 302, 'on to sign-in');
    assert.equal((await authorize('https://spa.example.test/one')).status, 400, 'the replaced redirect URI is no longer registered');

    assert.equal((await call('DELETE', uri, { token: rotated })).status, 204);
    assert.equal((await call('GET', uri, { token: rotated })).status, 401);
    assert.equal((await admin.get(`/apps/${String(first.body.client_id)}`)).status, 404);
    assert.equal((await authorize('https://spa.example.test/new')).status, 400, 'a deleted client gets no more codes');
    assert.equal((await call('GET', String(second.body.registration_client_uri), { token: otherToken })).status, 200, 'the other client is untouched');
  });

  test('of two concurrent updates with the same registration access token one wins; the other changes nothing', async () => {
    const registered = await register({ client_name: 'Racy', redirect_uris: ['https://spa.example.test/racy'], token_endpoint_auth_method: 'none' });
    const uri = String(registered.body.registration_client_uri);
    const token = String(registered.body.registration_access_token);
    const update = (name: string) =>
      call('PUT', uri, {
        token,
        body: { client_id: registered.body.client_id, client_name: name, redirect_uris: ['https://spa.example.test/racy'], token_endpoint_auth_method: 'none' },
      });
    const answers = await Promise.all([update('Racy A'), update('Racy B')]);
    assert.deepEqual(answers.map((answer) => answer.status).sort(), [200, 401]);
    const winner = answers.find((answer) => answer.status === 200)!;
    assert.equal((await registry().apps.get(operator, String(registered.body.client_id))).name, winner.body.client_name);
    assert.equal((await call('GET', uri, { token: String(winner.body.registration_access_token) })).status, 200);
  });

  test('concurrent registrations with a one-use token create exactly one app', async () => {
    const { token } = await initialToken({ maxUses: 1, appTypes: ['spa'] });
    const before = await appCount();
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, index) =>
        register({ client_name: `Racer ${index}`, redirect_uris: ['https://spa.example.test/cb'], token_endpoint_auth_method: 'none' }, token),
      ),
    );
    assert.deepEqual(answers.map((answer) => answer.status).sort(), [201, 401, 401, 401, 401, 401]);
    assert.equal(await appCount(), before + 1);
  });

  test('initial access tokens are listed without the token, and only owners and admins issue them', async () => {
    const listed = await admin.get<{ items: Record<string, unknown>[] }>('/orgs/default/registration-tokens');
    assert.equal(listed.status, 200);
    assert.ok(listed.body.items.length > 0);
    assert.doesNotMatch(JSON.stringify(listed.body), /lk_iat_|tokenHash/);
    const developer = (await userWithToken(fixture.server, { role: 'developer' })).api;
    const refused = await developer.post('/orgs/default/registration-tokens', { name: 'mine' });
    assert.equal(refused.status, 403);
    const invalid = await admin.post('/orgs/default/registration-tokens', { name: 'bad', appTypes: ['kiosk'], redirectUriHosts: ['https://x'] });
    assert.equal(invalid.status, 400);
  });
});
