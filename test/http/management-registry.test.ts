import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { operatorActor } from '../../src/domain/access/actor.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { userWithToken } from '../support/api.js';

type Problem = { status: number; detail: string; errors?: { field: string; message: string }[] };
type Page<T> = { items: T[]; total: number };
type Api = {
  id: string;
  identifier: string;
  scopes: { name: string; description: string }[];
  tokenFormat: string;
  allowOfflineAccess: boolean;
  signingAlgorithm: string;
  accessTokenTtlMinutes: number;
};
type Credential = {
  clientId: string;
  ownerUserId: string;
  apiGrants: { audience: string; scopes: string[] }[];
  clientSecret?: string | null;
  grantTypes: string[];
  type: string;
};
type AuditEvent = { action: string; actor: { type: string; label: string }; targetId: string; changes: Record<string, unknown>; createdAt: string };

describe('organizations, members and invitations', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ inProcess: true });
  });
  after(() => server.stop());

  test('a user who creates an organization becomes its owner and sees only their organizations', async () => {
    const { api } = await userWithToken(server);
    const created = await api.post<{ id: string; name: string }>('/orgs', { name: 'acme', displayName: 'Acme Inc.' });
    assert.equal(created.status, 201, created.text);
    const members = await api.get<{ items: { role: string }[] }>('/orgs/acme/members');
    assert.deepEqual(
      members.body.items.map((member) => member.role),
      ['owner'],
    );
    const listed = await api.get<Page<{ name: string }>>('/orgs');
    assert.deepEqual(
      listed.body.items.map((org) => org.name),
      ['acme'],
    );
    const me = await api.get<{ organizations: { name: string; role: string }[] }>('/me');
    assert.deepEqual(
      me.body.organizations.map((org) => [org.name, org.role]),
      [['acme', 'owner']],
    );
  });

  test('organization names are checked and unique', async () => {
    const { api } = await userWithToken(server);
    const bad = await api.post<Problem>('/orgs', { name: 'Not Valid!' });
    assert.equal(bad.status, 400);
    assert.match(bad.body.errors?.[0]?.message ?? '', /lower-case letters, digits and hyphens/);
    await api.post('/orgs', { name: 'unique-name' });
    const duplicate = await api.post<Problem>('/orgs', { name: 'unique-name' });
    assert.equal(duplicate.status, 409);
    assert.match(duplicate.body.detail, /already exists/);
  });

  test("an outsider sees someone else's organization as not found", async () => {
    const owner = await userWithToken(server);
    await owner.api.post('/orgs', { name: 'hidden-org' });
    const outsider = await userWithToken(server);
    assert.equal((await outsider.api.get('/orgs/hidden-org')).status, 404);
    assert.equal((await outsider.api.get('/orgs/hidden-org/apps')).status, 404);
  });

  test('members: add with a role (server administrators), change it, remove; an admin may not create an owner', async () => {
    const owner = await userWithToken(server);
    await owner.api.post('/orgs', { name: 'team' });
    const admin = await userWithToken(server);
    const developer = await userWithToken(server);
    const root = await userWithToken(server);
    await server.server.runtime.registry.users.update({ actor: operatorActor }, root.userId, { isAdmin: true });
    const direct = await owner.api.post<Problem>('/orgs/team/members', { email: admin.email, role: 'admin' });
    assert.equal(direct.status, 403, "joining is the user's choice: an owner invites");
    assert.match(direct.body.detail, /invite them/);
    assert.equal((await root.api.post('/orgs/team/members', { email: admin.email, role: 'admin' })).status, 200);
    assert.equal((await root.api.post('/orgs/team/members', { email: developer.email, role: 'developer' })).status, 200);
    const promote = await admin.api.patch<Problem>(`/orgs/team/members/${developer.userId}`, { role: 'owner' });
    assert.equal(promote.status, 403);
    assert.match(promote.body.detail, /only an owner/);
    assert.equal((await owner.api.patch(`/orgs/team/members/${developer.userId}`, { role: 'viewer' })).status, 200);
    const developerView = await developer.api.get<{ organizations: { name: string; role: string }[] }>('/me');
    assert.equal(developerView.body.organizations.find((org) => org.name === 'team')?.role, 'viewer');
    assert.equal((await admin.api.delete(`/orgs/team/members/${developer.userId}`)).status, 204);
    assert.equal((await developer.api.get('/orgs/team')).status, 404);
    const badRole = await owner.api.post<Problem>('/orgs/team/members', { email: developer.email, role: 'superuser' });
    assert.equal(badRole.status, 400);
    assert.match(badRole.body.errors?.[0]?.message ?? '', /one of owner, admin, developer, viewer/);
  });

  test('invitations by email token: shown once, accepted by that email only, single use, revocable', async () => {
    const owner = await userWithToken(server);
    await owner.api.post('/orgs', { name: 'invites' });
    const invitee = await userWithToken(server);
    const someoneElse = await userWithToken(server);
    const invited = await owner.api.post<{ id: string; token: string; state: string }>('/orgs/invites/invitations', {
      email: invitee.email,
      role: 'developer',
    });
    assert.equal(invited.status, 201);
    assert.match(invited.body.token, /^lk_inv_/);
    assert.equal(invited.body.state, 'pending');
    const listed = await owner.api.get('/orgs/invites/invitations');
    assert.equal(listed.text.includes(invited.body.token), false, 'the token is not shown again');

    const wrongPerson = await someoneElse.api.post<Problem>('/invitations/accept', { token: invited.body.token });
    assert.equal(wrongPerson.status, 403);
    assert.match(wrongPerson.body.detail, /sent to another email address/);
    const accepted = await invitee.api.post<{ role: string }>('/invitations/accept', { token: invited.body.token });
    assert.equal(accepted.status, 200);
    assert.equal(accepted.body.role, 'developer');
    const again = await invitee.api.post<Problem>('/invitations/accept', { token: invited.body.token });
    assert.equal(again.status, 409);

    const second = await owner.api.post<{ id: string; token: string }>('/orgs/invites/invitations', { email: someoneElse.email, role: 'viewer' });
    assert.equal((await owner.api.delete(`/orgs/invites/invitations/${second.body.id}`)).status, 204);
    const revoked = await someoneElse.api.post<Problem>('/invitations/accept', { token: second.body.token });
    assert.equal(revoked.status, 409);
    assert.match(revoked.body.detail, /expired, was revoked, or was already accepted/);
  });

  test('the last owner can not leave', async () => {
    const owner = await userWithToken(server);
    await owner.api.post('/orgs', { name: 'solo' });
    const response = await owner.api.delete<Problem>(`/orgs/solo/members/${owner.userId}`);
    assert.equal(response.status, 409);
    assert.match(response.body.detail, /keeps at least one owner/);
  });
});

describe('APIs and per-user client credentials', () => {
  let server: TestServer;
  let admin: Awaited<ReturnType<typeof userWithToken>>;
  before(async () => {
    server = await startTestServer({ inProcess: true });
    admin = await userWithToken(server, { role: 'admin' });
  });
  after(() => server.stop());

  test('an API: identifier, scopes with descriptions, offline access, token format, TTL; defaults jwt, RS256, 30 min', async () => {
    const created = await admin.api.post<Api>('/orgs/default/apis', {
      identifier: 'https://contacts.example.com',
      name: 'Contacts',
      scopes: [{ name: 'read:contacts', description: 'Read your contacts' }, { name: 'write:contacts' }],
      allowOfflineAccess: true,
    });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.body.tokenFormat, 'jwt');
    assert.equal(created.body.signingAlgorithm, 'RS256');
    assert.equal(created.body.accessTokenTtlMinutes, 30);
    assert.equal(created.body.allowOfflineAccess, true);
    assert.deepEqual(created.body.scopes[1], { name: 'write:contacts', description: '' });
    const byIdentifier = await admin.api.get<Api>(`/apis/${encodeURIComponent('https://contacts.example.com')}`);
    assert.equal(byIdentifier.body.id, created.body.id);
  });

  const apiRefusals: [string, Record<string, unknown>, RegExp][] = [
    ['an identifier that is not an absolute URI', { identifier: 'contacts', name: 'x' }, /absolute URI without a fragment/],
    ['an identifier with a fragment', { identifier: 'https://x.example.com/#a', name: 'x' }, /absolute URI without a fragment/],
    ['a scope reserved by OpenID Connect', { identifier: 'https://y.example.com', name: 'y', scopes: [{ name: 'openid' }] }, /reserved by OpenID Connect/],
    ['a scope with a space', { identifier: 'https://y.example.com', name: 'y', scopes: [{ name: 'read contacts' }] }, /not a valid scope token/],
    ['a TTL over the bound', { identifier: 'https://y.example.com', name: 'y', accessTokenTtlMinutes: 301 }, /from 1 to 300/],
    ['an unknown token format', { identifier: 'https://y.example.com', name: 'y', tokenFormat: 'saml' }, /jwt or opaque/],
  ];
  for (const [label, body, message] of apiRefusals) {
    test(`an API with ${label} is refused and nothing is saved`, async () => {
      const before = (await admin.api.get<Page<Api>>('/orgs/default/apis')).body.total;
      const response = await admin.api.post<Problem>('/orgs/default/apis', body);
      assert.equal(response.status, 400, response.text);
      assert.match(response.body.errors?.[0]?.message ?? '', message);
      assert.equal((await admin.api.get<Page<Api>>('/orgs/default/apis')).body.total, before);
    });
  }

  test('identifiers are unique across the server and immutable', async () => {
    const duplicate = await admin.api.post<Problem>('/orgs/default/apis', { identifier: 'https://contacts.example.com', name: 'Again' });
    assert.equal(duplicate.status, 409);
    const api = (await admin.api.get<Api>(`/apis/${encodeURIComponent('https://contacts.example.com')}`)).body;
    const change = await admin.api.patch<Problem>(`/apis/${api.id}`, { identifier: 'https://other.example.com' });
    assert.equal(change.status, 400);
    assert.match(change.body.detail, /identifier can't change/);
  });

  test('a developer can not register an API', async () => {
    const developer = await userWithToken(server, { role: 'developer' });
    const response = await developer.api.post<Problem>('/orgs/default/apis', { identifier: 'https://dev.example.com', name: 'Dev' });
    assert.equal(response.status, 403);
  });

  test('a user makes their own credentials with two audience + scope pairs; the secret is shown once', async () => {
    await admin.api.post('/orgs/default/apis', { identifier: 'https://billing.example.com', name: 'Billing', scopes: [{ name: 'invoices:read' }] });
    const developer = await userWithToken(server, { role: 'developer' });
    const created = await developer.api.post<Credential>('/orgs/default/credentials', {
      name: 'Reporting job',
      description: 'Nightly export',
      apiGrants: [
        { audience: 'https://contacts.example.com', scopes: ['read:contacts'] },
        { audience: 'https://billing.example.com', scopes: ['invoices:read'] },
      ],
    });
    assert.equal(created.status, 201, created.text);
    assert.match(created.body.clientSecret ?? '', /^lk_cs_/);
    assert.equal(created.body.ownerUserId, developer.userId);
    assert.deepEqual(created.body.grantTypes, ['client_credentials']);
    const secret = created.body.clientSecret!;

    const shown = await developer.api.get(`/credentials/${created.body.clientId}`);
    const listed = await developer.api.get<Page<Credential>>('/orgs/default/credentials');
    const adminListed = await admin.api.get<Page<Credential>>('/orgs/default/credentials');
    for (const response of [shown, listed, adminListed]) assert.equal(response.text.includes(secret), false);
    assert.ok(
      adminListed.body.items.some((item) => item.ownerUserId === developer.userId),
      'listings show the owner',
    );
    assert.equal(await server.server.runtime.registry.apps.verifySecret(created.body.clientId, secret), true);
  });

  test('an admin makes credentials for another member; a developer may not', async () => {
    const member = await userWithToken(server, { role: 'viewer' });
    const forMember = await admin.api.post<Credential>('/orgs/default/credentials', {
      name: 'For a member',
      userId: member.userId,
      apiGrants: [{ audience: 'https://contacts.example.com', scopes: ['read:contacts'] }],
    });
    assert.equal(forMember.status, 201, forMember.text);
    assert.equal(forMember.body.ownerUserId, member.userId);
    const own = await member.api.get<Page<Credential>>('/orgs/default/credentials');
    assert.deepEqual(
      own.body.items.map((item) => item.clientId),
      [forMember.body.clientId],
    );

    const developer = await userWithToken(server, { role: 'developer' });
    const refused = await developer.api.post<Problem>('/orgs/default/credentials', {
      name: 'Not mine',
      userId: member.userId,
      apiGrants: [{ audience: 'https://contacts.example.com', scopes: ['read:contacts'] }],
    });
    assert.equal(refused.status, 403);
    assert.match(refused.body.detail, /credentials:manage/);
  });

  test("credentials get only scopes of the organization's APIs; nothing is saved otherwise", async () => {
    const developer = await userWithToken(server, { role: 'developer' });
    const before = (await admin.api.get<Page<Credential>>('/orgs/default/credentials')).body.total;
    const unknownScope = await developer.api.post<Problem>('/orgs/default/credentials', {
      name: 'Greedy',
      apiGrants: [{ audience: 'https://contacts.example.com', scopes: ['admin:everything'] }],
    });
    assert.equal(unknownScope.status, 400);
    assert.match(unknownScope.body.errors?.[0]?.message ?? '', /admin:everything is not a scope of https:\/\/contacts.example.com/);
    const unknownAudience = await developer.api.post<Problem>('/orgs/default/credentials', {
      name: 'Elsewhere',
      apiGrants: [{ audience: 'https://not-ours.example.com', scopes: ['x'] }],
    });
    assert.equal(unknownAudience.status, 400);
    assert.match(unknownAudience.body.errors?.[0]?.message ?? '', /not the identifier of an API in this organization/);
    const none = await developer.api.post<Problem>('/orgs/default/credentials', { name: 'Empty', apiGrants: [] });
    assert.equal(none.status, 400);
    assert.equal((await admin.api.get<Page<Credential>>('/orgs/default/credentials')).body.total, before);
  });

  test('a viewer may not make credentials', async () => {
    const viewer = await userWithToken(server, { role: 'viewer' });
    const response = await viewer.api.post<Problem>('/orgs/default/credentials', {
      name: 'Mine',
      apiGrants: [{ audience: 'https://contacts.example.com', scopes: ['read:contacts'] }],
    });
    assert.equal(response.status, 403);
  });

  test('deleting an API removes its audience and scopes from the apps that named them', async () => {
    await admin.api.post('/orgs/default/apis', { identifier: 'https://temp.example.com', name: 'Temp', scopes: [{ name: 'temp:read' }] });
    const app = await admin.api.post<Credential & { scopes: string[] }>('/orgs/default/apps', {
      name: 'Uses temp',
      type: 'web',
      redirectUris: ['https://t.example.com/cb'],
      grantTypes: ['authorization_code', 'client_credentials'],
      scopes: ['openid', 'temp:read'],
      apiGrants: [{ audience: 'https://temp.example.com', scopes: ['temp:read'] }],
    });
    assert.equal(app.status, 201, app.text);
    const api = (await admin.api.get<Api>(`/apis/${encodeURIComponent('https://temp.example.com')}`)).body;
    assert.equal((await admin.api.delete(`/apis/${api.id}`)).status, 204);
    const after = (await admin.api.get<Credential & { scopes: string[] }>(`/apps/${app.body.clientId}`)).body;
    assert.deepEqual(after.apiGrants, []);
    assert.deepEqual(after.scopes, ['openid']);
    assert.equal((await admin.api.patch(`/apps/${app.body.clientId}`, { description: 'still valid' })).status, 200);
  });
});

describe('audit log', () => {
  let server: TestServer;
  let admin: Awaited<ReturnType<typeof userWithToken>>;
  before(async () => {
    server = await startTestServer({ inProcess: true });
    admin = await userWithToken(server, { role: 'admin' });
  });
  after(() => server.stop());

  test('every change is recorded with actor, time, target and changed fields; filter by app and time', async () => {
    const start = new Date().toISOString();
    const created = await admin.api.post<{ clientId: string }>('/orgs/default/apps', {
      name: 'Audited',
      type: 'web',
      redirectUris: ['https://a.example.com/cb'],
    });
    const other = await admin.api.post<{ clientId: string }>('/orgs/default/apps', { name: 'Other', type: 'device' });
    await admin.api.patch(`/apps/${created.body.clientId}`, { accessToken: { ttlMinutes: 45 }, description: 'now described' });
    await admin.api.post(`/apps/${created.body.clientId}/secret/rotate`, {});

    const forApp = await admin.api.get<Page<AuditEvent>>(`/orgs/default/audit?appId=${created.body.clientId}`);
    assert.deepEqual(
      forApp.body.items.map((event) => event.action),
      ['app.secret_rotated', 'app.updated', 'app.created'],
    );
    const update = forApp.body.items[1]!;
    assert.equal(update.actor.type, 'user');
    assert.equal(update.actor.label, admin.email);
    assert.deepEqual(update.changes['accessToken.ttlMinutes'], { from: null, to: 45 });
    assert.deepEqual(update.changes.description, { from: '', to: 'now described' });
    assert.equal(Object.keys(update.changes).length, 2, 'only what changed');
    assert.ok(Date.parse(update.createdAt) >= Date.parse(start) - 1000);
    assert.ok(!forApp.body.items.some((event) => event.targetId === other.body.clientId));

    const future = new Date(Date.now() + 3_600_000).toISOString();
    const none = await admin.api.get<Page<AuditEvent>>(`/orgs/default/audit?from=${encodeURIComponent(future)}`);
    assert.equal(none.body.total, 0);
    const badTime = await admin.api.get<Problem>('/orgs/default/audit?from=yesterday');
    assert.equal(badTime.status, 400);
    assert.match(badTime.body.errors?.[0]?.message ?? '', /RFC 3339/);
  });

  test('an unchanged update records nothing', async () => {
    const created = await admin.api.post<{ clientId: string }>('/orgs/default/apps', { name: 'Same', type: 'device' });
    await admin.api.patch(`/apps/${created.body.clientId}`, { name: 'Same' });
    const events = await admin.api.get<Page<AuditEvent>>(`/orgs/default/audit?appId=${created.body.clientId}`);
    assert.deepEqual(
      events.body.items.map((event) => event.action),
      ['app.created'],
    );
  });

  test('a developer may not read the audit log', async () => {
    const developer = await userWithToken(server, { role: 'developer' });
    assert.equal((await developer.api.get('/orgs/default/audit')).status, 403);
  });
});
