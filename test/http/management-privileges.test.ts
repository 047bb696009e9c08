// No app setting an organization member can change lifts anyone's privileges: the management API
// is not an ordinary audience, first-party is a server administrator's to grant, apps acting for
// themselves have their grants and never a role, per-user credentials stop with their owner, and
// the audit log names who really acted. Each escalation chain found by attacking Latchkey from
// outside ends in a refusal here, on SQLite and on PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { allManagementScopes, operatorActor, type ManagementScope } from '../../src/domain/access/actor.js';
import { ApiCaller } from '../support/api.js';
import { authorizeUrl, newVerifier, postForm } from '../support/flows.js';
import { FormBrowser, hiddenField, password } from '../support/oauth.js';
import { createTestDatabase, postgresSkipReason, type TestDatabase } from '../support/postgres.js';
import { startTestServer, type TestServer } from '../support/server.js';

interface Problem {
  type: string;
  status: number;
  detail: string;
  errors?: { field: string; message: string }[];
}

const jwtBearer = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const tokenExchange = 'urn:ietf:params:oauth:grant-type:token-exchange';
const accessTokenType = 'urn:ietf:params:oauth:token-type:access_token';
const ownApi = 'https://reports.example.test';
const portalCallback = 'https://portal.example.test/cb';

function decode(token: unknown): Record<string, unknown> {
  return JSON.parse(Buffer.from(String(token).split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
}

const stores: { name: string; skip: string | false; database: () => Promise<TestDatabase | undefined> }[] = [
  { name: 'SQLite', skip: false, database: () => Promise.resolve(undefined) },
  { name: 'PostgreSQL', skip: postgresSkipReason, database: () => createTestDatabase() },
];
if (postgresSkipReason) console.log(`# ${postgresSkipReason}`);

for (const store of stores) {
  describe(`privileges of the management plane (${store.name})`, { skip: store.skip }, () => {
    let server: TestServer;
    let database: TestDatabase | undefined;
    let management: string;
    let counter = 0;
    const operator = { actor: operatorActor };
    const registry = () => server.server.runtime.registry;

    /** A user with a personal access token carrying every management scope; an administrator if asked. */
    async function person(options: { admin?: boolean; org?: string; role?: 'owner' | 'admin' | 'developer' | 'viewer'; scopes?: ManagementScope[] } = {}) {
      counter += 1;
      const email = `person-${counter}@example.test`;
      const user = await registry().users.create(operator, { email, name: `Person ${counter}`, isAdmin: options.admin ?? false });
      if (options.org && options.role) await registry().orgs.putMember(operator, options.org, { userId: user.id, role: options.role });
      const { token } = await registry().tokens.create(operator, user.id, { name: 'test', scopes: options.scopes ?? allManagementScopes });
      return { id: user.id, email, api: new ApiCaller(server, token) };
    }

    async function clientToken(clientId: string, secret: string, extra: Record<string, string> = {}) {
      return postForm(`${server.issuer}/oauth2/token`, { grant_type: 'client_credentials', ...extra }, { basic: [clientId, secret] });
    }

    async function uploadKey(api: ApiCaller, clientId: string): Promise<CryptoKey> {
      const pair = await generateKeyPair('ES256', { extractable: true });
      const upload = await api.post(`/apps/${clientId}/certificates`, { certificate: JSON.stringify(await exportJWK(pair.publicKey)) });
      assert.equal(upload.status, 201, upload.text);
      return pair.privateKey;
    }

    function assertion(clientId: string, key: CryptoKey, sub: string) {
      return new SignJWT({ jti: crypto.randomUUID() })
        .setProtectedHeader({ alg: 'ES256' })
        .setIssuer(clientId)
        .setSubject(sub)
        .setAudience(server.issuer)
        .setExpirationTime('2m')
        .sign(key);
    }

    before(async () => {
      database = await store.database();
      server = await startTestServer({ logLevel: 'warn', ...(database ? { databaseUrl: database.url } : {}) });
      management = `${server.issuer}/api/v1`;
    });
    after(async () => {
      await server?.stop();
      await database?.drop();
    });

    test('an organization app can not name the management API: not as default audience, not in apiGrants, not in per-user credentials', async () => {
      const owner = await person();
      assert.equal((await owner.api.post('/orgs', { name: `own-${counter}` })).status, 201);
      const org = `own-${counter}`;
      const asDefault = await owner.api.post<Problem>(`/orgs/${org}/apps`, {
        name: 'Sneaky',
        type: 'web',
        redirectUris: ['https://sneaky.example.test/cb'],
        defaultAudience: management,
      });
      assert.equal(asDefault.status, 400);
      assert.match(
        asDefault.body.errors?.find((problem) => problem.field === 'defaultAudience')?.message ?? '',
        /Latchkey management API: only apps a server administrator allows/,
      );
      const asGrant = await owner.api.post<Problem>(`/orgs/${org}/apps`, {
        name: 'Sneaky bot',
        type: 'm2m',
        apiGrants: [{ audience: management, scopes: ['apps:write'] }],
      });
      assert.equal(asGrant.status, 400);
      assert.match(asGrant.body.errors?.find((problem) => problem.field === 'apiGrants[0].audience')?.message ?? '', /Latchkey management API/);
      const asScope = await owner.api.post<Problem>(`/orgs/${org}/apps`, {
        name: 'Sneaky scopes',
        type: 'web',
        redirectUris: ['https://sneaky.example.test/cb'],
        scopes: ['openid', 'users:write'],
      });
      assert.equal(asScope.status, 400);
      assert.match(asScope.body.errors?.[0]?.message ?? '', /users:write is a scope of the Latchkey management API/);
      const asCredential = await owner.api.post<Problem>(`/orgs/${org}/credentials`, {
        name: 'Mine',
        apiGrants: [{ audience: management, scopes: ['apps:read'] }],
      });
      assert.equal(asCredential.status, 400);
      const flagged = await owner.api.post<Problem>(`/orgs/${org}/apps`, {
        name: 'Asks for it',
        type: 'm2m',
        apiGrants: [{ audience: management, scopes: ['apps:read'] }],
        security: { managementApiAccess: true },
      });
      assert.equal(flagged.status, 403);
      assert.match(flagged.body.detail, /only a server administrator may turn on security\.managementApiAccess/);
      const apps = await owner.api.get<{ items: unknown[] }>(`/orgs/${org}/apps`);
      assert.equal(apps.body.items.length, 0, 'nothing was saved');
    });

    test('marking an app first-party needs a server administrator: owners, admins and developers get a 403 that says who can', async () => {
      const org = `fp-${++counter}`;
      await registry().orgs.create(operator, { name: org });
      const body = { name: 'Trusted', type: 'web', redirectUris: ['https://trusted.example.test/cb'], security: { firstParty: true } };
      for (const role of ['owner', 'admin', 'developer'] as const) {
        const member = await person({ org, role });
        const created = await member.api.post<Problem>(`/orgs/${org}/apps`, body);
        assert.equal(created.status, 403, `${role}: ${created.text}`);
        assert.match(created.body.detail, /only a server administrator may turn on security\.firstParty/);
      }
      const owner = await person({ org, role: 'owner' });
      const plain = await owner.api.post<{ clientId: string }>(`/orgs/${org}/apps`, { ...body, security: {} });
      assert.equal(plain.status, 201);
      const patched = await owner.api.patch<Problem>(`/apps/${plain.body.clientId}`, { security: { firstParty: true } });
      assert.equal(patched.status, 403);
      assert.equal((await owner.api.get<{ security: { firstParty: boolean } }>(`/apps/${plain.body.clientId}`)).body.security.firstParty, false);

      const admin = await person({ admin: true });
      assert.equal((await admin.api.patch(`/apps/${plain.body.clientId}`, { security: { firstParty: true } })).status, 200);
      assert.equal((await owner.api.patch(`/apps/${plain.body.clientId}`, { description: 'other fields stay editable' })).status, 200);
      assert.equal(
        (await owner.api.patch(`/apps/${plain.body.clientId}`, { security: { firstParty: false } })).status,
        200,
        'turning it off lowers privileges',
      );
    });

    test('an app a server administrator allows the management API gets tokens for it with its grants and no role', async () => {
      const org = `bots-${++counter}`;
      await registry().orgs.create(operator, { name: org });
      await registry().orgs.create(operator, { name: `${org}-other` });
      const admin = await person({ admin: true });
      const created = await admin.api.post<{ clientId: string; clientSecret: string }>(`/orgs/${org}/apps`, {
        name: 'Automation',
        type: 'm2m',
        apiGrants: [{ audience: management, scopes: ['apps:read', 'apps:write', 'orgs:read', 'orgs:write', 'credentials:write', 'users:read'] }],
        security: { managementApiAccess: true },
      });
      assert.equal(created.status, 201, created.text);
      const { clientId, clientSecret } = created.body;
      const token = await clientToken(clientId, clientSecret, { audience: management });
      assert.equal(token.status, 200, JSON.stringify(token.body));
      assert.equal(decode(token.body.access_token).sub, clientId, 'a client token never carries a user (RFC 9700 §4.15)');
      const bot = new ApiCaller(server, String(token.body.access_token));

      assert.equal((await bot.get(`/orgs/${org}/apps`)).status, 200);
      assert.equal((await bot.post(`/orgs/${org}/apps`, { name: 'Made by a bot', type: 'device' })).status, 201, 'apps:write lets it create apps');
      const invite = await bot.post<Problem>(`/orgs/${org}/invitations`, { email: 'someone@example.test', role: 'owner' });
      assert.equal(invite.status, 403, 'members are for people, whatever the scopes');
      assert.match(invite.body.detail, /an app acting for itself may not/);
      const removeOrg = await bot.delete<Problem>(`/orgs/${org}`);
      assert.equal(removeOrg.status, 403);
      const credential = await bot.post<Problem>(`/orgs/${org}/credentials`, {
        name: 'x',
        userId: admin.id,
        apiGrants: [{ audience: management, scopes: ['apps:read'] }],
      });
      assert.equal(credential.status, 403);
      assert.equal((await bot.get(`/orgs/${org}-other/apps`)).status, 404, 'another organization does not exist for it');
      const users = await bot.get<Problem>('/users');
      assert.equal(users.status, 403, 'an app is never a server administrator');

      // Taken away: the tokens it holds stop at once.
      assert.equal((await admin.api.patch(`/apps/${clientId}`, { apiGrants: [], security: { managementApiAccess: false } })).status, 200);
      assert.equal((await bot.get(`/orgs/${org}/apps`)).status, 401);
      const again = await clientToken(clientId, clientSecret, { audience: management });
      assert.equal(again.status, 400, 'and it gets no new ones');
    });

    test('an app stored with the management API but without the permission (written before this rule) gets no token for it', async () => {
      const org = `legacy-${++counter}`;
      const orgRecord = await registry().orgs.create(operator, { name: org });
      const { app, clientSecret } = await registry().apps.create(operator, orgRecord.id, {
        name: 'Legacy bot',
        type: 'm2m',
        apiGrants: [{ audience: management, scopes: ['apps:read'] }],
        security: { managementApiAccess: true },
      });
      const { storage } = server.server.runtime;
      const stored = (await storage.apps.get(app.clientId))!;
      await storage.apps.update({ ...stored, settings: { ...stored.settings, security: { ...stored.settings.security, managementApiAccess: false } } });
      server.server.runtime.events.publish({ type: 'app.updated', orgId: orgRecord.id, clientId: app.clientId });
      const token = await clientToken(app.clientId, clientSecret!, { audience: management });
      assert.equal(token.status, 400);
      assert.equal(token.body.error, 'invalid_target');
      assert.match(String(token.body.error_description), /only apps a server administrator allowed/);
    });

    test('chain: a self-made organization, a first-party app with the management audience, a JWT bearer token for an administrator: refused at every step', async () => {
      const admin = await person({ admin: true });
      const attacker = await person();
      const org = `evil-${++counter}`;
      assert.equal((await attacker.api.post('/orgs', { name: org })).status, 201, 'anyone may still create an organization');
      const firstParty = await attacker.api.post<Problem>(`/orgs/${org}/apps`, {
        name: 'Evil',
        type: 'web',
        redirectUris: ['https://evil.example.test/cb'],
        grantTypes: [jwtBearer],
        defaultAudience: management,
        security: { firstParty: true },
      });
      assert.equal(firstParty.status, 403);
      const withAudience = await attacker.api.post<Problem>(`/orgs/${org}/apps`, {
        name: 'Evil',
        type: 'web',
        redirectUris: ['https://evil.example.test/cb'],
        grantTypes: [jwtBearer],
        defaultAudience: management,
      });
      assert.equal(withAudience.status, 400);
      const plain = await attacker.api.post<{ clientId: string }>(`/orgs/${org}/apps`, {
        name: 'Evil',
        type: 'web',
        redirectUris: ['https://evil.example.test/cb'],
        grantTypes: [jwtBearer],
        scopes: ['openid', 'email'],
      });
      assert.equal(plain.status, 201, plain.text);
      const key = await uploadKey(attacker.api, plain.body.clientId);
      const preAuthorize = await attacker.api.post<Problem>(`/apps/${plain.body.clientId}/pre-authorizations`, { user: admin.email, scopes: ['openid'] });
      assert.equal(preAuthorize.status, 403, 'an organization owner pre-authorizes only members');
      const pull = await attacker.api.post<Problem>(`/orgs/${org}/members`, { email: admin.email, role: 'viewer' });
      assert.equal(pull.status, 403, "joining an organization is the user's choice, not its owner's");

      const forManagement = await postForm(`${server.issuer}/oauth2/token`, {
        grant_type: jwtBearer,
        assertion: await assertion(plain.body.clientId, key, admin.email),
        audience: management,
      });
      assert.equal(forManagement.body.error, 'invalid_target');
      const forIdentity = await postForm(`${server.issuer}/oauth2/token`, {
        grant_type: jwtBearer,
        assertion: await assertion(plain.body.clientId, key, admin.email),
        scope: 'openid email',
      });
      assert.equal(forIdentity.status, 400);
      assert.equal(forIdentity.body.error, 'invalid_grant');
      assert.match(String(forIdentity.body.error_description), /has not authorized this app/);
    });

    test('chain: a developer, an m2m app with management grants, administrator actions: refused', async () => {
      const org = `dev-${++counter}`;
      await registry().orgs.create(operator, { name: org });
      const developer = await person({ org, role: 'developer' });
      const bot = await developer.api.post<Problem>(`/orgs/${org}/apps`, {
        name: 'My admin bot',
        type: 'm2m',
        apiGrants: [{ audience: management, scopes: ['orgs:write', 'users:write'] }],
      });
      assert.equal(bot.status, 400);
      const flagged = await developer.api.post<Problem>(`/orgs/${org}/apps`, {
        name: 'My admin bot',
        type: 'm2m',
        apiGrants: [{ audience: management, scopes: ['orgs:write', 'users:write'] }],
        security: { managementApiAccess: true },
      });
      assert.equal(flagged.status, 403);
    });

    test("chain: a first-party app without consent asks for an administrator's management token: refused unless the app is allowed it, and then the administrator is asked", async () => {
      const admin = await registry().users.create(operator, { email: `root-${++counter}@example.test`, password, isAdmin: true });
      const orgRecord = await registry().orgs.create(operator, { name: `fpm-${counter}` });
      // The portal is private to its organization: the administrator signs in as one of its members.
      await registry().orgs.putMember(operator, orgRecord.id, { userId: admin.id, role: 'viewer' });
      const portal = async (managementApiAccess: boolean) =>
        (
          await registry().apps.create(operator, orgRecord.id, {
            name: 'Trusted portal',
            type: 'spa',
            redirectUris: [portalCallback],
            scopes: managementApiAccess ? ['openid', 'apps:read'] : ['openid'],
            security: { firstParty: true, managementApiAccess },
          })
        ).app.clientId;
      const authorize = (clientId: string, scope: string, audience?: string) =>
        authorizeUrl(server.issuer, clientId, { redirect_uri: portalCallback, scope, ...(audience ? { audience } : {}) });

      const notAllowed = await portal(false);
      const refused = await new FormBrowser(server.issuer).get(authorize(notAllowed, 'openid', management));
      assert.equal(refused.status, 302);
      assert.equal(new URL(refused.headers.get('location')!).searchParams.get('error'), 'invalid_target');

      const allowed = await portal(true);
      const browser = new FormBrowser(server.issuer);
      const login = await browser.get(authorize(allowed, 'openid apps:read', management));
      const loginPage = await browser.get(new URL(login.headers.get('location')!, server.issuer));
      const html = await loginPage.text();
      const signedIn = await browser.post(/<form method="post" action="([^"]+)"/.exec(html)![1]!, {
        csrf: hiddenField(html, 'csrf')!,
        email: admin.email,
        password,
      });
      assert.equal(signedIn.status, 303);
      const next = signedIn.headers.get('location')!;
      assert.ok(next.startsWith(`${server.issuer}/interaction/`), `the administrator is asked to consent, not sent straight back: ${next}`);
      const consent = await (await browser.get(next)).text();
      assert.match(consent, /name="decision"/);

      // The same first-party app, for its organization's own scopes only: no consent screen.
      const quiet = await new FormBrowser(server.issuer).authorize(authorize(allowed, 'openid'), { email: admin.email, password });
      assert.equal(quiet.status, 303);
      assert.ok(quiet.headers.get('location')!.startsWith(portalCallback));
    });

    test('per-user client credentials never reach the management API and stop working when their owner leaves or is disabled', async () => {
      const org = `creds-${++counter}`;
      const reports = `${ownApi}/${counter}`;
      const orgRecord = await registry().orgs.create(operator, { name: org });
      await registry().apis.create(operator, orgRecord.id, { identifier: reports, name: 'Reports', scopes: [{ name: 'read:reports' }] });
      const owner = await person({ org, role: 'developer' });
      const made = await owner.api.post<{ clientId: string; clientSecret: string }>(`/orgs/${org}/credentials`, {
        name: 'My script',
        apiGrants: [{ audience: reports, scopes: ['read:reports'] }],
      });
      assert.equal(made.status, 201, made.text);
      const { clientId, clientSecret } = made.body;
      const admin = await person({ admin: true });
      const lifted = await admin.api.patch<Problem>(`/apps/${clientId}`, { security: { managementApiAccess: true } });
      assert.equal(lifted.status, 400, 'not even a server administrator gives credentials the management API');
      assert.match(lifted.body.errors?.[0]?.message ?? '', /per-user client credentials can never reach the Latchkey management API/);

      const token = await clientToken(clientId, clientSecret);
      assert.equal(token.status, 200, JSON.stringify(token.body));
      assert.notEqual(decode(token.body.access_token).sub, owner.id);
      const introspect = (value: unknown) => postForm(`${server.issuer}/oauth2/introspect`, { token: String(value) }, { basic: [clientId, clientSecret] });
      assert.equal((await introspect(token.body.access_token)).body.active, true);

      await registry().orgs.removeMember(operator, org, owner.id);
      const after = await clientToken(clientId, clientSecret);
      assert.equal(after.status, 400);
      assert.equal(after.body.error, 'unauthorized_client');
      assert.match(String(after.body.error_description), /no longer a member/);
      assert.equal((await introspect(token.body.access_token)).body.active, false, 'the tokens it got stop too');

      await registry().orgs.putMember(operator, org, { userId: owner.id, role: 'developer' });
      assert.equal((await clientToken(clientId, clientSecret)).status, 200, 'back when the owner is back');
      assert.equal((await admin.api.patch(`/users/${owner.id}`, { disabled: true })).status, 200);
      assert.equal((await clientToken(clientId, clientSecret)).body.error, 'unauthorized_client', 'and stopped when the owner is disabled');
    });

    test('a disabled user: their personal access tokens, sign-in sessions and tokens stop; they can not disable themselves', async () => {
      const admin = await person({ admin: true });
      const user = await person();
      assert.equal((await user.api.get('/me')).status, 200);
      const self = await admin.api.patch<Problem>(`/users/${admin.id}`, { disabled: true });
      assert.equal(self.status, 400);
      const changed = await admin.api.patch<{ disabled: boolean; disabledAt: string | null }>(`/users/${user.id}`, { disabled: true });
      assert.equal(changed.status, 200);
      assert.equal(changed.body.disabled, true);
      assert.equal((await user.api.get('/me')).status, 401);
      const byUser = await user.api.patch<Problem>(`/users/${user.id}`, { disabled: false });
      assert.equal(byUser.status, 401);
      assert.equal((await admin.api.patch(`/users/${user.id}`, { disabled: false })).status, 200);
      assert.equal((await user.api.get('/me')).status, 200);

      // Sign-in, the session it made, and the tokens it led to.
      const signer = await registry().users.create(operator, { email: `signs-in-${++counter}@example.test`, password });
      const orgRecord = await registry().orgs.create(operator, { name: `signin-${counter}` });
      await registry().orgs.putMember(operator, orgRecord.id, { userId: signer.id, role: 'viewer' });
      const { app, clientSecret } = await registry().apps.create(operator, orgRecord.id, {
        name: 'Notes',
        type: 'web',
        redirectUris: [portalCallback],
        grantTypes: ['authorization_code', 'refresh_token'],
        scopes: ['openid', 'offline_access'],
        security: { firstParty: true },
      });
      const browser = new FormBrowser(server.issuer);
      const verifier = newVerifier();
      const signedIn = await browser.authorize(
        authorizeUrl(server.issuer, app.clientId, { redirect_uri: portalCallback, scope: 'openid offline_access' }, verifier),
        { email: signer.email, password },
      );
      const code = new URL(signedIn.headers.get('location')!).searchParams.get('code')!;
      const tokens = await postForm(
        `${server.issuer}/oauth2/token`,
        { grant_type: 'authorization_code', code, redirect_uri: portalCallback, code_verifier: verifier },
        { basic: [app.clientId, clientSecret!] },
      );
      assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
      const introspect = (token: unknown) => postForm(`${server.issuer}/oauth2/introspect`, { token: String(token) }, { basic: [app.clientId, clientSecret!] });
      assert.equal((await introspect(tokens.body.access_token)).body.active, true);

      await registry().users.update(operator, signer.id, { disabled: true });
      assert.equal((await introspect(tokens.body.access_token)).body.active, false, 'its access tokens stop introspecting');
      const refreshed = await postForm(
        `${server.issuer}/oauth2/token`,
        { grant_type: 'refresh_token', refresh_token: String(tokens.body.refresh_token) },
        { basic: [app.clientId, clientSecret!] },
      );
      assert.equal(refreshed.body.error, 'invalid_grant');
      const silent = await browser.get(authorizeUrl(server.issuer, app.clientId, { redirect_uri: portalCallback, prompt: 'none' }));
      assert.equal(new URL(silent.headers.get('location')!).searchParams.get('error'), 'login_required', 'the sign-in session ended');
      const again = await new FormBrowser(server.issuer).authorize(authorizeUrl(server.issuer, app.clientId, { redirect_uri: portalCallback }), {
        email: signer.email,
        password,
      });
      assert.equal(again.status, 403);
      assert.match(await again.text(), /This account is disabled/);
      const audit = await admin.api.get<{ items: { action: string; targetId: string; changes: Record<string, unknown> }[] }>('/audit');
      assert.ok(audit.body.items.some((item) => item.action === 'user.updated' && item.targetId === user.id && item.changes.disabled === true));
    });

    test('organizations are self-service by default; with orgs.selfService off only server administrators create them', async () => {
      const closedDatabase = database ? await createTestDatabase() : undefined;
      const closed = await startTestServer({
        logLevel: 'warn',
        env: { LATCHKEY_ORGS_SELF_SERVICE: 'false' },
        ...(closedDatabase ? { databaseUrl: closedDatabase.url } : {}),
      });
      try {
        const userRecord = await closed.server.runtime.registry.users.create(operator, { email: 'someone@example.test' });
        const adminRecord = await closed.server.runtime.registry.users.create(operator, { email: 'root@example.test', isAdmin: true });
        const userApi = new ApiCaller(
          closed,
          (await closed.server.runtime.registry.tokens.create(operator, userRecord.id, { name: 't', scopes: ['orgs:write'] })).token,
        );
        const adminApi = new ApiCaller(
          closed,
          (await closed.server.runtime.registry.tokens.create(operator, adminRecord.id, { name: 't', scopes: ['orgs:write'] })).token,
        );
        const refused = await userApi.post<Problem>('/orgs', { name: 'mine' });
        assert.equal(refused.status, 403);
        assert.match(refused.body.detail, /orgs\.selfService/);
        assert.equal((await adminApi.post('/orgs', { name: 'theirs' })).status, 201);
      } finally {
        await closed.stop();
        await closedDatabase?.drop();
      }
      const open = await person();
      assert.equal((await open.api.post('/orgs', { name: `open-${counter}` })).status, 201);
    });

    test('audit tells the truth: actions through a JWT bearer or token-exchange token name the acting app (and act), client credentials the app', async () => {
      const admin = await person({ admin: true });
      const org = `audited-${++counter}`;
      const orgRecord = await registry().orgs.create(operator, { name: org });
      const member = await person({ org, role: 'admin' });
      const integration = await admin.api.post<{ clientId: string; clientSecret: string }>(`/orgs/${org}/apps`, {
        name: 'Reporting integration',
        type: 'web',
        redirectUris: ['https://reporting.example.test/cb'],
        grantTypes: [jwtBearer],
        scopes: ['apps:read', 'apps:write'],
        security: { managementApiAccess: true },
      });
      assert.equal(integration.status, 201, integration.text);
      const key = await uploadKey(admin.api, integration.body.clientId);
      const preAuthorized = await admin.api.post(`/apps/${integration.body.clientId}/pre-authorizations`, {
        user: member.email,
        scopes: ['apps:read', 'apps:write'],
        audiences: [management],
      });
      assert.equal(preAuthorized.status, 201, preAuthorized.text);
      const issued = await postForm(`${server.issuer}/oauth2/token`, {
        grant_type: jwtBearer,
        assertion: await assertion(integration.body.clientId, key, member.email),
        audience: management,
        scope: 'apps:read apps:write',
      });
      assert.equal(issued.status, 200, JSON.stringify(issued.body));
      const asMember = new ApiCaller(server, String(issued.body.access_token));
      const madeOk = await asMember.post<{ clientId: string }>(`/orgs/${org}/apps`, {
        name: 'Made through the integration',
        type: 'spa',
        redirectUris: ['https://spa.example.test/cb'],
      });
      assert.equal(madeOk.status, 201, madeOk.text);

      const exchanger = await admin.api.post<{ clientId: string; clientSecret: string }>(`/orgs/${org}/apps`, {
        name: 'Gateway',
        type: 'm2m',
        grantTypes: [tokenExchange],
        apiGrants: [{ audience: management, scopes: ['apps:write'] }],
        security: { managementApiAccess: true },
      });
      assert.equal(exchanger.status, 201, exchanger.text);
      const exchanged = await postForm(
        `${server.issuer}/oauth2/token`,
        {
          grant_type: tokenExchange,
          subject_token: String(issued.body.access_token),
          subject_token_type: accessTokenType,
          audience: management,
          scope: 'apps:write',
        },
        { basic: [exchanger.body.clientId, exchanger.body.clientSecret] },
      );
      assert.equal(exchanged.status, 200, JSON.stringify(exchanged.body));
      const delegated = new ApiCaller(server, String(exchanged.body.access_token));
      assert.equal((await delegated.patch(`/apps/${madeOk.body.clientId}`, { description: 'changed by the gateway' })).status, 200);

      const records = await registry().audit.list(operator, { orgId: orgRecord.id, offset: 0, limit: 50 });
      const created = records.items.find((item) => item.action === 'app.created' && item.targetId === madeOk.body.clientId);
      assert.equal(created?.actor.type, 'user');
      assert.equal(created?.actor.id, member.id);
      assert.deepEqual(created?.actor.client, { id: integration.body.clientId, name: 'Reporting integration' });
      const updated = records.items.find((item) => item.action === 'app.updated' && item.targetId === madeOk.body.clientId);
      assert.equal(updated?.actor.id, member.id);
      assert.deepEqual(updated?.actor.client, { id: exchanger.body.clientId, name: 'Gateway' });
      assert.deepEqual(updated?.actor.act, { sub: exchanger.body.clientId });
      const shown = await admin.api.get<{ items: { targetId: string; action: string; actor: { client?: { id: string } } }[] }>(`/orgs/${org}/audit`);
      assert.equal(
        shown.body.items.find((item) => item.action === 'app.updated' && item.targetId === madeOk.body.clientId)?.actor.client?.id,
        exchanger.body.clientId,
      );

      const bot = await admin.api.post<{ clientId: string; clientSecret: string }>(`/orgs/${org}/apps`, {
        name: 'Housekeeping',
        type: 'm2m',
        apiGrants: [{ audience: management, scopes: ['apps:write'] }],
        security: { managementApiAccess: true },
      });
      const botToken = await clientToken(bot.body.clientId, bot.body.clientSecret, { audience: management });
      assert.equal((await new ApiCaller(server, String(botToken.body.access_token)).delete(`/apps/${madeOk.body.clientId}`)).status, 204);
      const deleted = (await registry().audit.list(operator, { orgId: orgRecord.id, offset: 0, limit: 50 })).items.find(
        (item) => item.action === 'app.deleted' && item.targetId === madeOk.body.clientId,
      );
      assert.deepEqual({ type: deleted?.actor.type, id: deleted?.actor.id }, { type: 'client', id: bot.body.clientId });
    });

    test("a management token never carries more than its user's role allows: scopes are an upper bound", async () => {
      const org = `bounded-${++counter}`;
      const orgRecord = await registry().orgs.create(operator, { name: org });
      const viewer = await person({ org, role: 'viewer' });
      const admin = await person({ admin: true });
      const portal = await admin.api.post<{ clientId: string; clientSecret: string }>(`/orgs/${org}/apps`, {
        name: 'Admin portal',
        type: 'web',
        redirectUris: ['https://portal.example.test/cb'],
        grantTypes: [jwtBearer],
        scopes: [...allManagementScopes],
        security: { managementApiAccess: true },
      });
      assert.equal(portal.status, 201, portal.text);
      const key = await uploadKey(admin.api, portal.body.clientId);
      await registry().preAuthorizations.create(operator, portal.body.clientId, { user: viewer.id, scopes: [...allManagementScopes], audiences: [management] });
      const issued = await postForm(`${server.issuer}/oauth2/token`, {
        grant_type: jwtBearer,
        assertion: await assertion(portal.body.clientId, key, viewer.id),
        audience: management,
      });
      assert.equal(issued.status, 200, JSON.stringify(issued.body));
      assert.ok(String(issued.body.scope).includes('users:write'));
      const asViewer = new ApiCaller(server, String(issued.body.access_token));
      assert.equal((await asViewer.get(`/orgs/${org}/apps`)).status, 200);
      const create = await asViewer.post<Problem>(`/orgs/${org}/apps`, { name: 'x', type: 'spa', redirectUris: ['https://x.example.test/cb'] });
      assert.equal(create.status, 403);
      assert.match(create.body.detail, /the viewer role may not create apps/);
      assert.equal((await asViewer.get('/users')).status, 403);
      assert.equal((await asViewer.patch(`/users/${viewer.id}`, { isAdmin: true })).status, 403);
      assert.equal(orgRecord.name, org);
    });
  });
}
