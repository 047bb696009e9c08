// Token exchange (RFC 8693) with ID tokens of this server and JWTs of trusted issuers as subject
// and actor tokens: the new token speaks for the same user, says who acts with act (§4.1), never
// outlives the subject token, and needs the user's authorization of the exchanging app.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { operatorActor } from '../../src/domain/access/actor.js';
import { obtainCode, postForm, redeem, tokenUrl } from '../support/flows.js';
import { oauthFixture, redirectUri, type OAuthFixture } from '../support/oauth.js';

const exchange = 'urn:ietf:params:oauth:grant-type:token-exchange';
const accessTokenType = 'urn:ietf:params:oauth:token-type:access_token';
const idTokenType = 'urn:ietf:params:oauth:token-type:id_token';
const jwtType = 'urn:ietf:params:oauth:token-type:jwt';
const downstream = 'https://downstream.example.test';
const partner = 'https://partner.example.test';
const decode = (token: unknown) => JSON.parse(Buffer.from(String(token).split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;

type App = { clientId: string; clientSecret: string | null };

describe('token exchange of ID tokens and trusted issuers’ JWTs (RFC 8693 §2.1, §3)', () => {
  let fixture: OAuthFixture;
  let front: App;
  let service: App;
  let idToken: string;
  let partnerKey: CryptoKey;
  let partnerPublicJwk: JWK;
  let counter = 0;
  const registry = () => fixture.server.server.runtime.registry;
  const operator = { actor: operatorActor };

  /** An exchanging app that may reach the downstream API, trusts the partner for alice, and that alice was pre-authorized for. */
  async function exchangingApp(options: { preAuthorized?: boolean; trust?: boolean } = {}): Promise<App> {
    const app = await fixture.createApp({
      name: `Service ${++counter}`,
      type: 'm2m',
      grantTypes: [exchange, 'client_credentials'],
      scopes: ['read:contacts'],
      apiGrants: [{ audience: downstream, scopes: ['read:contacts', 'export:contacts'] }],
    });
    if (options.preAuthorized !== false) {
      await registry().preAuthorizations.create(operator, app.clientId, { user: fixture.user.id, scopes: ['read:contacts'], audiences: [downstream] });
    }
    if (options.trust !== false) {
      await registry().apps.addTrustedIssuer(operator, app.clientId, {
        issuer: partner,
        keys: JSON.stringify(partnerPublicJwk),
        subjects: [fixture.user.email],
        scopes: ['read:contacts'],
      });
    }
    return app;
  }

  function partnerJwt(claims: JWTPayload = {}, key?: CryptoKey) {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ iss: partner, sub: fixture.user.email, aud: fixture.issuer, iat: now, exp: now + 120, jti: crypto.randomUUID(), ...claims })
      .setProtectedHeader({ alg: 'ES256' })
      .sign(key ?? partnerKey);
  }

  /** A JWT signed with this server's own signing key, to forge what a flow can't make: an expired ID token, one for another organization. */
  function serverSigned(claims: JWTPayload, typ = 'JWT') {
    const { kid, privateKey } = fixture.server.server.runtime.signingKeys.signingKey('RS256');
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ iss: fixture.issuer, sub: fixture.user.id, aud: front.clientId, iat: now, exp: now + 300, ...claims })
      .setProtectedHeader({ alg: 'RS256', kid, typ })
      .sign(privateKey);
  }

  const exchangeFor = (form: Record<string, string>, client: App = service) =>
    postForm(tokenUrl(fixture), { grant_type: exchange, audience: downstream, ...form }, { basic: [client.clientId, client.clientSecret!] });

  before(async () => {
    fixture = await oauthFixture();
    await registry().apis.create(operator, fixture.orgId, {
      identifier: downstream,
      name: 'Downstream',
      scopes: [{ name: 'read:contacts' }, { name: 'export:contacts' }],
    });
    front = await fixture.createApp({
      name: 'Front',
      type: 'web',
      redirectUris: [redirectUri],
      grantTypes: ['authorization_code'],
      scopes: ['openid', 'email', 'read:contacts'],
      security: { firstParty: true },
    });
    const pair = await generateKeyPair('ES256', { extractable: true });
    partnerKey = pair.privateKey;
    partnerPublicJwk = await exportJWK(pair.publicKey);
    service = await exchangingApp();
    const code = await obtainCode(fixture, front.clientId, { scope: 'openid email' });
    const tokens = (await redeem(fixture, code, front.clientId, front.clientSecret)).body;
    idToken = String(tokens.id_token);
  });
  after(() => fixture.stop());

  describe('an ID token of this server as the subject', () => {
    test('becomes a token for its user aimed downstream, act naming the app, never outliving the ID token', async () => {
      const response = await exchangeFor({ subject_token: idToken, subject_token_type: idTokenType, scope: 'read:contacts' });
      assert.equal(response.status, 200, JSON.stringify(response.body));
      assert.equal(response.body.issued_token_type, accessTokenType);
      const claims = decode(response.body.access_token);
      assert.equal(claims.sub, fixture.user.id);
      assert.equal(claims.aud, downstream);
      assert.equal(claims.scope, 'read:contacts');
      assert.deepEqual(claims.act, { sub: service.clientId });
      assert.ok(Number(claims.exp) <= Number(decode(idToken).exp));
    });

    test('the new token stands on a grant of its own: disabling the user ends it', async () => {
      const bob = await fixture.createMember(`bob-${++counter}@example.test`);
      await registry().preAuthorizations.create(operator, service.clientId, { user: bob.id, scopes: ['read:contacts'], audiences: [downstream] });
      const response = await exchangeFor({ subject_token: await serverSigned({ sub: bob.id }), subject_token_type: idTokenType, scope: 'read:contacts' });
      assert.equal(response.status, 200, JSON.stringify(response.body));
      const introspect = () =>
        postForm(`${fixture.issuer}/oauth2/introspect`, { token: String(response.body.access_token) }, { basic: [service.clientId, service.clientSecret!] });
      assert.equal((await introspect()).body.active, true);
      await registry().users.update(operator, bob.id, { disabled: true });
      assert.equal((await introspect()).body.active, false);
    });

    test('the user must have authorized the exchanging app: an ID token grants no scope by itself', async () => {
      const unauthorized = await exchangingApp({ preAuthorized: false, trust: false });
      const response = await exchangeFor({ subject_token: idToken, subject_token_type: idTokenType, scope: 'read:contacts' }, unauthorized);
      assert.equal(response.body.error, 'invalid_grant');
      assert.match(String(response.body.error_description), /has not authorized this app/);
      const beyond = await exchangeFor({ subject_token: idToken, subject_token_type: idTokenType, scope: 'export:contacts' });
      assert.equal(beyond.body.error, 'invalid_grant', 'pre-authorized for read:contacts only');
    });

    const refusals: [string, () => Promise<string>, RegExp][] = [
      [
        'a JWT signed with a key this server does not publish',
        async () => new SignJWT({ iss: 'x' }).setProtectedHeader({ alg: 'ES256' }).sign((await generateKeyPair('ES256')).privateKey),
        /not an ID token of this server/,
      ],
      [
        'an expired ID token',
        () => serverSigned({ iat: Math.floor(Date.now() / 1000) - 600, exp: Math.floor(Date.now() / 1000) - 300 }),
        /not an ID token of this server/,
      ],
      ['an ID token of another issuer', () => serverSigned({ iss: 'https://elsewhere.example.test' }), /not an ID token of this server/],
      ['an access token sent as an ID token', () => serverSigned({}, 'at+jwt'), /not an ID token of this server/],
      ['a logout token sent as an ID token', () => serverSigned({}, 'logout+jwt'), /not an ID token of this server/],
      ['an ID token of an app that does not exist', () => serverSigned({ aud: 'no-such-app' }), /not an ID token of this server/],
    ];
    for (const [label, make, message] of refusals) {
      test(`${label} is invalid_request (RFC 8693 §2.2.2)`, async () => {
        const response = await exchangeFor({ subject_token: await make(), subject_token_type: idTokenType });
        assert.equal(response.status, 400);
        assert.equal(response.body.error, 'invalid_request');
        assert.match(String(response.body.error_description), message);
      });
    }

    test('an ID token of an app with pairwise subjects is invalid_request: its sub names no user', async () => {
      const pairwise = await fixture.createApp({
        name: `Pairwise ${++counter}`,
        type: 'web',
        redirectUris: [redirectUri],
        scopes: ['openid'],
        idToken: { subjectType: 'pairwise' },
      });
      const response = await exchangeFor({
        subject_token: await serverSigned({ aud: pairwise.clientId, sub: 'a-pairwise-subject' }),
        subject_token_type: idTokenType,
      });
      assert.equal(response.body.error, 'invalid_request');
      assert.match(String(response.body.error_description), /pairwise subjects \(OIDC Core §8\.1\)/);
    });

    test("an ID token of another organization's app is invalid_request", async () => {
      const other = await registry().orgs.create(operator, { name: `elsewhere-${++counter}` });
      const { app } = await registry().apps.create(operator, other.id, { name: 'Elsewhere', type: 'web', redirectUris: [redirectUri], scopes: ['openid'] });
      const response = await exchangeFor({ subject_token: await serverSigned({ aud: app.clientId }), subject_token_type: idTokenType });
      assert.equal(response.body.error, 'invalid_request');
      assert.match(String(response.body.error_description), /another organization's app/);
    });
  });

  describe("a trusted issuer's JWT as the subject", () => {
    test('becomes a token for the local user it names, act naming the app', async () => {
      const response = await exchangeFor({ subject_token: await partnerJwt(), subject_token_type: jwtType });
      assert.equal(response.status, 200, JSON.stringify(response.body));
      const claims = decode(response.body.access_token);
      assert.equal(claims.sub, fixture.user.id);
      assert.equal(claims.scope, 'read:contacts');
      assert.deepEqual(claims.act, { sub: service.clientId });
    });

    test("scopes beyond the relationship's are invalid_scope", async () => {
      const response = await exchangeFor({ subject_token: await partnerJwt(), subject_token_type: jwtType, scope: 'export:contacts' });
      assert.equal(response.body.error, 'invalid_scope');
      assert.match(String(response.body.error_description), /subject token lacks: export:contacts/);
    });

    const refusals: [string, () => Promise<string>, RegExp][] = [
      [
        'an issuer the app does not trust',
        () => partnerJwt({ iss: 'https://stranger.example.test' }),
        /neither this app's client_id nor an issuer this app trusts/,
      ],
      ['a subject the relationship does not allow', () => partnerJwt({ sub: 'mallory@example.test' }), /is not one of the subjects/],
      [
        'a JWT signed with another key',
        async () => partnerJwt({}, (await generateKeyPair('ES256')).privateKey),
        /signature does not match the keys of the trusted issuer/,
      ],
      ['a JWT for another audience', () => partnerJwt({ aud: 'https://elsewhere.example.test' }), /aud claim is not valid/],
      ['something that is not a JWT', () => Promise.resolve('nope'), /not a JWT of an issuer this app trusts/],
    ];
    for (const [label, make, message] of refusals) {
      test(`${label} is invalid_request (RFC 8693 §2.2.2)`, async () => {
        const response = await exchangeFor({ subject_token: await make(), subject_token_type: jwtType });
        assert.equal(response.status, 400);
        assert.equal(response.body.error, 'invalid_request');
        assert.match(String(response.body.error_description), message);
      });
    }

    test('a JWT is accepted once: a replayed jti is invalid_request', async () => {
      const jwt = await partnerJwt();
      assert.equal((await exchangeFor({ subject_token: jwt, subject_token_type: jwtType })).status, 200);
      const replay = await exchangeFor({ subject_token: jwt, subject_token_type: jwtType });
      assert.equal(replay.body.error, 'invalid_request');
      assert.match(String(replay.body.error_description), /already used/);
    });

    test('an expired relationship is ignored', async () => {
      const lapsed = await exchangingApp({ trust: false });
      await fixture.server.server.runtime.storage.apps.insertTrustedIssuer({
        id: `tis_lapsed_exchange${counter}`,
        clientId: lapsed.clientId,
        issuer: partner,
        keys: [partnerPublicJwk],
        subjects: [],
        allowAnySubject: true,
        scopes: ['read:contacts'],
        expiresAt: Date.now() - 1000,
        createdBy: 'test',
        createdAt: Date.now() - 5000,
      });
      const response = await exchangeFor({ subject_token: await partnerJwt(), subject_token_type: jwtType }, lapsed);
      assert.equal(response.body.error, 'invalid_request');
      assert.match(String(response.body.error_description), /nor an issuer this app trusts/);
    });
  });

  describe('actor tokens and the act chain (RFC 8693 §4.1)', () => {
    test('an ID token or a trusted JWT as the actor names its user in act; a chain nests the previous actor', async () => {
      const first = await exchangeFor({ subject_token: idToken, subject_token_type: idTokenType, scope: 'read:contacts' });
      assert.equal(first.status, 200, JSON.stringify(first.body));
      const actor = await fixture.createMember(`actor-${++counter}@example.test`);
      const actorIdToken = await serverSigned({ sub: actor.id });
      const second = await exchangeFor({
        subject_token: String(first.body.access_token),
        subject_token_type: accessTokenType,
        actor_token: actorIdToken,
        actor_token_type: idTokenType,
      });
      assert.equal(second.status, 200, JSON.stringify(second.body));
      assert.deepEqual(decode(second.body.access_token).act, { sub: actor.id, act: { sub: service.clientId } });

      const third = await exchangeFor({
        subject_token: String(second.body.access_token),
        subject_token_type: accessTokenType,
        actor_token: await partnerJwt(),
        actor_token_type: jwtType,
      });
      assert.equal(third.status, 200, JSON.stringify(third.body));
      assert.deepEqual(decode(third.body.access_token).act, { sub: fixture.user.id, act: { sub: actor.id, act: { sub: service.clientId } } });
    });

    test('an invalid actor token of either type is invalid_request', async () => {
      for (const [token, type] of [
        [await serverSigned({ iss: 'https://elsewhere.example.test' }), idTokenType],
        [await partnerJwt({ sub: 'mallory@example.test' }), jwtType],
      ] as const) {
        const response = await exchangeFor({
          subject_token: idToken,
          subject_token_type: idTokenType,
          scope: 'read:contacts',
          actor_token: token,
          actor_token_type: type,
        });
        assert.equal(response.body.error, 'invalid_request', type);
        assert.match(String(response.body.error_description), /the actor_token/);
      }
    });
  });

  test('unsupported or missing token types are invalid_request naming the supported ones', async () => {
    const subject = await exchangeFor({ subject_token: idToken, subject_token_type: 'urn:ietf:params:oauth:token-type:saml2' });
    assert.equal(subject.body.error, 'invalid_request');
    assert.match(String(subject.body.error_description), new RegExp(`send one of ${accessTokenType}, ${idTokenType}, ${jwtType}`));
    const actor = await exchangeFor({ subject_token: idToken, subject_token_type: idTokenType, actor_token: idToken, actor_token_type: 'urn:x' });
    assert.equal(actor.body.error, 'invalid_request');
    assert.match(String(actor.body.error_description), /actor_token_type urn:x is not supported: send one of/);
    const missing = await exchangeFor({ subject_token: idToken, subject_token_type: idTokenType, actor_token: idToken });
    assert.equal(missing.body.error, 'invalid_request');
    assert.match(String(missing.body.error_description), /actor_token_type is required with actor_token/);
  });
});
