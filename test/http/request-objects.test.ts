import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT, UnsecuredJWT, type CryptoKey } from 'jose';
import * as oauth from 'oauth4webapi';
import * as client from 'openid-client';
import { operatorActor } from '../../src/domain/access/actor.js';
import { challengeOf, newVerifier, redeem } from '../support/flows.js';
import { FormBrowser, oauthFixture, redirectUri, type OAuthFixture } from '../support/oauth.js';

/** Signed request objects by value (RFC 9101), in the URL and through PAR (RFC 9126). */
describe('request objects (RFC 9101)', () => {
  let fixture: OAuthFixture;
  let web: { clientId: string; clientSecret: string | null };
  let keyless: { clientId: string; clientSecret: string | null };
  let privateKey: CryptoKey;
  let strangerKey: CryptoKey;

  before(async () => {
    fixture = await oauthFixture();
    web = await fixture.createApp({ name: 'Signed requests', type: 'web', redirectUris: [redirectUri, 'https://client.example.test/other'] });
    keyless = await fixture.createApp({ name: 'No keys', type: 'web', redirectUris: [redirectUri] });
    const pair = await generateKeyPair('ES256', { extractable: true });
    privateKey = pair.privateKey;
    strangerKey = (await generateKeyPair('ES256')).privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), alg: 'ES256', use: 'sig', kid: 'request-key' };
    await fixture.server.server.runtime.registry.apps.addCertificate({ actor: operatorActor }, web.clientId, JSON.stringify(jwk));
  });
  after(() => fixture.stop());

  const authorizeEndpoint = () => `${fixture.issuer}/oauth2/authorize`;

  /** The parameters of an authorization request, as a request object carries them. */
  function requestClaims(verifier: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      client_id: web.clientId,
      response_type: 'code',
      redirect_uri: redirectUri,
      scope: 'openid',
      state: 'signed-state',
      code_challenge: challengeOf(verifier),
      code_challenge_method: 'S256',
      ...extra,
    };
  }

  async function sign(claims: Record<string, unknown>, options: { key?: CryptoKey; typ?: string; iss?: string; aud?: string; exp?: string } = {}) {
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', typ: options.typ ?? 'oauth-authz-req+jwt' })
      .setIssuer(options.iss ?? web.clientId)
      .setAudience(options.aud ?? fixture.issuer)
      .setIssuedAt()
      .setExpirationTime(options.exp ?? '2m')
      .sign(options.key ?? privateKey);
  }

  /** The authorize URL with only client_id and the request object. */
  function byValue(requestObject: string, clientId = web.clientId, extra: Record<string, string> = {}): URL {
    const url = new URL(authorizeEndpoint());
    url.searchParams.set('client_id', clientId);
    url.searchParams.set('request', requestObject);
    for (const [name, value] of Object.entries(extra)) url.searchParams.set(name, value);
    return url;
  }

  async function signInWith(url: URL) {
    const response = await new FormBrowser(fixture.issuer, fixture.fetch).authorize(url, fixture.user);
    const location = response.headers.get('location');
    assert.ok(location, `expected a redirect, got ${response.status}: ${await response.text()}`);
    return new URL(location);
  }

  async function refusedPage(url: URL): Promise<string> {
    const response = await fetch(url, { redirect: 'manual' });
    assert.equal(response.status, 400);
    assert.equal(response.headers.get('location'), null, 'never redirected: the redirect URI is not proven');
    return response.text();
  }

  test('openid-client signs the request (buildAuthorizationUrlWithJAR): the code flow completes and the ID token is for the user', async () => {
    const configuration = await client.discovery(new URL(fixture.issuer), web.clientId, undefined, client.ClientSecretBasic(web.clientSecret!), {
      execute: [client.allowInsecureRequests],
    });
    assert.equal(configuration.serverMetadata().request_parameter_supported, true);
    const verifier = client.randomPKCECodeVerifier();
    const nonce = client.randomNonce();
    const url = await client.buildAuthorizationUrlWithJAR(
      configuration,
      {
        redirect_uri: redirectUri,
        scope: 'openid email',
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state: 'jar-state',
        nonce,
      },
      { key: privateKey, kid: 'request-key' },
    );
    assert.deepEqual([...url.searchParams.keys()].sort(), ['client_id', 'request']);
    const callback = await signInWith(url);
    const tokens = await client.authorizationCodeGrant(configuration, callback, {
      pkceCodeVerifier: verifier,
      expectedState: 'jar-state',
      expectedNonce: nonce,
    });
    assert.equal(tokens.claims()?.sub, fixture.user.id);
    assert.equal(tokens.scope, 'openid email');
  });

  test('oauth4webapi pushes a signed request (issueRequestObject + PAR); the browser carries only the request_uri', async () => {
    const as = await oauth.processDiscoveryResponse(
      new URL(fixture.issuer),
      await oauth.discoveryRequest(new URL(fixture.issuer), { [oauth.allowInsecureRequests]: true }),
    );
    const rp: oauth.Client = { client_id: web.clientId };
    const verifier = oauth.generateRandomCodeVerifier();
    const parameters = new URLSearchParams({
      redirect_uri: redirectUri,
      scope: 'openid',
      response_type: 'code',
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: 'pushed-signed',
    });
    const request = await oauth.issueRequestObject(as, rp, parameters, { key: privateKey });
    const pushed = await oauth.pushedAuthorizationRequest(as, rp, oauth.ClientSecretBasic(web.clientSecret!), new URLSearchParams({ request }), {
      [oauth.allowInsecureRequests]: true,
    });
    const { request_uri } = await oauth.processPushedAuthorizationResponse(as, rp, pushed);
    const url = new URL(as.authorization_endpoint!);
    url.searchParams.set('client_id', web.clientId);
    url.searchParams.set('request_uri', request_uri);
    const callback = await signInWith(url);
    assert.equal(callback.searchParams.get('state'), 'pushed-signed');
    const redeemed = await redeem(fixture, { code: callback.searchParams.get('code')!, verifier }, web.clientId, web.clientSecret);
    assert.equal(redeemed.status, 200, JSON.stringify(redeemed.body));
  });

  test("the request object's parameters win over the URL's (RFC 9101 §6.3); what it leaves out comes from the URL", async () => {
    const verifier = newVerifier();
    const { state: _state, ...withoutState } = requestClaims(verifier, { redirect_uri: 'https://client.example.test/other', scope: 'openid' });
    const url = byValue(await sign(withoutState), web.clientId, {
      redirect_uri: redirectUri,
      scope: 'openid email profile',
      state: 'from-the-url',
      response_type: 'token',
    });
    const callback = await signInWith(url);
    assert.equal(`${callback.origin}${callback.pathname}`, 'https://client.example.test/other', "the signed redirect_uri, not the URL's");
    assert.equal(callback.searchParams.get('state'), 'from-the-url', 'not in the request object, so the URL says');
    const redeemed = await redeem(fixture, { code: callback.searchParams.get('code')!, verifier }, web.clientId, web.clientSecret, {
      redirect_uri: 'https://client.example.test/other',
    });
    assert.equal(redeemed.status, 200, JSON.stringify(redeemed.body));
    assert.equal(redeemed.body.scope, 'openid', 'the signed scope');
  });

  const refusals: [string, () => URL | Promise<URL>, RegExp][] = [
    ['an unsigned request object (alg none)', () => byValue(new UnsecuredJWT(requestClaims(newVerifier())).setIssuer('x').encode()), /not none/],
    [
      'one signed with a shared secret (HS256)',
      async () =>
        byValue(
          await new SignJWT(requestClaims(newVerifier()))
            .setProtectedHeader({ alg: 'HS256' })
            .setIssuer(web.clientId)
            .setAudience(fixture.issuer)
            .sign(new TextEncoder().encode('a shared secret that is long enough!')),
        ),
      /not HS256/,
    ],
    ['one signed with a key the app did not upload', async () => byValue(await sign(requestClaims(newVerifier()), { key: strangerKey })), /signature/],
    ['one issued by another client', async () => byValue(await sign(requestClaims(newVerifier()), { iss: 'someone-else' })), /iss claim/],
    ['one for another server (aud)', async () => byValue(await sign(requestClaims(newVerifier()), { aud: 'https://other.example' })), /aud claim/],
    ['an expired one', async () => byValue(await sign(requestClaims(newVerifier()), { exp: '-5m' })), /expired/],
    ['one that lives for a day', async () => byValue(await sign(requestClaims(newVerifier()), { exp: '1d' })), /longer than an hour/],
    ['another kind of JWT (typ at+jwt)', async () => byValue(await sign(requestClaims(newVerifier()), { typ: 'at+jwt' })), /typ is at\+jwt/],
    ['one naming another client_id', async () => byValue(await sign(requestClaims(newVerifier(), { client_id: keyless.clientId }))), /another client_id/],
    ['one holding a request_uri', async () => byValue(await sign(requestClaims(newVerifier(), { request_uri: 'urn:x' }))), /must not hold another/],
    [
      'one for an app without keys',
      async () => byValue(await sign(requestClaims(newVerifier(), { client_id: keyless.clientId }), { iss: keyless.clientId }), keyless.clientId),
      /no uploaded keys/,
    ],
    ['garbage', () => byValue('not.a.jwt'), /not a JWT/],
  ];
  for (const [label, build, description] of refusals) {
    test(`refused with invalid_request_object on an error page: ${label}`, async () => {
      const html = await refusedPage(await build());
      assert.match(html, /invalid_request_object/);
      assert.match(html, description);
    });
  }

  test('a request object by value and a request_uri together are invalid_request', async () => {
    const html = await refusedPage(byValue(await sign(requestClaims(newVerifier())), web.clientId, { request_uri: 'https://client.example.test/r' }));
    assert.match(html, /invalid_request/);
    assert.match(html, /either by value \(request\) or by reference \(request_uri\), not both/);
  });

  test('a request object pushed to PAR is checked there: a bad signature is a JSON invalid_request_object', async () => {
    const response = await fetch(`${fixture.issuer}/oauth2/par`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${web.clientId}:${web.clientSecret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ client_id: web.clientId, request: await sign(requestClaims(newVerifier()), { key: strangerKey }) }),
    });
    assert.equal(response.status, 400);
    const body = (await response.json()) as { error: string; error_description: string };
    assert.equal(body.error, 'invalid_request_object');
    assert.match(body.error_description, /signature/);
  });
});
