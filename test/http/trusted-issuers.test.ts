// Trusted issuers (RFC 7523 §3, as ORY Hydra's trust relationships): an app trusts an external
// issuer, whose JWTs signed with one of its keys may name the subjects and ask for the scopes the
// relationship allows. The user must still have consented to the app or been pre-authorized for it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { exportJWK, exportPKCS8, generateKeyPair, importPKCS8, SignJWT, type CryptoKey, type JWK } from 'jose';
import { operatorActor } from '../../src/domain/access/actor.js';
import { userWithToken, type ApiCaller } from '../support/api.js';
import { postForm, tokenUrl } from '../support/flows.js';
import { apiIdentifier, oauthFixture, redirectUri, type OAuthFixture } from '../support/oauth.js';
import { createTestDatabase, postgresSkipReason, type TestDatabase } from '../support/postgres.js';

const jwtBearer = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const partner = 'https://partner.example.test';
const fixtureFile = (name: string) => readFileSync(new URL(`../fixtures/certificates/${name}`, import.meta.url), 'utf8');
const decode = (token: unknown) => JSON.parse(Buffer.from(String(token).split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;

type Problem = { status: number; detail: string; errors?: { field: string; message: string }[] };
type TrustedIssuer = {
  id: string;
  issuer: string;
  keys: { kid: string | null; alg: string | null }[];
  subjects: string[];
  allowAnySubject: boolean;
  scopes: string[];
  expiresAt: string | null;
};
type App = { clientId: string; clientSecret: string | null };

const stores: { name: string; skip: string | false; database: () => Promise<TestDatabase | undefined> }[] = [
  { name: 'SQLite', skip: false, database: () => Promise.resolve(undefined) },
  { name: 'PostgreSQL', skip: postgresSkipReason, database: () => createTestDatabase() },
];

for (const store of stores)
  describe(`trusted issuers: JWT bearer assertions from external issuers, RFC 7523 §3 (${store.name})`, { skip: store.skip }, () => {
    let fixture: OAuthFixture;
    let database: TestDatabase | undefined;
    let admin: ApiCaller;
    let app: App;
    let partnerKey: CryptoKey;
    let partnerJwks: string;
    let counter = 0;
    const registry = () => fixture.server.server.runtime.registry;

    async function jwtApp(settings: Record<string, unknown> = {}): Promise<App> {
      const made = await fixture.createApp({
        name: `Partner app ${++counter}`,
        type: 'web',
        redirectUris: [redirectUri],
        grantTypes: ['authorization_code', jwtBearer],
        scopes: ['openid', 'email', 'read:contacts', 'write:contacts'],
        ...settings,
      });
      await registry().preAuthorizations.create({ actor: operatorActor }, made.clientId, {
        user: fixture.user.id,
        scopes: ['openid', 'email', 'read:contacts', 'write:contacts'],
        audiences: [apiIdentifier],
      });
      return made;
    }

    const trust = (clientId: string, body: Record<string, unknown>) => admin.post<TrustedIssuer & Problem>(`/apps/${clientId}/trusted-issuers`, body);

    function assertion(claims: Record<string, unknown> = {}, signingKey: CryptoKey = partnerKey, alg = 'ES256') {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ iss: partner, sub: fixture.user.email, aud: fixture.issuer, iat: now, exp: now + 120, jti: crypto.randomUUID(), ...claims })
        .setProtectedHeader({ alg })
        .sign(signingKey);
    }

    const grant = (jwt: string, form: Record<string, string> = {}, client: App = app) =>
      postForm(tokenUrl(fixture), { grant_type: jwtBearer, assertion: jwt, ...form }, { basic: [client.clientId, client.clientSecret!] });

    before(async () => {
      database = await store.database();
      fixture = await oauthFixture(database ? { databaseUrl: database.url } : {});
      admin = (await userWithToken(fixture.server, { role: 'admin' })).api;
      const pair = await generateKeyPair('ES256', { extractable: true });
      partnerKey = pair.privateKey;
      partnerJwks = JSON.stringify({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'partner-1' }] });
      app = await jwtApp();
      const made = await trust(app.clientId, { issuer: partner, keys: partnerJwks, subjects: [fixture.user.email], scopes: ['openid', 'read:contacts'] });
      assert.equal(made.status, 201, JSON.stringify(made.body));
    });
    after(async () => {
      await fixture?.stop();
      await database?.drop();
    });

    test('an assertion of a trusted issuer, for a subject it may name, gets a token for that user within its scopes', async () => {
      const response = await grant(await assertion(), { scope: 'openid read:contacts', audience: apiIdentifier });
      assert.equal(response.status, 200, JSON.stringify(response.body));
      const claims = decode(response.body.access_token);
      assert.equal(claims.sub, fixture.user.id);
      assert.equal(claims.scope, 'openid read:contacts');
    });

    test("without a scope parameter the token gets the relationship's scopes", async () => {
      const response = await grant(await assertion(), { audience: apiIdentifier });
      assert.equal(response.status, 200, JSON.stringify(response.body));
      assert.equal(decode(response.body.access_token).scope, 'openid read:contacts');
    });

    test('the relationship is listed, audited and shown in the OpenAPI document', async () => {
      const listed = await admin.get<{ items: TrustedIssuer[] }>(`/apps/${app.clientId}/trusted-issuers`);
      assert.equal(listed.status, 200);
      assert.deepEqual(
        listed.body.items.map((item) => [item.issuer, item.keys[0]?.kid, item.keys[0]?.alg, item.subjects, item.scopes]),
        [[partner, 'partner-1', 'ES256', [fixture.user.email], ['openid', 'read:contacts']]],
      );
      const audit = await admin.get<{ items: { action: string; targetId: string }[] }>('/orgs/default/audit?perPage=50');
      assert.ok(audit.body.items.some((item) => item.action === 'app.trusted_issuer_added' && item.targetId === app.clientId));
      const openapi = await fetch(`${fixture.issuer}/api/v1/openapi.json`).then((response) => response.json() as Promise<{ paths: Record<string, unknown> }>);
      assert.ok(openapi.paths['/apps/{clientId}/trusted-issuers']);
      assert.ok(openapi.paths['/apps/{clientId}/trusted-issuers/{id}']);
    });

    test('an assertion of a trusted issuer needs the app to authenticate as well', async () => {
      const response = await postForm(tokenUrl(fixture), { grant_type: jwtBearer, assertion: await assertion(), client_id: app.clientId, scope: 'openid' });
      assert.equal(response.status, 401);
      assert.equal(response.body.error, 'invalid_client');
      assert.match(String(response.body.error_description), /trusted issuer needs the app to authenticate/);
    });

    test('an issuer the app does not trust is invalid_grant', async () => {
      const response = await grant(await assertion({ iss: 'https://stranger.example.test' }), { scope: 'openid' });
      assert.equal(response.body.error, 'invalid_grant');
      assert.match(String(response.body.error_description), /neither this app's client_id nor an issuer this app trusts/);
    });

    test('another app does not share the trust: relationships are per app', async () => {
      const other = await jwtApp();
      const response = await grant(await assertion(), { scope: 'openid' }, other);
      assert.equal(response.body.error, 'invalid_grant');
      assert.match(String(response.body.error_description), /nor an issuer this app trusts/);
    });

    test('a subject the relationship does not allow is invalid_grant', async () => {
      const other = await fixture.createMember(`bob-${++counter}@example.test`);
      await registry().preAuthorizations.create({ actor: operatorActor }, app.clientId, { user: other.id, scopes: ['openid'], audiences: [apiIdentifier] });
      const response = await grant(await assertion({ sub: other.email }), { scope: 'openid' });
      assert.equal(response.body.error, 'invalid_grant');
      assert.match(
        String(response.body.error_description),
        /is not one of the subjects this app's trust relationship with https:\/\/partner\.example\.test allows/,
      );
    });

    test('a scope beyond the relationship is invalid_scope, even one the user was pre-authorized for', async () => {
      const response = await grant(await assertion(), { scope: 'openid write:contacts', audience: apiIdentifier });
      assert.equal(response.status, 400);
      assert.equal(response.body.error, 'invalid_scope');
      assert.match(String(response.body.error_description), /allows only openid read:contacts: write:contacts is beyond it/);
    });

    test('the consent rule still applies: a subject the issuer may name, who never authorized the app, gets nothing', async () => {
      const fresh = await fixture.createApp({
        name: `Unauthorized ${++counter}`,
        type: 'web',
        redirectUris: [redirectUri],
        grantTypes: [jwtBearer],
        scopes: ['openid'],
      });
      assert.equal((await trust(fresh.clientId, { issuer: partner, keys: partnerJwks, allowAnySubject: true, scopes: ['openid'] })).status, 201);
      const response = await grant(await assertion(), { scope: 'openid' }, fresh);
      assert.equal(response.body.error, 'invalid_grant');
      assert.match(String(response.body.error_description), /has not authorized this app/);
    });

    test('an assertion signed with another key is invalid_grant', async () => {
      const intruder = await generateKeyPair('ES256');
      const response = await grant(await assertion({}, intruder.privateKey), { scope: 'openid' });
      assert.equal(response.body.error, 'invalid_grant');
      assert.match(String(response.body.error_description), /signature does not match the keys of the trusted issuer/);
    });

    test("a replayed jti is refused, and a trusted issuer's jti is used once across the apps that trust it", async () => {
      const jwt = await assertion();
      assert.equal((await grant(jwt, { scope: 'openid' })).status, 200);
      const replay = await grant(jwt, { scope: 'openid' });
      assert.equal(replay.body.error, 'invalid_grant');
      assert.match(String(replay.body.error_description), /already used/);

      const second = await jwtApp();
      assert.equal((await trust(second.clientId, { issuer: partner, keys: partnerJwks, allowAnySubject: true, scopes: ['openid'] })).status, 201);
      const elsewhere = await grant(jwt, { scope: 'openid' }, second);
      assert.equal(elsewhere.body.error, 'invalid_grant');
      assert.match(String(elsewhere.body.error_description), /already used/);
    });

    test('an expired relationship is ignored: its issuer is unknown again', async () => {
      const lapsed = await jwtApp();
      await fixture.server.server.runtime.storage.apps.insertTrustedIssuer({
        id: `tis_lapsed${counter}`,
        clientId: lapsed.clientId,
        issuer: partner,
        keys: (JSON.parse(partnerJwks) as { keys: JWK[] }).keys,
        subjects: [],
        allowAnySubject: true,
        scopes: ['openid'],
        expiresAt: Date.now() - 1000,
        createdBy: 'test',
        createdAt: Date.now() - 5000,
      });
      const response = await grant(await assertion(), { scope: 'openid' }, lapsed);
      assert.equal(response.body.error, 'invalid_grant');
      assert.match(String(response.body.error_description), /nor an issuer this app trusts/);
    });

    test('a PEM certificate may hold the keys, trusted until the certificate ends; an issuer may be a URN', async () => {
      const certApp = await jwtApp();
      const made = await trust(certApp.clientId, {
        issuer: 'urn:example:partner',
        keys: fixtureFile('rsa-valid.pem'),
        allowAnySubject: true,
        scopes: ['openid'],
      });
      assert.equal(made.status, 201, JSON.stringify(made.body));
      assert.ok(made.body.expiresAt, "the certificate's end caps the relationship's");
      const key = await importPKCS8(fixtureFile('rsa-valid.key'), 'RS256');
      const response = await grant(await assertion({ iss: 'urn:example:partner' }, key, 'RS256'), { scope: 'openid' }, certApp);
      assert.equal(response.status, 200, JSON.stringify(response.body));
    });

    test('deleting the relationship ends the trust at once', async () => {
      const ending = await jwtApp();
      const made = await trust(ending.clientId, { issuer: partner, keys: partnerJwks, allowAnySubject: true, scopes: ['openid'] });
      assert.equal((await grant(await assertion(), { scope: 'openid' }, ending)).status, 200);
      assert.equal((await admin.delete(`/apps/${ending.clientId}/trusted-issuers/${made.body.id}`)).status, 204);
      assert.equal((await grant(await assertion(), { scope: 'openid' }, ending)).body.error, 'invalid_grant');
      assert.equal((await admin.delete(`/apps/${ending.clientId}/trusted-issuers/${made.body.id}`)).status, 404);
    });

    describe('registration is validated, field by field, and saves nothing on error', () => {
      async function refused(body: Record<string, unknown>, field: string, message: RegExp, clientId = app.clientId) {
        const before = (await admin.get<{ items: unknown[] }>(`/apps/${clientId}/trusted-issuers`)).body.items.length;
        const response = await trust(clientId, body);
        assert.equal(response.status, 400, JSON.stringify(response.body));
        const problem = response.body.errors?.find((error) => error.field === field);
        assert.ok(problem, `a problem for ${field}: ${JSON.stringify(response.body)}`);
        assert.match(problem.message, message);
        assert.equal((await admin.get<{ items: unknown[] }>(`/apps/${clientId}/trusted-issuers`)).body.items.length, before);
      }
      const valid = () => ({ issuer: 'https://other.example.test', keys: partnerJwks, allowAnySubject: true, scopes: ['openid'] });

      test('a private JWK is refused', async () => {
        const pair = await generateKeyPair('ES256', { extractable: true });
        await refused({ ...valid(), keys: JSON.stringify(await exportJWK(pair.privateKey)) }, 'keys', /private key material/);
      });
      test('a PEM private key is refused', async () => {
        const pair = await generateKeyPair('ES256', { extractable: true });
        await refused({ ...valid(), keys: await exportPKCS8(pair.privateKey) }, 'keys', /private key material/);
      });
      test('keys that are not keys are refused', async () => {
        await refused({ ...valid(), keys: 'hello' }, 'keys', /expected a PEM certificate/);
      });
      test('a symmetric key is refused', async () => {
        await refused({ ...valid(), keys: JSON.stringify({ kty: 'oct', k: 'c2VjcmV0' }) }, 'keys', /private key material|symmetric/);
      });
      test('a key for an algorithm outside the assertion algorithms is refused', async () => {
        const pair = await generateKeyPair('ES256', { extractable: true });
        await refused({ ...valid(), keys: JSON.stringify({ ...(await exportJWK(pair.publicKey)), alg: 'HS256' }) }, 'keys', /alg HS256/);
      });
      test('a plain http issuer is refused, and so is one that is not an absolute URI', async () => {
        await refused({ ...valid(), issuer: 'http://partner.example.test' }, 'issuer', /must be an https URL/);
        await refused({ ...valid(), issuer: 'partner' }, 'issuer', /absolute URI/);
        await refused({ ...valid(), issuer: 'https://partner.example.test/#x' }, 'issuer', /without a fragment/);
      });
      test('a scope the app may not ask for is refused', async () => {
        await refused({ ...valid(), scopes: ['openid', 'admin:everything'] }, 'scopes[1]', /not one of the scopes this app may ask for/);
      });
      test('subjects and allowAnySubject: one or the other', async () => {
        await refused({ ...valid(), subjects: ['a@example.test'] }, 'subjects', /not both/);
        await refused({ ...valid(), allowAnySubject: false }, 'subjects', /name the subjects/);
      });
      test('an expiry in the past is refused', async () => {
        await refused({ ...valid(), expiresAt: '2000-01-01T00:00:00Z' }, 'expiresAt', /in the future/);
      });
      test('the same issuer twice is a conflict', async () => {
        const response = await trust(app.clientId, { ...valid(), issuer: partner });
        assert.equal(response.status, 409);
        assert.match(response.body.detail, /already trusts/);
      });
      test('an app type that may not use the JWT bearer grant nor token exchange trusts no issuer', async () => {
        const spa = await fixture.createApp({ name: `SPA ${++counter}`, type: 'spa', redirectUris: [redirectUri] });
        const response = await trust(spa.clientId, valid());
        assert.equal(response.status, 409);
        assert.match(response.body.detail, /may use neither the JWT bearer grant nor token exchange/);
      });
    });
  });
