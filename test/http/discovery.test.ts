import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as client from 'openid-client';
import { assertionAlgorithms } from '../../src/contracts/algorithms.js';
import { checksAfterRedirect } from '../../src/protocol/authorize/checks.js';
import { supportedClientAuthMethodNames } from '../../src/protocol/client-auth/authenticate-client.js';
import { grantHandlers } from '../../src/protocol/grants/registry.js';
import { startTestServer, type TestServer } from '../support/server.js';

/** Metadata fields whose value is an endpoint URL served by the issuer. */
function endpointFields(metadata: Record<string, unknown>): [string, string][] {
  return Object.entries(metadata).filter(
    (entry): entry is [string, string] => typeof entry[1] === 'string' && (entry[0].endsWith('_endpoint') || entry[0] === 'jwks_uri'),
  );
}

describe('discovery', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ inProcess: true });
  });
  after(() => server.stop());

  test('RFC 8414 metadata is served too, with the same content', async () => {
    const oidc = await server.fetch(`${server.issuer}/.well-known/openid-configuration`);
    const oauth = await server.fetch(`${server.issuer}/.well-known/oauth-authorization-server`);
    assert.equal(oidc.status, 200);
    assert.equal(oauth.status, 200);
    assert.match(oidc.headers.get('content-type') ?? '', /^application\/json/);
    assert.deepEqual(await oauth.json(), await oidc.json());
  });

  test('discovery is cacheable, with an ETag that answers 304 when unchanged', async () => {
    const first = await server.fetch(`${server.issuer}/.well-known/openid-configuration`);
    assert.equal(first.headers.get('cache-control'), 'public, max-age=60');
    const etag = first.headers.get('etag');
    assert.ok(etag);
    const second = await server.fetch(`${server.issuer}/.well-known/openid-configuration`, { headers: { 'if-none-match': etag } });
    assert.equal(second.status, 304);
  });

  test('every advertised endpoint is under the issuer and routed by the server', async () => {
    const metadata = (await (await server.fetch(`${server.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    const fields = endpointFields(metadata);
    assert.ok(fields.length >= 1);
    for (const [field, url] of fields) {
      assert.ok(url.startsWith(`${server.issuer}/`), `${field} is under the issuer`);
      const path = new URL(url).pathname;
      const routed = ['GET', 'POST'].some((method) => server.server.app.hasRoute({ method: method, url: path }));
      assert.ok(routed, `${field} (${path}) has a route`);
    }
    const pushed = fields.find(([field]) => field === 'pushed_authorization_request_endpoint');
    assert.ok(pushed, 'the pushed authorization request endpoint is advertised (RFC 9126 §5)');
    const response = await server.fetch(pushed[1], {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: 'nobody', response_type: 'code' }),
    });
    assert.equal(((await response.json()) as { error: string }).error, 'invalid_client', 'it answers as the pushed authorization request endpoint');
  });

  test('grants, client authentication methods and response types advertised are exactly those implemented', async () => {
    const metadata = (await (await server.fetch(`${server.issuer}/.well-known/openid-configuration`)).json()) as Record<string, string[]>;
    assert.deepEqual(
      metadata.grant_types_supported,
      grantHandlers.map((handler) => handler.grantType),
    );
    assert.deepEqual([...metadata.token_endpoint_auth_methods_supported!].sort(), [...supportedClientAuthMethodNames].sort());
    assert.deepEqual(metadata.response_types_supported, ['code'], 'no implicit or hybrid (RFC 9700 §2.1.2)');
    assert.deepEqual(metadata.response_modes_supported, ['query', 'form_post']);
    assert.deepEqual(metadata.code_challenge_methods_supported, ['S256']);
    assert.equal(metadata.authorization_response_iss_parameter_supported, true as unknown as string[]);
    assert.equal(metadata.request_parameter_supported, true as unknown as string[], 'signed request objects by value (RFC 9101)');
    assert.deepEqual(metadata.request_object_signing_alg_values_supported, [...assertionAlgorithms], 'asymmetric only: no none, no HMAC');
    assert.equal(metadata.require_pushed_authorization_requests, false as unknown as string[], 'PAR is offered, not required, by default');
    assert.equal(metadata.claims_parameter_supported, true as unknown as string[], 'the claims parameter (OIDC Core §5.5)');
    assert.ok(
      checksAfterRedirect.some((check) => check.name === 'claims'),
      'the authorization request checks read it',
    );
    for (const grant of metadata.grant_types_supported) {
      const response = await server.fetch(`${server.issuer}/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: grant, client_id: 'nobody' }),
      });
      const body = (await response.json()) as { error: string };
      assert.notEqual(body.error, 'unsupported_grant_type', `${grant} is served by the token endpoint`);
    }
  });

  test('nothing unimplemented is advertised', async () => {
    const metadata = (await (await server.fetch(`${server.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    const routedEndpoints = endpointFields(metadata).map(([field]) => field);
    const allowed = new Set(['issuer', 'jwks_uri', ...routedEndpoints]);
    // RFC 9126 §5: a flag about the pushed authorization request endpoint, which is routed (above).
    allowed.add('require_pushed_authorization_requests');
    for (const field of Object.keys(metadata)) {
      if (field.endsWith('_supported') || allowed.has(field)) continue;
      assert.fail(`unexpected metadata field ${field}`);
    }
  });
});

describe('discovery for an issuer with a path', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ issuerPath: '/tenant-a', inProcess: true });
  });
  after(() => server?.stop());

  test('OIDC discovery is at <issuer>/.well-known/openid-configuration', async () => {
    const response = await server.fetch(`${server.config.issuer}/.well-known/openid-configuration`);
    assert.equal(response.status, 200);
    const metadata = (await response.json()) as { issuer: string; jwks_uri: string };
    assert.equal(metadata.issuer, server.config.issuer);
    assert.equal((await server.fetch(metadata.jwks_uri)).status, 200);
  });

  test('RFC 8414 §3.1: the well-known segment goes between host and path', async () => {
    const origin = new URL(server.config.issuer).origin;
    const response = await server.fetch(`${origin}/.well-known/oauth-authorization-server/tenant-a`);
    assert.equal(response.status, 200);
    assert.equal(((await response.json()) as { issuer: string }).issuer, server.config.issuer);
  });
});

// A client library discovers over a real socket: these need the listener.
describe('openid-client discovery over HTTP', () => {
  test('openid-client discovers the issuer (OpenID Connect Discovery 1.0 §4)', async () => {
    const server = await startTestServer();
    try {
      const configuration = await client.discovery(new URL(server.issuer), 'any-client', undefined, undefined, {
        execute: [client.allowInsecureRequests],
      });
      const metadata = configuration.serverMetadata();
      assert.equal(metadata.issuer, server.issuer);
      assert.equal(metadata.jwks_uri, `${server.issuer}/.well-known/jwks.json`);
    } finally {
      await server.stop();
    }
  });

  test('oauth4webapi-style discovery with algorithm oauth2 works against a path issuer', async () => {
    const server = await startTestServer({ issuerPath: '/tenant-a' });
    try {
      const configuration = await client.discovery(new URL(server.config.issuer), 'any', undefined, undefined, {
        execute: [client.allowInsecureRequests],
        algorithm: 'oauth2',
      });
      assert.equal(configuration.serverMetadata().issuer, server.config.issuer);
    } finally {
      await server.stop();
    }
  });
});
