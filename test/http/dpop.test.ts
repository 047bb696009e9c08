import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { calculateJwkThumbprint, createRemoteJWKSet, exportJWK, jwtVerify, SignJWT, type JWK, type JWTPayload } from 'jose';
import * as oauth from 'oauth4webapi';
import * as client from 'openid-client';
import { dpopAlgorithms } from '../../src/contracts/algorithms.js';
import { operatorActor } from '../../src/domain/access/actor.js';
import { accessTokenThumbprint } from '../../src/protocol/dpop/proof.js';
import { obtainCode, postForm, redeem, tokenUrl } from '../support/flows.js';
import { apiIdentifier, FormBrowser, oauthFixture, redirectUri, type OAuthFixture } from '../support/oauth.js';

const opaqueApi = 'https://reports.example.test';
const insecure = { execute: [client.allowInsecureRequests] };

interface Key {
  pair: Awaited<ReturnType<typeof client.randomDPoPKeyPair>>;
  jwk: JWK;
  jkt: string;
}

async function newKey(alg = 'ES256'): Promise<Key> {
  const pair = await client.randomDPoPKeyPair(alg);
  const jwk = await exportJWK(pair.publicKey);
  return { pair, jwk, jkt: await calculateJwkThumbprint(jwk, 'sha256') };
}

/** A DPoP proof made by hand (RFC 9449 §4.2), for the requests a library would never send. */
async function proofFor(key: Key, htu: string, claims: JWTPayload = {}, htm = 'POST'): Promise<string> {
  return new SignJWT({ jti: randomUUID(), htm, htu, iat: Math.floor(Date.now() / 1000), ...claims })
    .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: key.jwk })
    .sign(key.pair.privateKey);
}

function claimsOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
}

/** The redirect back to the client as openid-client reads it. */
function callbackUrl(callback: URLSearchParams): URL {
  return new URL(`${redirectUri}?${callback.toString()}`);
}

describe('DPoP: sender-constrained tokens (RFC 9449)', () => {
  let fixture: OAuthFixture;
  let spa: { clientId: string; clientSecret: string | null };
  let web: { clientId: string; clientSecret: string | null };
  let machine: { clientId: string; clientSecret: string | null };
  let userinfoUrl: string;

  before(async () => {
    fixture = await oauthFixture();
    userinfoUrl = `${fixture.issuer}/oauth2/userinfo`;
    await fixture.server.server.runtime.registry.apis.create({ actor: operatorActor }, fixture.orgId, {
      identifier: opaqueApi,
      name: 'Reports API',
      scopes: [{ name: 'read:reports' }],
      tokenFormat: 'opaque',
    });
    const scopes = ['openid', 'profile', 'email', 'offline_access', 'read:contacts'];
    spa = await fixture.createApp({ name: 'SPA', type: 'spa', redirectUris: [redirectUri], scopes, grantTypes: ['authorization_code', 'refresh_token'] });
    web = await fixture.createApp({ name: 'Web', type: 'web', redirectUris: [redirectUri], scopes, grantTypes: ['authorization_code', 'refresh_token'] });
    machine = await fixture.createApp({
      name: 'Machine',
      type: 'm2m',
      apiGrants: [
        { audience: apiIdentifier, scopes: ['read:contacts'] },
        { audience: opaqueApi, scopes: ['read:reports'] },
      ],
    });
  });
  after(() => fixture.stop());

  const configurationOf = (app: { clientId: string; clientSecret: string | null }) =>
    client.discovery(new URL(fixture.issuer), app.clientId, undefined, app.clientSecret ? client.ClientSecretBasic(app.clientSecret) : client.None(), insecure);
  const machineBasic = () => ({ basic: [machine.clientId, machine.clientSecret!] as [string, string] });

  test('discovery lists the algorithms accepted on proofs (RFC 9449 §5.1)', async () => {
    const metadata = (await (await fetch(`${fixture.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    assert.deepEqual(metadata.dpop_signing_alg_values_supported, [...dpopAlgorithms]);
    assert.ok(!(metadata.dpop_signing_alg_values_supported as string[]).some((alg) => alg === 'none' || alg.startsWith('HS')));
  });

  test('openid-client: code bound with dpop_jkt, token_type DPoP, userinfo with a proof, refresh bound to the key and refused with another', async () => {
    const config = await configurationOf(spa);
    const key = await newKey();
    const dpop = client.getDPoPHandle(config, key.pair);
    const code = await obtainCode(fixture, spa.clientId, { scope: 'openid email offline_access read:contacts', audience: apiIdentifier, dpop_jkt: key.jkt });
    const tokens = await client.authorizationCodeGrant(
      config,
      callbackUrl(code.callback),
      { pkceCodeVerifier: code.verifier, expectedState: 'state-1' },
      undefined,
      {
        DPoP: dpop,
      },
    );
    assert.equal(tokens.token_type, 'dpop');
    assert.ok(tokens.refresh_token);

    // RFC 9449 §6.1: the JWT access token names the key it is bound to.
    const { payload } = await jwtVerify(tokens.access_token, createRemoteJWKSet(new URL(`${fixture.issuer}/.well-known/jwks.json`)), {
      issuer: fixture.issuer,
      audience: apiIdentifier,
      typ: 'at+jwt',
    });
    assert.deepEqual(payload.cnf, { jkt: key.jkt });

    const claims = await client.fetchUserInfo(config, tokens.access_token, fixture.user.id, { DPoP: dpop });
    assert.equal(claims.email, fixture.user.email);

    // A refresh with a proof of another key is refused, and does not spend the refresh token.
    const other = client.getDPoPHandle(config, (await newKey()).pair);
    await assert.rejects(client.refreshTokenGrant(config, tokens.refresh_token, undefined, { DPoP: other }), (error: client.ResponseBodyError) => {
      assert.equal(error.error, 'invalid_grant');
      assert.match(error.error_description ?? '', /another key than the one the refresh token is bound to/);
      return true;
    });
    const withoutProof = await postForm(tokenUrl(fixture), { grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: spa.clientId });
    assert.equal(withoutProof.status, 400);
    assert.equal(withoutProof.body.error, 'invalid_grant');

    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token, undefined, { DPoP: dpop });
    assert.equal(refreshed.token_type, 'dpop');
    assert.deepEqual(claimsOf(refreshed.access_token).cnf, { jkt: key.jkt });
    // The successor stays bound to the key.
    const again = await postForm(tokenUrl(fixture), { grant_type: 'refresh_token', refresh_token: refreshed.refresh_token!, client_id: spa.clientId });
    assert.equal(again.body.error, 'invalid_grant');
  });

  test('a code bound with dpop_jkt is refused with a proof of another key, and without one (RFC 9449 §10)', async () => {
    const key = await newKey();
    const other = await newKey();
    const url = tokenUrl(fixture);
    const wrongKey = await obtainCode(fixture, spa.clientId, { dpop_jkt: key.jkt });
    const refused = await redeem(fixture, wrongKey, spa.clientId, null);
    assert.equal(refused.body.error, 'invalid_grant');
    assert.match(String(refused.body.error_description), /bound to a DPoP key/);
    const code = await obtainCode(fixture, spa.clientId, { dpop_jkt: key.jkt });
    const mismatch = await postForm(
      url,
      { grant_type: 'authorization_code', code: code.code, redirect_uri: redirectUri, code_verifier: code.verifier, client_id: spa.clientId },
      { headers: { dpop: await proofFor(other, url) } },
    );
    assert.equal(mismatch.body.error, 'invalid_grant');
    assert.match(String(mismatch.body.error_description), /dpop_jkt/);
  });

  test('a malformed dpop_jkt is refused at the authorization endpoint', async () => {
    await assert.rejects(obtainCode(fixture, spa.clientId, { dpop_jkt: 'not-a-thumbprint' }), /dpop_jkt|invalid_request/);
  });

  test("a confidential client's refresh token is not bound; its access tokens are when a proof is sent (RFC 9449 §5)", async () => {
    const config = await configurationOf(web);
    const key = await newKey();
    const dpop = client.getDPoPHandle(config, key.pair);
    const code = await obtainCode(fixture, web.clientId, { scope: 'openid offline_access' });
    const tokens = await client.authorizationCodeGrant(
      config,
      callbackUrl(code.callback),
      { pkceCodeVerifier: code.verifier, expectedState: 'state-1' },
      undefined,
      {
        DPoP: dpop,
      },
    );
    assert.equal(tokens.token_type, 'dpop');
    const plain = await client.refreshTokenGrant(config, tokens.refresh_token!);
    assert.equal(plain.token_type, 'bearer');
    assert.equal(claimsOf(plain.access_token).cnf, undefined);
  });

  test('a DPoP-bound token presented as Bearer is refused at userinfo (RFC 9449 §7.1)', async () => {
    const config = await configurationOf(spa);
    const dpop = client.getDPoPHandle(config, (await newKey()).pair);
    const code = await obtainCode(fixture, spa.clientId);
    const tokens = await client.authorizationCodeGrant(
      config,
      callbackUrl(code.callback),
      { pkceCodeVerifier: code.verifier, expectedState: 'state-1' },
      undefined,
      {
        DPoP: dpop,
      },
    );
    const response = await fetch(userinfoUrl, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    assert.equal(response.status, 401);
    const body = (await response.json()) as Record<string, string>;
    assert.equal(body.error, 'invalid_token');
    const challenge = response.headers.get('www-authenticate') ?? '';
    assert.match(challenge, /^Bearer realm="latchkey", error="invalid_token"/);
    assert.ok(challenge.endsWith(`DPoP realm="latchkey", algs="${dpopAlgorithms.join(' ')}"`), challenge);
    assert.match(challenge, /RFC 9449 section 7\.1/, 'the description in the header is ASCII (RFC 6750 §3)');
  });

  test('userinfo refuses the DPoP scheme without a proof, with a proof of another key, and with a proof without ath', async () => {
    const key = await newKey();
    const config = await configurationOf(spa);
    const code = await obtainCode(fixture, spa.clientId);
    const tokens = await client.authorizationCodeGrant(
      config,
      callbackUrl(code.callback),
      { pkceCodeVerifier: code.verifier, expectedState: 'state-1' },
      undefined,
      {
        DPoP: client.getDPoPHandle(config, key.pair),
      },
    );
    const accessToken = tokens.access_token;
    const call = async (dpop?: string) => {
      const response = await fetch(userinfoUrl, { headers: { authorization: `DPoP ${accessToken}`, ...(dpop ? { dpop } : {}) } });
      return { status: response.status, challenge: response.headers.get('www-authenticate') ?? '', body: (await response.json()) as Record<string, string> };
    };
    const ath = accessTokenThumbprint(accessToken);
    const none = await call();
    assert.equal(none.status, 401);
    assert.match(none.challenge, /DPoP realm="latchkey", error="invalid_dpop_proof"/);
    const otherKey = await call(await proofFor(await newKey(), userinfoUrl, { ath }, 'GET'));
    assert.equal(otherKey.body.error, 'invalid_dpop_proof');
    assert.match(otherKey.body.error_description!, /another key/);
    const withoutAth = await call(await proofFor(key, userinfoUrl, {}, 'GET'));
    assert.match(withoutAth.body.error_description!, /ath/);
    const ok = await call(await proofFor(key, userinfoUrl, { ath }, 'GET'));
    assert.equal(ok.status, 200);
    assert.equal(ok.body.sub, fixture.user.id);
  });

  test('an unbound token is refused with the DPoP scheme', async () => {
    const code = await obtainCode(fixture, spa.clientId);
    const tokens = await redeem(fixture, code, spa.clientId, null);
    assert.equal(tokens.body.token_type, 'Bearer');
    const response = await fetch(userinfoUrl, { headers: { authorization: `DPoP ${String(tokens.body.access_token)}` } });
    assert.equal(response.status, 401);
    assert.match(response.headers.get('www-authenticate') ?? '', /DPoP realm="latchkey", error="invalid_token"/);
  });

  test('a replayed proof is refused at the token endpoint (RFC 9449 §11.1)', async () => {
    const url = tokenUrl(fixture);
    const proof = await proofFor(await newKey(), url);
    const first = await postForm(url, { grant_type: 'client_credentials', audience: apiIdentifier }, { ...machineBasic(), headers: { dpop: proof } });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.body.token_type, 'DPoP');
    const replay = await postForm(url, { grant_type: 'client_credentials', audience: apiIdentifier }, { ...machineBasic(), headers: { dpop: proof } });
    assert.equal(replay.status, 400);
    assert.equal(replay.body.error, 'invalid_dpop_proof');
    assert.match(String(replay.body.error_description), /used already/);
  });

  test('an invalid proof is a 400 invalid_dpop_proof at the token endpoint: wrong htu, private key in the jwk', async () => {
    const url = tokenUrl(fixture);
    const key = await newKey();
    const wrongHtu = await postForm(url, { grant_type: 'client_credentials' }, { ...machineBasic(), headers: { dpop: await proofFor(key, userinfoUrl) } });
    assert.equal(wrongHtu.status, 400);
    assert.equal(wrongHtu.body.error, 'invalid_dpop_proof');
    const privateJwk = await exportJWK(key.pair.privateKey).catch(() => null);
    if (privateJwk) {
      const leaky = await new SignJWT({ jti: randomUUID(), htm: 'POST', htu: url, iat: Math.floor(Date.now() / 1000) })
        .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: privateJwk })
        .sign(key.pair.privateKey);
      const refused = await postForm(url, { grant_type: 'client_credentials' }, { ...machineBasic(), headers: { dpop: leaky } });
      assert.equal(refused.body.error, 'invalid_dpop_proof');
    }
  });

  test('introspection says token_type DPoP and cnf.jkt, for opaque and JWT access tokens (RFC 9449 §6.2)', async () => {
    const key = await newKey();
    const url = tokenUrl(fixture);
    for (const audience of [opaqueApi, apiIdentifier]) {
      const issued = await postForm(url, { grant_type: 'client_credentials', audience }, { ...machineBasic(), headers: { dpop: await proofFor(key, url) } });
      assert.equal(issued.body.token_type, 'DPoP', audience);
      const introspection = await postForm(`${fixture.issuer}/oauth2/introspect`, { token: String(issued.body.access_token) }, machineBasic());
      assert.equal(introspection.body.active, true, audience);
      assert.equal(introspection.body.token_type, 'DPoP', audience);
      assert.deepEqual(introspection.body.cnf, { jkt: key.jkt }, audience);
    }
    const opaque = await postForm(url, { grant_type: 'client_credentials', audience: opaqueApi }, machineBasic());
    const unbound = await postForm(`${fixture.issuer}/oauth2/introspect`, { token: String(opaque.body.access_token) }, machineBasic());
    assert.equal(unbound.body.token_type, 'Bearer');
    assert.equal(unbound.body.cnf, undefined);
  });

  test('introspection and revocation take a proof, and refuse an invalid one', async () => {
    const key = await newKey();
    const introspect = `${fixture.issuer}/oauth2/introspect`;
    const revoke = `${fixture.issuer}/oauth2/revoke`;
    const issued = await postForm(tokenUrl(fixture), { grant_type: 'client_credentials', audience: opaqueApi }, machineBasic());
    const token = String(issued.body.access_token);
    const bad = await postForm(introspect, { token }, { ...machineBasic(), headers: { dpop: await proofFor(key, revoke) } });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error, 'invalid_dpop_proof');
    const good = await postForm(introspect, { token }, { ...machineBasic(), headers: { dpop: await proofFor(key, introspect) } });
    assert.equal(good.body.active, true);
    const badRevoke = await postForm(revoke, { token }, { ...machineBasic(), headers: { dpop: await proofFor(key, introspect) } });
    assert.equal(badRevoke.body.error, 'invalid_dpop_proof');
    const revoked = await postForm(revoke, { token }, { ...machineBasic(), headers: { dpop: await proofFor(key, revoke) } });
    assert.equal(revoked.status, 200);
  });

  test('an app that requires DPoP gets no token without a proof', async () => {
    const strict = await fixture.createApp({
      name: 'Strict',
      type: 'm2m',
      apiGrants: [{ audience: apiIdentifier, scopes: ['read:contacts'] }],
      security: { requireDpop: true },
    });
    const basic = { basic: [strict.clientId, strict.clientSecret!] as [string, string] };
    const url = tokenUrl(fixture);
    const refused = await postForm(url, { grant_type: 'client_credentials' }, basic);
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error, 'invalid_dpop_proof');
    assert.match(String(refused.body.error_description), /requires DPoP/);
    const config = await configurationOf(strict);
    const tokens = await client.clientCredentialsGrant(config, { audience: apiIdentifier }, { DPoP: client.getDPoPHandle(config, (await newKey()).pair) });
    assert.equal(tokens.token_type, 'dpop');
  });

  test('a proof at the pushed authorization request endpoint binds the code to its key (RFC 9449 §10.1)', async () => {
    const config = await configurationOf(spa);
    const key = await newKey();
    const dpop = client.getDPoPHandle(config, key.pair);
    const verifier = client.randomPKCECodeVerifier();
    const url = await client.buildAuthorizationUrlWithPAR(
      config,
      {
        redirect_uri: redirectUri,
        scope: 'openid',
        state: 'state-par',
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      },
      { DPoP: dpop },
    );
    const browser = new FormBrowser(fixture.issuer);
    const callback = new URL((await browser.authorize(url, fixture.user)).headers.get('location')!);
    const code = callback.searchParams.get('code')!;
    const otherKey = await newKey();
    const refused = await postForm(
      tokenUrl(fixture),
      { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier, client_id: spa.clientId },
      { headers: { dpop: await proofFor(otherKey, tokenUrl(fixture)) } },
    );
    assert.equal(refused.body.error, 'invalid_grant');
  });

  test('at the pushed authorization request endpoint, a dpop_jkt that is not the proof key is refused', async () => {
    const parUrl = `${fixture.issuer}/oauth2/par`;
    const key = await newKey();
    const response = await postForm(
      parUrl,
      {
        client_id: spa.clientId,
        redirect_uri: redirectUri,
        response_type: 'code',
        scope: 'openid',
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        code_challenge_method: 'S256',
        dpop_jkt: (await newKey()).jkt,
      },
      { headers: { dpop: await proofFor(key, parUrl) } },
    );
    assert.equal(response.status, 400);
    assert.equal(response.body.error, 'invalid_dpop_proof');
  });
});

describe('DPoP nonces required by the server (RFC 9449 §8)', () => {
  let fixture: OAuthFixture;
  let machine: { clientId: string; clientSecret: string | null };

  before(async () => {
    fixture = await oauthFixture({ env: { LATCHKEY_DPOP_REQUIRE_NONCE: 'true' } });
    machine = await fixture.createApp({ name: 'Machine', type: 'm2m', apiGrants: [{ audience: apiIdentifier, scopes: ['read:contacts'] }] });
  });
  after(() => fixture.stop());

  test('a proof without a nonce gets use_dpop_nonce and a DPoP-Nonce header; the proof sent again with it is accepted', async () => {
    const url = tokenUrl(fixture);
    const key = await newKey();
    const basic = { basic: [machine.clientId, machine.clientSecret!] as [string, string] };
    const first = await postForm(url, { grant_type: 'client_credentials' }, { ...basic, headers: { dpop: await proofFor(key, url) } });
    assert.equal(first.status, 400);
    assert.equal(first.body.error, 'use_dpop_nonce');
    const nonce = first.headers.get('dpop-nonce');
    assert.match(nonce ?? '', /^[A-Za-z0-9_-]{43}$/);
    const second = await postForm(url, { grant_type: 'client_credentials' }, { ...basic, headers: { dpop: await proofFor(key, url, { nonce: nonce! }) } });
    assert.equal(second.status, 200, JSON.stringify(second.body));
    assert.equal(second.body.token_type, 'DPoP');
    assert.equal(second.headers.get('dpop-nonce'), nonce, 'the current nonce comes with every answer');
    const made = await postForm(url, { grant_type: 'client_credentials' }, { ...basic, headers: { dpop: await proofFor(key, url, { nonce: 'made-up' }) } });
    assert.equal(made.body.error, 'use_dpop_nonce');
  });

  test('oauth4webapi: the first request hears use_dpop_nonce, its DPoP handle keeps the nonce, the retry gets a DPoP token', async () => {
    const issuer = new URL(fixture.issuer);
    const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { [oauth.allowInsecureRequests]: true }));
    const rp: oauth.Client = { client_id: machine.clientId };
    const auth = oauth.ClientSecretBasic(machine.clientSecret!);
    const DPoP = oauth.DPoP(rp, await oauth.generateKeyPair('ES256'));
    const request = () =>
      oauth.clientCredentialsGrantRequest(as, rp, auth, new URLSearchParams({ audience: apiIdentifier }), { DPoP, [oauth.allowInsecureRequests]: true });
    let nonceAsked = false;
    let tokens: oauth.TokenEndpointResponse;
    try {
      tokens = await oauth.processClientCredentialsResponse(as, rp, await request());
    } catch (error) {
      assert.ok(oauth.isDPoPNonceError(error), String(error));
      nonceAsked = true;
      tokens = await oauth.processClientCredentialsResponse(as, rp, await request());
    }
    assert.ok(nonceAsked, 'the server asked for a nonce');
    assert.equal(tokens.token_type, 'dpop');
  });

  test('openid-client does the nonce dance by itself', async () => {
    const config = await client.discovery(new URL(fixture.issuer), machine.clientId, undefined, client.ClientSecretBasic(machine.clientSecret!), insecure);
    const tokens = await client.clientCredentialsGrant(config, { audience: apiIdentifier }, { DPoP: client.getDPoPHandle(config, (await newKey()).pair) });
    assert.equal(tokens.token_type, 'dpop');
  });
});
