import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { randomUUID } from 'node:crypto';
import { createRemoteJWKSet, exportJWK, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import * as client from 'openid-client';
import { operatorActor } from '../../src/domain/access/actor.js';
import { rotateSigningKeys } from '../../src/domain/keys/key-rotation.js';
import { FormBrowser, password } from '../support/oauth.js';
import { createTestDatabase, postgresSkipReason, type TestDatabase } from '../support/postgres.js';
import { balancer } from '../support/balancer.js';
import { listenOnFreePort, startTestServer, type TestServer } from '../support/server.js';

if (postgresSkipReason) console.log(`# ${postgresSkipReason}`);

describe('two nodes on one PostgreSQL behind a round-robin proxy', { skip: postgresSkipReason }, () => {
  let database: TestDatabase;
  let nodes: TestServer[];
  let proxy: ReturnType<typeof balancer>;
  let issuer: string;
  const secret = 'multi-node-secret-multi-node-secret-0123456789';
  const redirectUri = 'https://client.example.test/callback';
  let app: { clientId: string; clientSecret: string };
  let machine: { clientId: string; clientSecret: string };

  before(async () => {
    database = await createTestDatabase();
    proxy = balancer();
    issuer = `http://127.0.0.1:${await listenOnFreePort(proxy.server)}`;
    // The nodes sit behind the proxy, on ports of their own (http.trustProxy).
    const env = { LATCHKEY_ISSUER: issuer, LATCHKEY_SECRET: secret, LATCHKEY_DPOP_REQUIRE_NONCE: 'true', LATCHKEY_HTTP_TRUST_PROXY: 'true' };
    nodes = [
      await startTestServer({ databaseUrl: database.url, env, logLevel: 'warn' }),
      await startTestServer({ databaseUrl: database.url, env, logLevel: 'warn' }),
    ];
    proxy.upstreams.push(...nodes.map((node) => node.config.listen.port));

    // Set up through node 0 only; node 1 must find it all in the database.
    const registry = nodes[0]!.server.runtime.registry;
    const context = { actor: operatorActor };
    const user = await registry.users.create(context, { email: 'nina@example.test', password });
    await registry.orgs.putMember(context, 'default', { userId: user.id, role: 'developer' });
    const org = await registry.orgs.get(context, 'default');
    await registry.apis.create(context, org.id, { identifier: 'https://api.example.test', name: 'API', scopes: [{ name: 'read' }], allowOfflineAccess: true });
    const web = await registry.apps.create(context, org.id, {
      name: 'Web',
      type: 'web',
      redirectUris: [redirectUri],
      grantTypes: ['authorization_code', 'refresh_token'],
      scopes: ['openid', 'email', 'offline_access', 'read'],
    });
    app = { clientId: web.app.clientId, clientSecret: web.clientSecret! };
    const m2m = await registry.apps.create(context, org.id, {
      name: 'M2M',
      type: 'm2m',
      tokenEndpointAuthMethod: 'client_secret_post',
      apiGrants: [{ audience: 'https://api.example.test', scopes: ['read'] }],
    });
    machine = { clientId: m2m.app.clientId, clientSecret: m2m.clientSecret! };
  });
  after(async () => {
    await new Promise((resolve) => proxy?.server.close(resolve));
    for (const node of nodes ?? []) await node.stop();
    await database?.drop();
  });

  test('sign-in, consent, code, tokens, userinfo, refresh rotation and reuse detection, with each request on the next node', async () => {
    const configuration = await client.discovery(new URL(issuer), app.clientId, undefined, client.ClientSecretBasic(app.clientSecret), {
      execute: [client.allowInsecureRequests],
    });
    for (let round = 0; round < 3; round += 1) {
      const verifier = client.randomPKCECodeVerifier();
      const url = client.buildAuthorizationUrl(configuration, {
        redirect_uri: redirectUri,
        scope: 'openid email offline_access read',
        audience: 'https://api.example.test',
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        nonce: `n-${round}`,
      });
      const response = await new FormBrowser(issuer).authorize(url, { email: 'nina@example.test', password });
      const tokens = await client.authorizationCodeGrant(configuration, new URL(response.headers.get('location')!), {
        pkceCodeVerifier: verifier,
        expectedNonce: `n-${round}`,
        idTokenExpected: true,
      });
      assert.equal((await client.fetchUserInfo(configuration, tokens.access_token, tokens.claims()!.sub)).email, 'nina@example.test');
      const refreshed = await client.refreshTokenGrant(configuration, tokens.refresh_token!);
      const again = await client.refreshTokenGrant(configuration, refreshed.refresh_token!);
      assert.ok(again.access_token);
      await assert.rejects(client.refreshTokenGrant(configuration, tokens.refresh_token!), 'reuse is detected whichever node sees it');
      assert.equal((await client.tokenIntrospection(configuration, again.access_token)).active, false);
    }
    assert.ok(proxy.hits.length === nodes.length && proxy.hits.every((count) => count > 10), `both nodes served requests: ${proxy.hits.join(',')}`);
  });

  test('twenty parallel client credentials requests across both nodes succeed', async () => {
    const configuration = await client.discovery(new URL(issuer), machine.clientId, undefined, client.ClientSecretPost(machine.clientSecret), {
      execute: [client.allowInsecureRequests],
    });
    const results = await Promise.all(Array.from({ length: 20 }, () => client.clientCredentialsGrant(configuration)));
    assert.equal(results.length, 20);
  });

  test('a key rotated on one node is published and used by the other within the refresh interval', async () => {
    const [rotated] = await rotateSigningKeys(nodes[0]!.server.runtime, { actor: operatorActor }, ['RS256']);
    const deadline = Date.now() + 10_000;
    while (nodes[1]!.server.runtime.signingKeys.signingKey('RS256').kid !== rotated!.kid && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const { kid, privateKey } = nodes[1]!.server.runtime.signingKeys.signingKey('RS256');
    assert.equal(kid, rotated!.kid);
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid }).setIssuer(issuer).setExpirationTime('1m').sign(privateKey);
    await jwtVerify(token, createRemoteJWKSet(new URL(`${issuer}/.well-known/jwks.json`)));
  });
  test('DPoP: a nonce from one node is accepted by the other, and a proof used on one is refused on the other (RFC 9449 §8, §11.1)', async () => {
    const tokenEndpoint = `${issuer}/oauth2/token`;
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const jwk = await exportJWK(publicKey);
    const proof = (nonce?: string) =>
      new SignJWT({ jti: randomUUID(), htm: 'POST', htu: tokenEndpoint, iat: Math.floor(Date.now() / 1000), ...(nonce ? { nonce } : {}) })
        .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk })
        .sign(privateKey);
    const form = { grant_type: 'client_credentials', client_id: machine.clientId, client_secret: machine.clientSecret };
    const at = (node: TestServer, dpop: string) =>
      fetch(`http://127.0.0.1:${node.config.listen.port}/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', dpop },
        body: new URLSearchParams(form),
      });
    const asked = await at(nodes[0]!, await proof());
    assert.equal(asked.status, 400);
    assert.equal(((await asked.json()) as { error: string }).error, 'use_dpop_nonce');
    const nonce = asked.headers.get('dpop-nonce')!;
    const withNonce = await proof(nonce);
    const accepted = await at(nodes[1]!, withNonce);
    assert.equal(accepted.status, 200, await accepted.clone().text());
    assert.equal(((await accepted.json()) as { token_type: string }).token_type, 'DPoP');
    const replay = await at(nodes[0]!, withNonce);
    assert.equal(replay.status, 400);
    assert.match(((await replay.json()) as { error_description: string }).error_description, /used already/);
  });
});
