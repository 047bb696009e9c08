// The JWT bearer grant proves the app, not the user (RFC 7523 §2.1, RFC 9700 §4.15): a token for a
// user is issued only when that user consented to the app for what it asks, or an administrator
// pre-authorized them for it. Membership and the first-party flag are never enough. The jti is
// required by default and single use; exp lies no further ahead than the server's maximum.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { allManagementScopes, operatorActor } from '../../src/domain/access/actor.js';
import { ApiCaller } from '../support/api.js';
import { authorizeUrl, obtainCode, postForm, tokenUrl } from '../support/flows.js';
import { apiIdentifier, FormBrowser, oauthFixture, redirectUri, type OAuthFixture } from '../support/oauth.js';
import { createTestDatabase, postgresSkipReason, type TestDatabase } from '../support/postgres.js';

const jwtBearer = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

interface Problem {
  status: number;
  detail: string;
}

const stores: { name: string; skip: string | false; database: () => Promise<TestDatabase | undefined> }[] = [
  { name: 'SQLite', skip: false, database: () => Promise.resolve(undefined) },
  { name: 'PostgreSQL', skip: postgresSkipReason, database: () => createTestDatabase() },
];

for (const store of stores) {
  describe(`JWT bearer grant: who authorized the token (${store.name})`, { skip: store.skip }, () => {
    let fixture: OAuthFixture;
    let database: TestDatabase | undefined;
    let app: { clientId: string; clientSecret: string | null };
    let key: CryptoKey;
    let counter = 0;
    const operator = { actor: operatorActor };
    const registry = () => fixture.server.server.runtime.registry;

    async function jwtApp(settings: Record<string, unknown> = {}) {
      const created = await fixture.createApp({
        name: `Integration ${++counter}`,
        type: 'web',
        redirectUris: [redirectUri],
        grantTypes: ['authorization_code', jwtBearer],
        scopes: ['openid', 'email', 'read:contacts', 'write:contacts'],
        ...settings,
      });
      const pair = await generateKeyPair('ES256', { extractable: true });
      await registry().apps.addCertificate(operator, created.clientId, JSON.stringify(await exportJWK(pair.publicKey)));
      return { ...created, key: pair.privateKey };
    }

    function assertion(clientId: string, signingKey: CryptoKey, sub: string, claims: Record<string, unknown> = {}) {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ iss: clientId, sub, aud: fixture.issuer, iat: now, exp: now + 120, jti: crypto.randomUUID(), ...claims })
        .setProtectedHeader({ alg: 'ES256' })
        .sign(signingKey);
    }

    const grant = async (clientId: string, signingKey: CryptoKey, sub: string, form: Record<string, string>, claims: Record<string, unknown> = {}) =>
      postForm(tokenUrl(fixture), { grant_type: jwtBearer, assertion: await assertion(clientId, signingKey, sub, claims), ...form });

    before(async () => {
      database = await store.database();
      fixture = await oauthFixture(database ? { databaseUrl: database.url } : {});
      const made = await jwtApp();
      app = made;
      key = made.key;
    });
    after(async () => {
      await fixture?.stop();
      await database?.drop();
    });

    test("a member of the app's organization who never consented gets no token: membership is not an authorization", async () => {
      const response = await grant(app.clientId, key, fixture.user.email, { scope: 'openid' });
      assert.equal(response.status, 400);
      assert.equal(response.body.error, 'invalid_grant');
      assert.match(String(response.body.error_description), /has not authorized this app/);
    });

    test('a first-party app gets no token for a user who never consented: first-party is not an authorization', async () => {
      const firstParty = await jwtApp({ security: { firstParty: true } });
      const stranger = await fixture.createUser(`stranger-${++counter}@example.test`);
      for (const sub of [stranger.email, fixture.user.email]) {
        const response = await grant(firstParty.clientId, firstParty.key, sub, { scope: 'openid' });
        assert.equal(response.body.error, 'invalid_grant', sub);
      }
    });

    test("the user's own consent authorizes exactly what it covered", async () => {
      const consenting = await fixture.createMember(`consenting-${++counter}@example.test`);
      const code = await obtainCode({ ...fixture, user: consenting }, app.clientId, { scope: 'openid read:contacts', audience: apiIdentifier });
      assert.ok(code.code);
      const covered = await grant(app.clientId, key, consenting.email, { scope: 'openid read:contacts', audience: apiIdentifier });
      assert.equal(covered.status, 200, JSON.stringify(covered.body));
      const wider = await grant(app.clientId, key, consenting.email, { scope: 'openid read:contacts write:contacts', audience: apiIdentifier });
      assert.equal(wider.body.error, 'invalid_grant', 'a scope the user never consented to');
    });

    test('a server administrator pre-authorizes a user for some scopes and APIs: those and nothing more', async () => {
      const root = await registry().users.create(operator, { email: `root-${++counter}@example.test`, isAdmin: true });
      const rootApi = new ApiCaller(fixture.server, (await registry().tokens.create(operator, root.id, { name: 't', scopes: allManagementScopes })).token);
      const outsider = await fixture.createUser(`outsider-${counter}@example.test`);
      const made = await rootApi.post<{ id: string; authority: string }>(`/apps/${app.clientId}/pre-authorizations`, {
        user: outsider.email,
        scopes: ['openid', 'read:contacts'],
        audiences: [apiIdentifier],
      });
      assert.equal(made.status, 201, made.text);
      assert.equal(made.body.authority, 'server');
      assert.equal((await grant(app.clientId, key, outsider.id, { scope: 'openid read:contacts', audience: apiIdentifier })).status, 200);
      assert.equal((await grant(app.clientId, key, outsider.id, { scope: 'openid write:contacts', audience: apiIdentifier })).body.error, 'invalid_grant');
      const listed = await rootApi.get<{ items: { id: string; email: string }[] }>(`/apps/${app.clientId}/pre-authorizations`);
      assert.ok(listed.body.items.some((item) => item.id === made.body.id && item.email === outsider.email));

      const orgAdmin = await fixture.createUser(`org-admin-${++counter}@example.test`);
      await registry().orgs.putMember(operator, 'default', { userId: orgAdmin.id, role: 'admin' });
      const orgAdminApi = new ApiCaller(
        fixture.server,
        (await registry().tokens.create(operator, orgAdmin.id, { name: 't', scopes: allManagementScopes })).token,
      );
      const takeBack = await orgAdminApi.delete<Problem>(`/apps/${app.clientId}/pre-authorizations/${made.body.id}`);
      assert.equal(takeBack.status, 403, 'what a server administrator granted only a server administrator takes back');
      assert.equal((await rootApi.delete(`/apps/${app.clientId}/pre-authorizations/${made.body.id}`)).status, 204);
      assert.equal((await grant(app.clientId, key, outsider.id, { scope: 'openid read:contacts', audience: apiIdentifier })).body.error, 'invalid_grant');
    });

    test("an organization admin pre-authorizes a role of its members, for the organization's own APIs only", async () => {
      const orgAdmin = await fixture.createUser(`team-admin-${++counter}@example.test`);
      await registry().orgs.putMember(operator, 'default', { userId: orgAdmin.id, role: 'admin' });
      const adminApi = new ApiCaller(fixture.server, (await registry().tokens.create(operator, orgAdmin.id, { name: 't', scopes: allManagementScopes })).token);
      const developer = await fixture.createUser(`developer-${counter}@example.test`);
      await registry().orgs.putMember(operator, 'default', { userId: developer.id, role: 'developer' });
      const viewer = await fixture.createUser(`viewer-${counter}@example.test`);
      await registry().orgs.putMember(operator, 'default', { userId: viewer.id, role: 'viewer' });
      const outsider = await fixture.createUser(`not-a-member-${counter}@example.test`);

      const teamApp = await jwtApp();
      const made = await adminApi.post<{ authority: string }>(`/apps/${teamApp.clientId}/pre-authorizations`, {
        role: 'developer',
        scopes: ['openid', 'read:contacts'],
        audiences: [apiIdentifier],
      });
      assert.equal(made.status, 201, made.text);
      assert.equal(made.body.authority, 'organization');
      const asked = { scope: 'openid read:contacts', audience: apiIdentifier };
      assert.equal((await grant(teamApp.clientId, teamApp.key, developer.email, asked)).status, 200);
      assert.equal((await grant(teamApp.clientId, teamApp.key, viewer.email, asked)).body.error, 'invalid_grant', 'another role');
      await registry().orgs.removeMember(operator, 'default', developer.id);
      assert.equal((await grant(teamApp.clientId, teamApp.key, developer.email, asked)).body.error, 'invalid_grant', 'no longer a member');

      const forOutsider = await adminApi.post<Problem>(`/apps/${teamApp.clientId}/pre-authorizations`, { user: outsider.email, scopes: ['openid'] });
      assert.equal(forOutsider.status, 403);
      assert.match(forOutsider.body.detail, /only its members/);
      const management = `${fixture.issuer}/api/v1`;
      const forManagement = await adminApi.post<Problem>(`/apps/${teamApp.clientId}/pre-authorizations`, {
        role: 'developer',
        scopes: ['openid'],
        audiences: [management],
      });
      assert.equal(forManagement.status, 403);
      assert.match(forManagement.body.detail, /only a server administrator may pre-authorize anyone for the Latchkey management API/);
      const viewerApi = new ApiCaller(fixture.server, (await registry().tokens.create(operator, viewer.id, { name: 't', scopes: allManagementScopes })).token);
      assert.equal((await viewerApi.post(`/apps/${teamApp.clientId}/pre-authorizations`, { role: 'viewer', scopes: ['openid'] })).status, 403);
      const unknownScope = await adminApi.post<{ errors: { field: string }[] }>(`/apps/${teamApp.clientId}/pre-authorizations`, {
        role: 'viewer',
        scopes: ['profile'],
      });
      assert.equal(unknownScope.status, 400, 'only scopes the app may ask for');
    });

    test('a pre-authorization also spares the user the consent screen of the authorization code flow', async () => {
      const preAuthorized = await fixture.createUser(`spared-${++counter}@example.test`);
      await registry().preAuthorizations.create(operator, app.clientId, { user: preAuthorized.id, scopes: ['openid'] });
      const browser = new FormBrowser(fixture.issuer);
      const response = await browser.authorize(authorizeUrl(fixture.issuer, app.clientId), preAuthorized, 'deny');
      assert.equal(response.status, 303);
      assert.ok(new URL(response.headers.get('location')!).searchParams.get('code'), 'a code without asking (a deny would have been sent)');
    });

    test('the jti is required and single use by default', async () => {
      const trusted = await fixture.createUser(`jti-${++counter}@example.test`);
      await registry().preAuthorizations.create(operator, app.clientId, { user: trusted.id, scopes: ['openid'] });
      const missing = await grant(app.clientId, key, trusted.id, { scope: 'openid' }, { jti: undefined });
      assert.equal(missing.body.error, 'invalid_grant');
      assert.match(String(missing.body.error_description), /has no jti/);
      const once = await assertion(app.clientId, key, trusted.id, { jti: 'only-once' });
      assert.equal((await postForm(tokenUrl(fixture), { grant_type: jwtBearer, assertion: once, scope: 'openid' })).status, 200);
      const replayed = await postForm(tokenUrl(fixture), { grant_type: jwtBearer, assertion: once, scope: 'openid' });
      assert.match(String(replayed.body.error_description), /already used/);
      const longLived = await grant(app.clientId, key, trusted.id, { scope: 'openid' }, { exp: Math.floor(Date.now() / 1000) + 3700 });
      assert.match(String(longLived.body.error_description), /more than 3600 seconds ahead/);
    });
  });
}

describe("JWT bearer settings: a jti may be optional; the longest exp is the server's", () => {
  let fixture: OAuthFixture;
  let clientId: string;
  let key: CryptoKey;

  before(async () => {
    fixture = await oauthFixture({
      env: { LATCHKEY_GRANTS_JWT_BEARER_REQUIRE_JTI: 'false', LATCHKEY_GRANTS_JWT_BEARER_MAX_ASSERTION_LIFETIME_SECONDS: '60' },
    });
    const registry = fixture.server.server.runtime.registry;
    const created = await fixture.createApp({
      name: 'Legacy integration',
      type: 'web',
      redirectUris: [redirectUri],
      grantTypes: [jwtBearer],
      scopes: ['openid'],
    });
    clientId = created.clientId;
    const pair = await generateKeyPair('ES256', { extractable: true });
    key = pair.privateKey;
    await registry.apps.addCertificate({ actor: operatorActor }, clientId, JSON.stringify(await exportJWK(pair.publicKey)));
    await registry.preAuthorizations.create({ actor: operatorActor }, clientId, { user: fixture.user.id, scopes: ['openid'] });
  });
  after(() => fixture.stop());

  const signed = (expiresIn: number, jti?: string) =>
    new SignJWT(jti ? { jti } : {})
      .setProtectedHeader({ alg: 'ES256' })
      .setIssuer(clientId)
      .setSubject(fixture.user.id)
      .setAudience(fixture.issuer)
      .setExpirationTime(Math.floor(Date.now() / 1000) + expiresIn)
      .sign(key);

  test('without a jti when the server allows it', async () => {
    const response = await postForm(tokenUrl(fixture), { grant_type: jwtBearer, assertion: await signed(30), scope: 'openid' });
    assert.equal(response.status, 200, JSON.stringify(response.body));
  });

  test('exp beyond the configured maximum is refused', async () => {
    const response = await postForm(tokenUrl(fixture), { grant_type: jwtBearer, assertion: await signed(120, crypto.randomUUID()), scope: 'openid' });
    assert.equal(response.body.error, 'invalid_grant');
    assert.match(String(response.body.error_description), /more than 60 seconds ahead/);
  });
});
