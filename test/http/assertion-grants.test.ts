import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { exportJWK, generateKeyPair, importPKCS8, SignJWT, type CryptoKey } from 'jose';
import { operatorActor } from '../../src/domain/access/actor.js';
import { obtainCode, postForm, redeem, tokenUrl } from '../support/flows.js';
import { apiIdentifier, oauthFixture, redirectUri, type OAuthFixture } from '../support/oauth.js';

const jwtBearer = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const exchange = 'urn:ietf:params:oauth:grant-type:token-exchange';
const accessTokenType = 'urn:ietf:params:oauth:token-type:access_token';
const fixtureFile = (name: string) => readFileSync(new URL(`../fixtures/certificates/${name}`, import.meta.url), 'utf8');
const decode = (token: unknown) => JSON.parse(Buffer.from(String(token).split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;

describe('JWT bearer grant (RFC 7523 §2.1)', () => {
  let fixture: OAuthFixture;
  let app: { clientId: string; clientSecret: string | null };
  let key: CryptoKey;

  before(async () => {
    fixture = await oauthFixture();
    app = await fixture.createApp({
      name: 'Integration',
      type: 'web',
      redirectUris: [redirectUri],
      grantTypes: ['urn:ietf:params:oauth:grant-type:jwt-bearer'],
      scopes: ['openid', 'email', 'read:contacts'],
    });
    const pair = await generateKeyPair('ES256', { extractable: true });
    key = pair.privateKey;
    await fixture.server.server.runtime.registry.apps.addCertificate({ actor: operatorActor }, app.clientId, JSON.stringify(await exportJWK(pair.publicKey)));
    // Membership alone authorizes nothing: an administrator pre-authorizes the user (RFC 7523 §2.1).
    await fixture.server.server.runtime.registry.preAuthorizations.create({ actor: operatorActor }, app.clientId, {
      user: fixture.user.id,
      scopes: ['openid', 'email', 'read:contacts'],
      audiences: [apiIdentifier],
    });
  });
  after(() => fixture.stop());

  function assertion(claims: Record<string, unknown> = {}, signingKey: CryptoKey = key, alg = 'ES256') {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ iss: app.clientId, sub: fixture.user.email, aud: fixture.issuer, iat: now, exp: now + 300, jti: crypto.randomUUID(), ...claims })
      .setProtectedHeader({ alg })
      .sign(signingKey);
  }
  const request = (jwt: string, extra: Record<string, string> = {}) => postForm(tokenUrl(fixture), { grant_type: jwtBearer, assertion: jwt, ...extra });

  test('a signed assertion naming a user gets a token for that user, without a secret', async () => {
    const response = await request(await assertion(), { scope: 'openid email read:contacts', audience: apiIdentifier });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    const claims = decode(response.body.access_token);
    assert.equal(claims.sub, fixture.user.id);
    assert.equal(claims.aud, apiIdentifier);
    assert.equal(decode(response.body.id_token).email, fixture.user.email);
    assert.equal(response.body.refresh_token, undefined);
  });

  test('an assertion signed with the key of an uploaded X.509 certificate', async () => {
    const certApp = await fixture.createApp({ name: 'Cert app', type: 'web', redirectUris: [redirectUri], grantTypes: [jwtBearer], scopes: ['openid'] });
    await fixture.server.server.runtime.registry.apps.addCertificate({ actor: operatorActor }, certApp.clientId, fixtureFile('rsa-valid.pem'));
    await fixture.server.server.runtime.registry.preAuthorizations.create({ actor: operatorActor }, certApp.clientId, {
      user: fixture.user.id,
      scopes: ['openid'],
    });
    const privateKey = await importPKCS8(fixtureFile('rsa-valid.key'), 'RS256');
    const jwt = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256' })
      .setIssuer(certApp.clientId)
      .setSubject(fixture.user.id)
      .setAudience(`${fixture.issuer}/oauth2/token`)
      .setExpirationTime('2m')
      .setJti(crypto.randomUUID())
      .sign(privateKey);
    const response = await postForm(tokenUrl(fixture), { grant_type: jwtBearer, assertion: jwt, scope: 'openid' });
    assert.equal(response.status, 200, JSON.stringify(response.body));
  });

  const refusals: [string, () => Promise<string>, RegExp][] = [
    ['a replayed jti (RFC 7523 §3)', () => Promise.resolve('replay'), /already used/],
    ['a key the app did not upload', async () => assertion({}, (await generateKeyPair('ES256')).privateKey), /signature does not match/],
    ['an expired assertion', async () => assertion({ exp: Math.floor(Date.now() / 1000) - 120 }), /expired/],
    ['another audience', async () => assertion({ aud: 'https://elsewhere.example' }), /aud claim is not valid/],
    ['an unknown user', async () => assertion({ sub: 'nobody@example.test' }), /names no user/],
    [
      'an assertion whose exp lies further ahead than the server allows (an hour)',
      async () => assertion({ exp: Math.floor(Date.now() / 1000) + 7200 }),
      /more than 3600 seconds ahead/,
    ],
    ['an assertion without a jti', async () => assertion({ jti: undefined }), /has no jti/],
  ];
  for (const [label, make, message] of refusals) {
    test(`${label} is invalid_grant`, async () => {
      let jwt = await make();
      if (jwt === 'replay') {
        jwt = await assertion({ jti: 'fixed-jti' });
        assert.equal((await request(jwt, { scope: 'openid' })).status, 200);
      }
      const response = await request(jwt, { scope: 'openid' });
      assert.equal(response.status, 400);
      assert.equal(response.body.error, 'invalid_grant');
      assert.match(String(response.body.error_description), message);
    });
  }

  test("a user outside the app's organization who never consented is refused", async () => {
    const stranger = await fixture.createUser('stranger@example.test');
    const response = await request(await assertion({ sub: stranger.email }), { scope: 'openid' });
    assert.equal(response.body.error, 'invalid_grant');
    assert.match(String(response.body.error_description), /has not authorized this app/);
  });

  test('an app without the grant is unauthorized_client', async () => {
    const other = await fixture.createApp({ name: 'No JWT', type: 'web', redirectUris: [redirectUri] });
    const jwt = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256' })
      .setIssuer(other.clientId)
      .setSubject(fixture.user.email)
      .setAudience(fixture.issuer)
      .setExpirationTime('1m')
      .sign(key);
    const response = await postForm(tokenUrl(fixture), { grant_type: jwtBearer, assertion: jwt });
    assert.equal(response.body.error, 'unauthorized_client');
  });
});

describe('token exchange (RFC 8693)', () => {
  let fixture: OAuthFixture;
  let web: { clientId: string; clientSecret: string | null };
  let service: { clientId: string; clientSecret: string | null };
  let subject: Record<string, unknown>;
  const downstream = 'https://downstream.example.test';
  const billing = 'https://billing.example.test';

  before(async () => {
    fixture = await oauthFixture();
    const registry = fixture.server.server.runtime.registry;
    await registry.apis.create({ actor: operatorActor }, fixture.orgId, {
      identifier: downstream,
      name: 'Downstream',
      scopes: [{ name: 'read:contacts' }, { name: 'export:contacts' }],
    });
    await registry.apis.create({ actor: operatorActor }, fixture.orgId, { identifier: billing, name: 'Billing', scopes: [{ name: 'read:invoices' }] });
    web = await fixture.createApp({
      name: 'Front',
      type: 'web',
      redirectUris: [redirectUri],
      grantTypes: ['authorization_code', 'refresh_token'],
      scopes: ['openid', 'offline_access', 'read:contacts', 'write:contacts', 'export:contacts'],
      security: { firstParty: true },
    });
    // The service may reach the downstream API with read:contacts only, and Billing not at all.
    service = await fixture.createApp({
      name: 'Contacts service',
      type: 'm2m',
      grantTypes: [exchange, 'client_credentials'],
      apiGrants: [{ audience: downstream, scopes: ['read:contacts'] }],
    });
    const code = await obtainCode(fixture, web.clientId, { scope: 'openid offline_access read:contacts write:contacts', audience: apiIdentifier });
    subject = (await redeem(fixture, code, web.clientId, web.clientSecret)).body;
  });
  after(() => fixture.stop());

  const exchangeFor = (extra: Record<string, string>, client = service) =>
    postForm(
      tokenUrl(fixture),
      { grant_type: exchange, subject_token: String(subject.access_token), subject_token_type: accessTokenType, audience: downstream, ...extra },
      { basic: [client.clientId, client.clientSecret!] },
    );

  test("an API trades the user's token for one aimed downstream: same user, act names the API, never longer-lived", async () => {
    const response = await exchangeFor({ scope: 'read:contacts' });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.equal(response.body.issued_token_type, accessTokenType);
    assert.equal(response.body.token_type, 'Bearer');
    const claims = decode(response.body.access_token);
    const original = decode(subject.access_token);
    assert.equal(claims.sub, original.sub);
    assert.equal(claims.aud, downstream);
    assert.deepEqual(claims.act, { sub: service.clientId });
    assert.equal(claims.scope, 'read:contacts');
    assert.ok(Number(claims.exp) <= Number(original.exp));
  });

  test('an app that allows impersonation gets, without an actor token, a token with no act (RFC 8693 §1.1); with one, delegation', async () => {
    const impersonator = await fixture.createApp({
      name: 'Impersonating service',
      type: 'm2m',
      grantTypes: [exchange, 'client_credentials'],
      apiGrants: [{ audience: downstream, scopes: ['read:contacts'] }],
      security: { tokenExchangeImpersonation: true },
    });
    const impersonated = await exchangeFor({ scope: 'read:contacts' }, impersonator);
    assert.equal(impersonated.status, 200, JSON.stringify(impersonated.body));
    const claims = decode(impersonated.body.access_token);
    assert.equal(claims.sub, decode(subject.access_token).sub);
    assert.equal(claims.act, undefined, 'impersonation: nothing says the app acts');
    const introspected = await postForm(
      `${fixture.issuer}/oauth2/introspect`,
      { token: String(impersonated.body.access_token) },
      { basic: [impersonator.clientId, impersonator.clientSecret!] },
    );
    assert.equal(introspected.body.act, undefined);

    // An actor token still makes it delegation, whatever the setting.
    const actor = await postForm(
      tokenUrl(fixture),
      { grant_type: 'client_credentials', audience: downstream },
      { basic: [service.clientId, service.clientSecret!] },
    );
    const delegated = await exchangeFor(
      { scope: 'read:contacts', actor_token: String(actor.body.access_token), actor_token_type: accessTokenType },
      impersonator,
    );
    assert.equal(delegated.status, 200, JSON.stringify(delegated.body));
    assert.deepEqual(decode(delegated.body.access_token).act, { sub: service.clientId });
  });

  test("without a scope parameter the new token gets only the subject's scopes that apply to the target and that the app may hold", async () => {
    const response = await exchangeFor({});
    assert.equal(response.status, 200, JSON.stringify(response.body));
    // Not openid, offline_access or write:contacts: those are not the downstream API's.
    assert.equal(response.body.scope, 'read:contacts');
    assert.equal(decode(response.body.access_token).scope, 'read:contacts');
  });

  test("a token's scopes for one API are not carried to another", async () => {
    const response = await exchangeFor({ scope: 'read:contacts write:contacts' });
    assert.equal(response.status, 400);
    assert.equal(response.body.error, 'invalid_scope');
    assert.match(String(response.body.error_description), /write:contacts is not a scope of https:\/\/downstream\.example\.test/);
  });

  test('the scope can not grow beyond the subject token, nor beyond what the app may hold for the target', async () => {
    const lacking = await exchangeFor({ scope: 'read:contacts export:contacts' });
    assert.equal(lacking.body.error, 'invalid_scope');
    assert.match(String(lacking.body.error_description), /subject token lacks: export:contacts/);
    // A subject token that holds export:contacts for the downstream API: the service still may not.
    const code = await obtainCode(fixture, web.clientId, { scope: 'read:contacts export:contacts', audience: downstream });
    const wide = (await redeem(fixture, code, web.clientId, web.clientSecret)).body;
    const refused = await exchangeFor({ subject_token: String(wide.access_token), scope: 'export:contacts' });
    assert.equal(refused.body.error, 'invalid_scope');
    assert.match(String(refused.body.error_description), /may not hold the export:contacts scope/);
    const narrowed = await exchangeFor({ subject_token: String(wide.access_token) });
    assert.equal(narrowed.body.scope, 'read:contacts');
  });

  test('the target must be an API the app may reach', async () => {
    const response = await exchangeFor({ audience: billing });
    assert.equal(response.status, 400);
    assert.equal(response.body.error, 'invalid_target');
    assert.match(String(response.body.error_description), /may not reach https:\/\/billing\.example\.test/);
  });

  test('an access token is not accepted as an ID token, and only access tokens are issued', async () => {
    assert.equal((await exchangeFor({ subject_token_type: 'urn:ietf:params:oauth:token-type:id_token' })).body.error, 'invalid_request');
    assert.equal((await exchangeFor({ requested_token_type: 'urn:ietf:params:oauth:token-type:refresh_token' })).body.error, 'invalid_request');
  });

  test('an invalid subject or actor token is invalid_request (RFC 8693 §2.2.2); a missing target is invalid_target', async () => {
    const invalid = await exchangeFor({ subject_token: 'nope' });
    assert.equal(invalid.status, 400);
    assert.equal(invalid.body.error, 'invalid_request');
    assert.match(String(invalid.body.error_description), /subject_token is not an active access token/);
    const actor = await exchangeFor({ actor_token: 'nope', actor_token_type: accessTokenType });
    assert.equal(actor.body.error, 'invalid_request');
    assert.match(String(actor.body.error_description), /actor_token is not an active access token/);
    const response = await postForm(
      tokenUrl(fixture),
      { grant_type: exchange, subject_token: String(subject.access_token), subject_token_type: accessTokenType },
      { basic: [service.clientId, service.clientSecret!] },
    );
    assert.equal(response.body.error, 'invalid_target');
  });

  test("a subject or actor token of another organization's app is invalid_request", async () => {
    const registry = fixture.server.server.runtime.registry;
    const other = await registry.orgs.create({ actor: operatorActor }, { name: 'elsewhere' });
    const otherApi = 'https://elsewhere.example.test';
    await registry.apis.create({ actor: operatorActor }, other.id, { identifier: otherApi, name: 'Elsewhere', scopes: [{ name: 'read:contacts' }] });
    const { app, clientSecret } = await registry.apps.create({ actor: operatorActor }, other.id, {
      name: 'Elsewhere worker',
      type: 'm2m',
      apiGrants: [{ audience: otherApi, scopes: ['read:contacts'] }],
    });
    const foreign = await postForm(tokenUrl(fixture), { grant_type: 'client_credentials' }, { basic: [app.clientId, clientSecret!] });
    assert.equal(foreign.status, 200, JSON.stringify(foreign.body));
    const asSubject = await exchangeFor({ subject_token: String(foreign.body.access_token) });
    assert.equal(asSubject.body.error, 'invalid_request');
    assert.match(String(asSubject.body.error_description), /another organization's app/);
    const asActor = await exchangeFor({ actor_token: String(foreign.body.access_token), actor_token_type: accessTokenType });
    assert.equal(asActor.body.error, 'invalid_request');
    assert.match(String(asActor.body.error_description), /another organization's app/);
  });

  test('revoking the original grant revokes the exchanged token, and the revoked subject token is then invalid_request', async () => {
    const exchanged = await exchangeFor({});
    const introspect = (token: unknown) =>
      postForm(`${fixture.issuer}/oauth2/introspect`, { token: String(token) }, { basic: [service.clientId, service.clientSecret!] });
    assert.equal((await introspect(exchanged.body.access_token)).body.active, true);
    await postForm(`${fixture.issuer}/oauth2/revoke`, { token: String(subject.refresh_token) }, { basic: [web.clientId, web.clientSecret!] });
    assert.equal((await introspect(exchanged.body.access_token)).body.active, false);
    const again = await exchangeFor({});
    assert.equal(again.body.error, 'invalid_request');
  });
});
