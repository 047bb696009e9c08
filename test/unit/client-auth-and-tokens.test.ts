import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { OAuthClient } from '../../src/ports/directories.js';
import { authenticateClient } from '../../src/protocol/client-auth/authenticate-client.js';
import { clientCredentialsGrant } from '../../src/protocol/grants/client-credentials.js';
import { issueTokens } from '../../src/protocol/grants/issue.js';
import { bagFromEntries, emptyBag, type ProtocolRequest } from '../../src/protocol/messages.js';
import { createTestProtocol, type TestProtocol } from '../support/protocol.js';
import { grantContext, outcome } from './grants/support.js';

function tokenRequest(form: Record<string, string>, authorization?: string): ProtocolRequest {
  return {
    method: 'POST',
    contentType: 'application/x-www-form-urlencoded',
    query: emptyBag(),
    body: bagFromEntries(Object.entries(form)),
    headers: authorization ? { authorization } : {},
    cookies: {},
  } as unknown as ProtocolRequest;
}
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

describe('client authentication and the token validator', () => {
  let t: TestProtocol;
  let web: OAuthClient;
  let secret: string;
  let spa: OAuthClient;
  before(async () => {
    t = await createTestProtocol();
    await t.runtime.registry.apis.create(t.operator, t.orgId, { identifier: 'https://api.example.test', name: 'API', scopes: [{ name: 'read' }] });
    const created = await t.createApp({
      name: 'Web',
      type: 'web',
      redirectUris: ['https://app.example.com/cb'],
      grantTypes: ['authorization_code', 'client_credentials'],
      apiGrants: [{ audience: 'https://api.example.test', scopes: ['read'] }],
    });
    web = created.client;
    secret = created.secret!;
    spa = (await t.createApp({ name: 'SPA', type: 'spa', redirectUris: ['https://spa.example.com/cb'] })).client;
  });
  after(() => t.close());

  const rows: { name: string; request: () => ProtocolRequest; publicAllowed?: boolean; expect: string }[] = [
    { name: 'client_secret_basic, right secret', request: () => tokenRequest({}, basic(web.clientId, secret)), expect: 'ok' },
    {
      name: 'client_secret_basic, wrong secret',
      request: () => tokenRequest({}, basic(web.clientId, 'nope')),
      expect: 'invalid_client: client authentication failed: the client secret is not valid for this client',
    },
    {
      name: 'client_secret_post when basic is registered',
      request: () => tokenRequest({ client_id: web.clientId, client_secret: secret }),
      expect: 'invalid_client: this app authenticates with client_secret_basic, not client_secret_post (its token_endpoint_auth_method)',
    },
    {
      name: 'two methods at once',
      request: () => tokenRequest({ client_id: web.clientId, client_secret: secret }, basic(web.clientId, secret)),
      expect: 'invalid_request: the client used more than one authentication method (client_secret_basic, client_secret_post); RFC 6749 §2.3 allows one',
    },
    {
      name: 'a confidential app without credentials',
      request: () => tokenRequest({ client_id: web.clientId }),
      expect: 'invalid_client: this app is a confidential client and must authenticate with client_secret_basic (RFC 6749 §2.3.1)',
    },
    { name: 'a public app with its client_id', request: () => tokenRequest({ client_id: spa.clientId }), expect: 'ok' },
    {
      name: 'a public app where public apps may not call',
      request: () => tokenRequest({ client_id: spa.clientId }),
      publicAllowed: false,
      expect: 'invalid_client: this endpoint needs client authentication, which public apps cannot do (RFC 7662 §2.1)',
    },
    {
      name: 'an unknown client',
      request: () => tokenRequest({ client_id: 'nobody' }),
      expect: 'invalid_client: client authentication failed: no app has this client_id',
    },
    {
      name: 'no client at all',
      request: () => tokenRequest({}),
      expect: 'invalid_client: the client did not identify itself: send client_id, or authenticate (RFC 6749 §2.3)',
    },
  ];
  for (const row of rows) {
    test(`authenticateClient: ${row.name}`, async () => {
      assert.equal(await outcome(authenticateClient(row.request(), t.deps, { publicClientsAllowed: row.publicAllowed ?? true })), row.expect);
    });
  }

  test('the token issuer and validator: an issued token is active until it expires, and garbage never is', async () => {
    const issued = await issueTokens(t.deps, await clientCredentialsGrant.validate(grantContext(t, web, {}, t.deps)), t.clock.now());
    const validator = t.protocol.validator;
    const active = await validator.accessToken(issued.access_token);
    assert.equal(active?.client.clientId, web.clientId);
    assert.equal(active?.subject, web.clientId);
    assert.deepEqual(active?.scope, ['read']);
    assert.equal(t.deps.validator, validator, 'one validator, built in the wiring');
    for (const garbage of ['', 'lk_at_nope', 'a.b.c', `${issued.access_token}x`]) assert.equal(await validator.accessToken(garbage), null, garbage);
    await t.deps.revokedJtis.add(active.handle, active.expiresAt);
    assert.equal(await validator.accessToken(issued.access_token), null, 'a revoked jti');
    const later = await issueTokens(t.deps, await clientCredentialsGrant.validate(grantContext(t, web, {}, t.deps)), t.clock.now());
    t.clock.advance(issued.expires_in * 1000 + 1);
    assert.equal(await validator.accessToken(later.access_token), null, 'expired');
  });
});
