import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import * as oauth from 'oauth4webapi';
import * as client from 'openid-client';
import { operatorActor } from '../../src/domain/access/actor.js';
import { authorizeUrl, newVerifier, postForm, redeem, tokenUrl } from '../support/flows.js';
import { FormBrowser, oauthFixture, redirectUri, type OAuthFixture } from '../support/oauth.js';

const insecure = { [oauth.allowInsecureRequests]: true } as const;
const pwd = 'urn:latchkey:acr:pwd';

type App = { clientId: string; clientSecret: string | null };

/** Follows an authorization request through sign-in and consent; the consent page it was shown, if any, with the last response. */
async function walk(browser: FormBrowser, url: URL, login: { email: string; password: string }): Promise<{ response: Response; consentPage: string | null }> {
  const response = await browser.authorize(url, login);
  return { response, consentPage: browser.consentPage };
}

function callbackOf(response: Response): URLSearchParams {
  const location = response.headers.get('location');
  assert.ok(location, `expected a redirect to the app, got ${response.status}`);
  return new URL(location).searchParams;
}

describe('the claims parameter (OIDC Core §5.5)', () => {
  let fixture: OAuthFixture;
  /** An app whose ID tokens carry no claims of its scopes: only what is asked for by name. */
  let lean: App;
  let profileOnly: App;
  let privateKey: CryptoKey;

  before(async () => {
    fixture = await oauthFixture();
    lean = await fixture.createApp({
      name: 'Lean',
      type: 'web',
      redirectUris: [redirectUri],
      grantTypes: ['authorization_code', 'refresh_token'],
      scopes: ['openid', 'profile', 'email', 'offline_access'],
      idToken: { includeStandardClaims: false },
    });
    profileOnly = await fixture.createApp({ name: 'Profile only', type: 'web', redirectUris: [redirectUri], scopes: ['openid', 'profile'] });
    const pair = await generateKeyPair('ES256', { extractable: true });
    privateKey = pair.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), alg: 'ES256', use: 'sig', kid: 'claims-key' };
    await fixture.server.server.runtime.registry.apps.addCertificate({ actor: operatorActor }, lean.clientId, JSON.stringify(jwk));
  });
  after(() => fixture.stop());

  const configurationOf = (app: App) =>
    client.discovery(new URL(fixture.issuer), app.clientId, undefined, client.ClientSecretBasic(app.clientSecret!), {
      execute: [client.allowInsecureRequests],
    });

  const requested = {
    id_token: { email: { essential: true }, auth_time: { essential: true }, acr: { values: [pwd] } },
    userinfo: { name: null, email_verified: null },
  };

  test('openid-client sends claims: the ID token and userinfo carry what each member asks for, consented to on the consent page, and refresh keeps it', async () => {
    const configuration = await configurationOf(lean);
    assert.equal(configuration.serverMetadata().claims_parameter_supported, true);
    const user = await fixture.createMember('claims-rp@example.test');
    const verifier = client.randomPKCECodeVerifier();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(configuration, {
      redirect_uri: redirectUri,
      scope: 'openid offline_access',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: 'claims-state',
      nonce,
      claims: JSON.stringify(requested),
    });
    const browser = new FormBrowser(fixture.issuer);
    const { response, consentPage } = await walk(browser, url, user);
    assert.ok(consentPage, 'the user was asked');
    // Claims beyond the scope asked for are on the consent page, each in words.
    assert.match(consentPage, /See your email address<\/span>\s*<span class="scope-name"><code>email<\/code>/);
    assert.match(consentPage, /See your name<\/span>\s*<span class="scope-name"><code>name<\/code>/);
    assert.match(consentPage, /<code>email_verified<\/code>/);
    assert.doesNotMatch(consentPage, /<code>auth_time<\/code>/, 'claims about the sign-in need no consent');

    const tokens = await client.authorizationCodeGrant(configuration, new URL(response.headers.get('location')!), {
      pkceCodeVerifier: verifier,
      expectedState: 'claims-state',
      expectedNonce: nonce,
    });
    const idToken = tokens.claims()!;
    assert.equal(idToken.sub, user.id);
    assert.equal(idToken.email, user.email, 'asked for in id_token');
    assert.equal(typeof idToken.auth_time, 'number', 'auth_time asked for as essential (OIDC Core §5.5.1)');
    assert.equal(idToken.acr, pwd);
    assert.equal(idToken.name, undefined, 'asked for in userinfo only');
    assert.equal(idToken.email_verified, undefined, 'asked for in userinfo only');

    const access = decodeJwt(tokens.access_token);
    for (const claim of ['email', 'name', 'email_verified']) assert.equal(access[claim], undefined, `no ${claim} in the access token`);

    const userinfo = await client.fetchUserInfo(configuration, tokens.access_token, user.id);
    assert.equal(userinfo.name, 'claims-rp');
    assert.equal(userinfo.email_verified, true);
    assert.equal(userinfo.email, undefined, 'asked for in the ID token only');

    // OIDC Core §12.2: the refreshed ID token answers the same request.
    const refreshed = await client.refreshTokenGrant(configuration, tokens.refresh_token!);
    const again = refreshed.claims()!;
    assert.equal(again.email, user.email);
    assert.equal(again.auth_time, idToken.auth_time);
    assert.equal(again.acr, pwd);
    assert.equal(again.name, undefined);
    const refreshedInfo = await client.fetchUserInfo(configuration, refreshed.access_token, user.id);
    assert.equal(refreshedInfo.name, 'claims-rp', 'userinfo with a refreshed token of the grant answers the same request');

    // The consent is remembered, claims and all; a claim not consented to yet needs consent.
    const same = await browser.get(
      authorizeUrl(fixture.issuer, lean.clientId, { prompt: 'none', scope: 'openid offline_access', claims: JSON.stringify(requested) }),
    );
    assert.ok(callbackOf(same).get('code'), 'consented before');
    const more = await browser.get(
      authorizeUrl(fixture.issuer, lean.clientId, {
        prompt: 'none',
        scope: 'openid offline_access',
        claims: JSON.stringify({ userinfo: { given_name: null } }),
      }),
    );
    assert.equal(callbackOf(more).get('error'), 'consent_required');
  });

  test('claims the scopes already cover need no consent of their own; unknown claims are ignored', async () => {
    const user = await fixture.createMember('claims-covered@example.test');
    const browser = new FormBrowser(fixture.issuer);
    const verifier = newVerifier();
    const claims = JSON.stringify({ id_token: { email: { essential: true }, shoe_size: { essential: true } } });
    const { response, consentPage } = await walk(browser, authorizeUrl(fixture.issuer, lean.clientId, { scope: 'openid email', claims }, verifier), user);
    assert.ok(consentPage);
    assert.doesNotMatch(consentPage, /<code>email_verified<\/code>|shoe_size/);
    const redeemed = await redeem(fixture, { code: callbackOf(response).get('code')!, verifier }, lean.clientId, lean.clientSecret);
    assert.equal(redeemed.status, 200, JSON.stringify(redeemed.body));
    const idToken = decodeJwt(String(redeemed.body.id_token));
    assert.equal(idToken.email, user.email);
    assert.equal(idToken.email_verified, undefined, 'the app puts no scope claims in ID tokens; only email was asked for by name');
    assert.equal(idToken.shoe_size, undefined);
  });

  test("an administrator's pre-authorization covers a claim asked for by name when it names the claim's scope", async () => {
    const user = await fixture.createMember('claims-preauthorized@example.test');
    await fixture.server.server.runtime.registry.preAuthorizations.create({ actor: operatorActor }, lean.clientId, {
      user: user.id,
      scopes: ['openid', 'email'],
    });
    const browser = new FormBrowser(fixture.issuer);
    const verifier = newVerifier();
    const covered = await walk(browser, authorizeUrl(fixture.issuer, lean.clientId, { claims: JSON.stringify({ id_token: { email: null } }) }, verifier), user);
    assert.equal(covered.consentPage, null, 'email is pre-authorized: no consent page');
    const redeemed = await redeem(fixture, { code: callbackOf(covered.response).get('code')!, verifier }, lean.clientId, lean.clientSecret);
    assert.equal(decodeJwt(String(redeemed.body.id_token)).email, user.email);
    const beyond = await browser.get(authorizeUrl(fixture.issuer, lean.clientId, { prompt: 'none', claims: JSON.stringify({ userinfo: { name: null } }) }));
    assert.equal(callbackOf(beyond).get('error'), 'consent_required', 'profile is not pre-authorized');
  });

  test('a claim of a scope the app may not ask for is not released, even when asked for by name', async () => {
    const user = await fixture.createMember('claims-beyond-app@example.test');
    const verifier = newVerifier();
    const claims = JSON.stringify({ id_token: { email: { essential: true } }, userinfo: { email: null } });
    const { response, consentPage } = await walk(
      new FormBrowser(fixture.issuer),
      authorizeUrl(fixture.issuer, profileOnly.clientId, { claims }, verifier),
      user,
    );
    assert.doesNotMatch(consentPage ?? '', /<code>email<\/code>/);
    const redeemed = await redeem(fixture, { code: callbackOf(response).get('code')!, verifier }, profileOnly.clientId, profileOnly.clientSecret);
    assert.equal(decodeJwt(String(redeemed.body.id_token)).email, undefined);
    const userinfo = await fetch(`${fixture.issuer}/oauth2/userinfo`, { headers: { authorization: `Bearer ${String(redeemed.body.access_token)}` } });
    assert.equal(((await userinfo.json()) as Record<string, unknown>).email, undefined);
  });

  test('in a signed request object the claims parameter is a JSON object (OIDC Core §6.1)', async () => {
    const user = await fixture.createMember('claims-jar@example.test');
    const configuration = await configurationOf(lean);
    const verifier = client.randomPKCECodeVerifier();
    const url = await client.buildAuthorizationUrlWithJAR(
      configuration,
      {
        redirect_uri: redirectUri,
        scope: 'openid',
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state: 'jar-claims',
        // openid-client puts it into the request object as the JSON object it stands for.
        claims: JSON.stringify({ id_token: { email: { essential: true } } }),
      },
      { key: privateKey, kid: 'claims-key' },
    );
    assert.deepEqual(decodeJwt(url.searchParams.get('request')!).claims, { id_token: { email: { essential: true } } });
    const { response } = await walk(new FormBrowser(fixture.issuer), url, user);
    const tokens = await client.authorizationCodeGrant(configuration, new URL(response.headers.get('location')!), {
      pkceCodeVerifier: verifier,
      expectedState: 'jar-claims',
    });
    assert.equal(tokens.claims()!.email, user.email);

    // As a string it is refused: a request object carries the object itself.
    const asText = await new SignJWT({
      client_id: lean.clientId,
      response_type: 'code',
      redirect_uri: redirectUri,
      scope: 'openid',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      claims: JSON.stringify({ id_token: { email: null } }),
    })
      .setProtectedHeader({ alg: 'ES256', typ: 'oauth-authz-req+jwt' })
      .setIssuer(lean.clientId)
      .setAudience(fixture.issuer)
      .setIssuedAt()
      .setExpirationTime('2m')
      .sign(privateKey);
    const refused = await fetch(`${fixture.issuer}/oauth2/authorize?${new URLSearchParams({ client_id: lean.clientId, request: asText }).toString()}`, {
      redirect: 'manual',
    });
    assert.equal(refused.status, 400);
    const html = await refused.text();
    assert.match(html, /invalid_request_object/);
    assert.match(html, /claims claim must be a JSON object, not a string/);
  });

  test('oauth4webapi pushes claims (PAR): they apply to the code the request_uri leads to; a malformed one is refused at the push', async () => {
    const user = await fixture.createMember('claims-par@example.test');
    const as = await oauth.processDiscoveryResponse(new URL(fixture.issuer), await oauth.discoveryRequest(new URL(fixture.issuer), insecure));
    const rp: oauth.Client = { client_id: lean.clientId };
    const auth = oauth.ClientSecretBasic(lean.clientSecret!);
    const verifier = oauth.generateRandomCodeVerifier();
    const parameters = new URLSearchParams({
      redirect_uri: redirectUri,
      scope: 'openid email',
      response_type: 'code',
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      claims: JSON.stringify({ id_token: { email_verified: null } }),
    });
    const pushed = await oauth.pushedAuthorizationRequest(as, rp, auth, parameters, insecure);
    const { request_uri } = await oauth.processPushedAuthorizationResponse(as, rp, pushed);
    const url = new URL(as.authorization_endpoint!);
    url.searchParams.set('client_id', lean.clientId);
    url.searchParams.set('request_uri', request_uri);
    const { response } = await walk(new FormBrowser(fixture.issuer), url, user);
    const redeemed = await redeem(fixture, { code: callbackOf(response).get('code')!, verifier }, lean.clientId, lean.clientSecret);
    const idToken = decodeJwt(String(redeemed.body.id_token));
    assert.equal(idToken.email_verified, true);
    assert.equal(idToken.email, undefined, 'not asked for by name, and the app puts no scope claims in ID tokens');

    parameters.set('claims', '{"id_token":["email"]}');
    const malformed = await postForm(`${fixture.issuer}/oauth2/par`, Object.fromEntries(parameters), { basic: [lean.clientId, lean.clientSecret!] });
    assert.equal(malformed.status, 400);
    assert.deepEqual(malformed.body, {
      error: 'invalid_request',
      error_description: 'claims.id_token must be a JSON object of claim requests (OIDC Core §5.5)',
    });
  });

  const malformed: [string, string, string][] = [
    ['not JSON', '{"id_token": {', 'claims must be a JSON object (OIDC Core §5.5)'],
    ['an array', '[]', 'claims must be a JSON object (OIDC Core §5.5)'],
    ['a string', '"email"', 'claims must be a JSON object (OIDC Core §5.5)'],
    ['userinfo not an object', '{"userinfo":"email"}', 'claims.userinfo must be a JSON object of claim requests (OIDC Core §5.5)'],
    ['id_token an array', '{"id_token":["email"]}', 'claims.id_token must be a JSON object of claim requests (OIDC Core §5.5)'],
    [
      'a claim neither null nor an object',
      '{"id_token":{"email":1}}',
      'claims.id_token.email must be null or an object with essential, value or values (OIDC Core §5.5)',
    ],
    ['essential not a boolean', '{"userinfo":{"email":{"essential":"yes"}}}', 'claims.userinfo.email.essential must be true or false (OIDC Core §5.5)'],
    ['values not an array', '{"id_token":{"acr":{"values":"urn:latchkey:acr:pwd"}}}', 'claims.id_token.acr.values must be an array (OIDC Core §5.5)'],
    ['too long', JSON.stringify({ userinfo: { email: { value: 'x'.repeat(5000) } } }), 'claims must be at most 4000 characters (OIDC Core §5.5)'],
  ];
  for (const [label, claims, description] of malformed) {
    test(`a malformed claims parameter goes back to the app as invalid_request: ${label}`, async () => {
      const response = await fetch(authorizeUrl(fixture.issuer, lean.clientId, { claims }), { redirect: 'manual' });
      assert.equal(response.status, 302);
      const callback = callbackOf(response);
      assert.equal(callback.get('error'), 'invalid_request');
      assert.equal(callback.get('error_description'), description);
      assert.equal(callback.get('state'), 'state-1');
    });
  }

  test('the claims parameter without the openid scope is invalid_request', async () => {
    const response = await fetch(authorizeUrl(fixture.issuer, lean.clientId, { scope: 'profile', claims: '{"userinfo":{"name":null}}' }), {
      redirect: 'manual',
    });
    const callback = callbackOf(response);
    assert.equal(callback.get('error'), 'invalid_request');
    assert.match(callback.get('error_description')!, /needs the openid scope.*§5\.5/);
  });

  test('an essential acr this server can not meet fails with unmet_authentication_requirements (OIDC Core §5.5.1.1)', async () => {
    const claims = JSON.stringify({ id_token: { acr: { essential: true, values: ['urn:example:acr:gold'] } } });
    const response = await fetch(authorizeUrl(fixture.issuer, lean.clientId, { claims }), { redirect: 'manual' });
    const callback = callbackOf(response);
    assert.equal(callback.get('error'), 'unmet_authentication_requirements');
    assert.match(callback.get('error_description')!, /urn:example:acr:gold.*§5\.5\.1\.1/);
    assert.equal(callback.get('iss'), fixture.issuer);
  });

  test('id_token.sub.value: the signed-in subject gets its code; another asks for a sign-in, and fails when someone else signs in', async () => {
    const user = await fixture.createMember('claims-sub@example.test');
    const other = await fixture.createMember('claims-sub-other@example.test');
    const browser = new FormBrowser(fixture.issuer);
    const subject = (sub: string) => JSON.stringify({ id_token: { sub: { value: sub } } });
    const verifier = newVerifier();
    const signedIn = await walk(browser, authorizeUrl(fixture.issuer, profileOnly.clientId, { claims: subject(user.id) }, verifier), user);
    const redeemed = await redeem(fixture, { code: callbackOf(signedIn.response).get('code')!, verifier }, profileOnly.clientId, profileOnly.clientSecret);
    assert.equal(decodeJwt(String(redeemed.body.id_token)).sub, user.id);

    const silent = await browser.get(authorizeUrl(fixture.issuer, profileOnly.clientId, { prompt: 'none', claims: subject(other.id) }));
    const refused = callbackOf(silent);
    assert.equal(refused.get('error'), 'login_required');
    assert.match(refused.get('error_description')!, /another subject than the signed-in user.*§5\.5\.1/);

    // Without prompt=none the sign-in page is shown; signing in as the session's user again does not make them the other one.
    const again = await walk(browser, authorizeUrl(fixture.issuer, profileOnly.clientId, { claims: subject(other.id) }), user);
    const failed = callbackOf(again.response);
    assert.equal(failed.get('error'), 'login_required');
    assert.match(failed.get('error_description')!, /not the subject the request asks for/);

    // Signing in as the subject asked for answers it.
    const switched = await walk(browser, authorizeUrl(fixture.issuer, profileOnly.clientId, { claims: subject(other.id) }), other);
    assert.ok(callbackOf(switched.response).get('code'));
  });

  test("id_token.sub.value of a pairwise app is the pairwise sub the app knows, not the user's id", async () => {
    const pairwise = await fixture.createApp({
      name: 'Pairwise',
      type: 'web',
      redirectUris: [redirectUri],
      scopes: ['openid', 'profile'],
      idToken: { subjectType: 'pairwise' },
    });
    const user = await fixture.createMember('claims-pairwise@example.test');
    const browser = new FormBrowser(fixture.issuer);
    const verifier = newVerifier();
    const first = await walk(browser, authorizeUrl(fixture.issuer, pairwise.clientId, {}, verifier), user);
    const redeemed = await redeem(fixture, { code: callbackOf(first.response).get('code')!, verifier }, pairwise.clientId, pairwise.clientSecret);
    const sub = decodeJwt(String(redeemed.body.id_token)).sub!;
    assert.notEqual(sub, user.id);
    const subject = (value: string) => JSON.stringify({ id_token: { sub: { value } } });
    const silent = await browser.get(authorizeUrl(fixture.issuer, pairwise.clientId, { prompt: 'none', claims: subject(sub) }));
    assert.ok(callbackOf(silent).get('code'), 'the pairwise sub names the signed-in user');
    const byId = await browser.get(authorizeUrl(fixture.issuer, pairwise.clientId, { prompt: 'none', claims: subject(user.id) }));
    assert.equal(callbackOf(byId).get('error'), 'login_required', "the user's id is not a subject this app knows");
  });

  test('a refreshed ID token of a grant without a claims request is as before', async () => {
    const user = await fixture.createMember('claims-none@example.test');
    const verifier = newVerifier();
    const { response } = await walk(
      new FormBrowser(fixture.issuer),
      authorizeUrl(fixture.issuer, lean.clientId, { scope: 'openid email offline_access' }, verifier),
      user,
    );
    const redeemed = await redeem(fixture, { code: callbackOf(response).get('code')!, verifier }, lean.clientId, lean.clientSecret);
    const refreshed = await postForm(
      tokenUrl(fixture),
      { grant_type: 'refresh_token', refresh_token: String(redeemed.body.refresh_token) },
      { basic: [lean.clientId, lean.clientSecret!], fetch: fixture.fetch },
    );
    assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
    assert.equal(decodeJwt(String(refreshed.body.id_token)).email, undefined);
  });
});
