import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { operatorActor } from '../../src/domain/access/actor.js';
import { ApiCaller, userWithToken } from '../support/api.js';
import { startTestServer, type TestServer } from '../support/server.js';

const operator = { actor: operatorActor };
const secret = 'upstream-secret-that-must-never-come-back';

function input(overrides: Record<string, unknown> = {}) {
  return {
    name: 'corp',
    displayName: 'Corp SSO',
    issuer: 'https://idp.corp.example/realms/main',
    clientId: 'latchkey',
    clientSecret: secret,
    domains: ['Corp.Example'],
    ...overrides,
  };
}

interface Problem {
  detail: string;
  errors?: { field: string; message: string }[];
}

describe('sign-in connections through the management API', () => {
  let server: TestServer;
  let admin: ApiCaller;
  const transcript: string[] = [];

  before(async () => {
    server = await startTestServer({ inProcess: true, logLevel: 'warn' });
    const registry = server.server.runtime.registry;
    const root = await registry.users.create(operator, { email: 'root@example.test', name: 'Root', isAdmin: true });
    const { token } = await registry.tokens.create(operator, root.id, { name: 'admin', scopes: ['orgs:read', 'orgs:write'] });
    admin = new ApiCaller(server, token, transcript);
  });
  after(() => server?.stop());

  test('a server administrator adds a server connection; the secret is write-only and sealed at rest', async () => {
    const created = await admin.post('/connections', input());
    assert.equal(created.status, 201, created.text);
    assert.equal(created.body.orgId, null);
    assert.deepEqual(created.body.scopes, ['openid', 'email', 'profile'], 'the default scopes');
    assert.deepEqual(created.body.domains, ['corp.example']);
    assert.equal(created.body.trustUpstreamMfa, false);
    assert.equal(created.body.enabled, true);
    assert.equal(created.body.clientSecretSet, true);
    assert.equal(created.body.callbackUrl, `${server.issuer}/federation/callback`);
    assert.ok(!('clientSecret' in created.body));
    const id = String(created.body.id);

    const read = await admin.get(`/connections/${id}`);
    assert.equal(read.status, 200);
    const listed = await admin.get<{ items: { id: string }[]; total: number }>('/connections');
    assert.deepEqual(
      listed.body.items.map((item) => item.id),
      [id],
    );
    const stored = await server.server.runtime.storage.connections.get(id);
    assert.ok(stored && !stored.clientSecretJwe.includes(secret), 'encrypted at rest');
    assert.equal(await server.server.runtime.keys.connectionSecretEncryption.open(stored.clientSecretJwe), secret);

    const renamed = await admin.patch(`/connections/${id}`, { displayName: 'Corp', trustUpstreamMfa: true, clientSecret: 'a new secret' });
    assert.equal(renamed.status, 200, renamed.text);
    assert.equal(renamed.body.displayName, 'Corp');
    assert.equal(renamed.body.trustUpstreamMfa, true);
    const audit = await server.server.runtime.storage.audit.list({ orgId: null, targetId: id, offset: 0, limit: 10 });
    assert.deepEqual(audit.items.map((item) => item.action).sort(), ['connection.created', 'connection.updated']);
    assert.ok(!JSON.stringify(audit.items).includes(secret), 'the audit log holds no secret');
    assert.ok(!transcript.join('\n').includes(secret), 'no response holds the secret');

    assert.equal((await admin.delete(`/connections/${id}`)).status, 204);
    assert.equal((await admin.get(`/connections/${id}`)).status, 404);
  });

  test('validation errors name the field; plain http is refused except on loopback hosts', async () => {
    const insecure = await admin.post<Problem>('/connections', input({ name: 'insecure', issuer: 'http://idp.corp.example' }));
    assert.equal(insecure.status, 400);
    assert.equal(insecure.body.errors?.[0]?.field, 'issuer');
    assert.match(insecure.body.errors?.[0]?.message ?? '', /https.*loopback hosts \(127\.0\.0\.1, ::1, localhost\)/);
    for (const issuer of ['http://127.0.0.1:9000', 'http://localhost:9000/realm', 'http://[::1]:9000']) {
      const loopback = await admin.post('/connections', input({ name: `loop-${transcript.length}`, issuer }));
      assert.equal(loopback.status, 201, `${issuer}: ${loopback.text}`);
    }
    const missing = await admin.post<Problem>('/connections', { name: 'incomplete' });
    assert.equal(missing.status, 400);
    assert.deepEqual(missing.body.errors?.map((problem) => problem.field).sort(), ['clientId', 'clientSecret', 'displayName', 'issuer']);
    const bad = await admin.post<Problem>(
      '/connections',
      input({ name: 'Not A Slug', scopes: ['email'], domains: ['not a domain'], claimMapping: { phone: 'x' }, trustUpstreamMfa: 'yes' }),
    );
    assert.equal(bad.status, 400);
    const fields = bad.body.errors?.map((problem) => problem.field) ?? [];
    for (const field of ['name', 'scopes', 'domains[0]', 'claimMapping.phone', 'trustUpstreamMfa'])
      assert.ok(fields.includes(field), `${field} in ${fields.join(', ')}`);
    const first = await admin.post('/connections', input({ name: 'twice' }));
    assert.equal(first.status, 201);
    const twice = await admin.post<Problem>('/connections', input({ name: 'twice' }));
    assert.equal(twice.status, 409);
    assert.match(twice.body.detail, /already has a connection named twice/);
  });

  test("server connections need a server administrator; an organization's, its owners and admins", async () => {
    const registry = server.server.runtime.registry;
    const org = await registry.orgs.create(operator, { name: 'acme' });
    const owner = await userWithToken(server, { role: 'owner', org: 'acme' });
    const admin2 = await userWithToken(server, { role: 'admin', org: 'acme' });
    const developer = await userWithToken(server, { role: 'developer', org: 'acme' });
    const outsider = await userWithToken(server);

    assert.equal((await owner.api.post('/connections', input({ name: 'owner-server' }))).status, 403, 'an owner is no server administrator');
    assert.equal((await owner.api.get('/connections')).status, 403);

    const created = await owner.api.post('/orgs/acme/connections', input({ name: 'acme-sso' }));
    assert.equal(created.status, 201, created.text);
    assert.equal(created.body.orgId, org.id);
    const id = String(created.body.id);
    assert.equal((await admin2.api.patch(`/connections/${id}`, { enabled: false })).status, 200);
    assert.equal((await admin2.api.get('/orgs/acme/connections')).status, 200);

    const denied = await developer.api.get<Problem>('/orgs/acme/connections');
    assert.equal(denied.status, 403);
    assert.match(denied.body.detail, /connections:read needs owner or admin/);
    assert.equal((await developer.api.post('/orgs/acme/connections', input({ name: 'dev' }))).status, 403);
    assert.equal((await developer.api.delete(`/connections/${id}`)).status, 403);
    assert.equal((await outsider.api.get(`/connections/${id}`)).status, 404, 'not even there for someone outside');
    // A token without the write scope can't change anything, whatever the role.
    const reader = await userWithToken(server, { role: 'owner', org: 'acme', scopes: ['orgs:read'] });
    assert.equal((await reader.api.delete(`/connections/${id}`)).status, 403);
    assert.equal((await owner.api.delete(`/connections/${id}`)).status, 204);
  });
});
