import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { generate } from 'otplib';
import { allManagementScopes, operatorActor } from '../../src/domain/access/actor.js';
import type { Registry } from '../../src/domain/registry.js';
import { ApiCaller, userWithToken } from '../support/api.js';
import { queuedMails } from '../support/mailbox.js';
import { startTestServer, type TestServer } from '../support/server.js';

const operator = { actor: operatorActor };

interface SecondFactorsView {
  enabled: boolean;
  methods: string[];
  totp: number;
  recoveryCodesLeft: number;
}
interface UserView {
  id: string;
  email: string;
  secondFactors: SecondFactorsView;
}
type Problem = { status: number; title: string; detail: string };

const off: SecondFactorsView = { enabled: false, methods: [], totp: 0, recoveryCodesLeft: 0 };

describe('two-step verification through the management API', () => {
  let server: TestServer;
  let registry: Registry;
  let admin: ApiCaller;
  let counter = 0;

  before(async () => {
    server = await startTestServer({ inProcess: true });
    registry = server.server.runtime.registry;
    const root = await registry.users.create(operator, { email: 'root@example.test', name: 'Root', isAdmin: true });
    const { token } = await registry.tokens.create(operator, root.id, { name: 'admin', scopes: allManagementScopes });
    admin = new ApiCaller(server, token);
  });
  after(() => server.stop());

  /** A user with a confirmed authenticator app and the ten recovery codes that come with it. */
  async function userWithAuthenticator(): Promise<{ id: string; email: string }> {
    counter += 1;
    const email = `factor-${counter}@example.test`;
    const user = await registry.users.create(operator, { email });
    const { factorId, secret } = await registry.secondFactors.startTotp(user.id, email);
    const code = await generate({ secret, epoch: Math.floor(Date.now() / 1000) });
    const confirmed = await registry.secondFactors.confirmTotp({ actor: { kind: 'user', userId: user.id, email, scopes: new Set() } }, user.id, {
      factorId,
      code,
      ip: '127.0.0.1',
    });
    assert.equal(confirmed.ok, true);
    return { id: user.id, email };
  }

  test('the user view says whether two-step is on, in the list and for one user', async () => {
    const plain = await registry.users.create(operator, { email: 'nofactor@example.test' });
    const withApp = await userWithAuthenticator();
    const one = await admin.get<UserView>(`/users/${withApp.id}`);
    assert.equal(one.status, 200);
    assert.deepEqual(one.body.secondFactors, { enabled: true, methods: ['totp', 'recovery_code'], totp: 1, recoveryCodesLeft: 10 });
    assert.deepEqual((await admin.get<UserView>(`/users/${plain.id}`)).body.secondFactors, off);
    const page = await admin.get<{ items: UserView[] }>('/users?perPage=100');
    const listed = new Map(page.body.items.map((user) => [user.id, user.secondFactors]));
    assert.equal(listed.get(withApp.id)?.enabled, true);
    assert.deepEqual(listed.get(plain.id), off);
  });

  test('a server administrator resets them: every factor and code goes, the reset is audited and the user mailed', async () => {
    const user = await userWithAuthenticator();
    const mailsBefore = (await queuedMails(server.server.runtime.storage, user.email, 'second-factor-changed')).length;
    const reset = await admin.post<{ removed: number; user: UserView }>(`/users/${user.email}/second-factors/reset`);
    assert.equal(reset.status, 200);
    assert.equal(reset.body.removed, 1);
    assert.equal(reset.body.user.id, user.id);
    assert.deepEqual(reset.body.user.secondFactors, off);
    assert.deepEqual(await registry.secondFactors.methodsOf(user.id), []);
    assert.deepEqual(await registry.secondFactors.listTotp(user.id), []);
    assert.equal(await registry.secondFactors.recoveryCodesLeft(user.id), 0);

    const mails = await queuedMails(server.server.runtime.storage, user.email, 'second-factor-changed');
    assert.equal(mails.length, mailsBefore + 1);
    assert.match(String(mails.at(-1)!.variables.change), /administrator removed the second factors/);

    const audit = await admin.get<{ items: { action: string; targetId: string; changes: Record<string, unknown>; actor: { id: string | null } }[] }>(
      '/audit?action=mfa.reset&perPage=100',
    );
    const row = audit.body.items.find((item) => item.targetId === user.id);
    assert.ok(row, 'an mfa.reset audit row for the user');
    assert.deepEqual(row.changes, { removed: 1 });
    assert.notEqual(row.actor.id, user.id, 'the administrator acted, not the user');

    // A second reset finds nothing to remove and says so.
    const again = await admin.post<{ removed: number }>(`/users/${user.id}/second-factors/reset`);
    assert.equal(again.status, 200);
    assert.equal(again.body.removed, 0);
  });

  test('an unknown user is 404', async () => {
    const response = await admin.post<Problem>('/users/usr_doesnotexist/second-factors/reset');
    assert.equal(response.status, 404);
    assert.equal((await admin.post<Problem>('/users/nobody@example.test/second-factors/reset')).status, 404);
  });

  test('anyone but a server administrator is refused with a problem that says who may, and nothing is removed', async () => {
    const target = await userWithAuthenticator();
    const owner = await userWithToken(server, { role: 'owner' });
    for (const caller of [
      owner.api,
      new ApiCaller(server, (await registry.tokens.create(operator, target.id, { name: 'own', scopes: ['users:write'] })).token),
    ]) {
      const refused = await caller.post<Problem>(`/users/${target.id}/second-factors/reset`);
      assert.equal(refused.status, 403);
      assert.equal(refused.headers.get('content-type'), 'application/problem+json; charset=utf-8');
      assert.match(refused.body.detail, /only server administrators/);
    }
    // Not even their own: losing a factor is what the reset is for, so it must not be one stolen session away.
    const self = new ApiCaller(server, (await registry.tokens.create(operator, target.id, { name: 'me', scopes: ['users:write'] })).token);
    assert.equal((await self.post('/users/me/second-factors/reset')).status, 403);
    assert.deepEqual(await registry.secondFactors.methodsOf(target.id), ['totp', 'recovery_code']);
  });

  test("an app's security.requireMfa and an organization's requireMfa round-trip through PATCH", async () => {
    const orgAdmin = await userWithToken(server, { role: 'admin' });
    const created = await orgAdmin.api.post<{ clientId: string; security: { requireMfa: boolean } }>('/orgs/default/apps', {
      name: 'Needs two-step',
      type: 'web',
      redirectUris: ['https://web.example.com/cb'],
    });
    assert.equal(created.status, 201);
    assert.equal(created.body.security.requireMfa, false);
    const patched = await orgAdmin.api.patch<{ security: { requireMfa: boolean; requireVerifiedEmail: boolean } }>(`/apps/${created.body.clientId}`, {
      security: { requireMfa: true },
    });
    assert.equal(patched.status, 200);
    assert.equal(patched.body.security.requireMfa, true);
    assert.equal(patched.body.security.requireVerifiedEmail, false, 'the other flags stay as they were');
    const fetched = await orgAdmin.api.get<{ security: { requireMfa: boolean } }>(`/apps/${created.body.clientId}`);
    assert.equal(fetched.body.security.requireMfa, true);
    const refused = await orgAdmin.api.patch<{ errors?: { field: string }[] }>(`/apps/${created.body.clientId}`, { security: { requireMfa: 'yes' } });
    assert.equal(refused.status, 400);
    assert.equal((await orgAdmin.api.get<{ security: { requireMfa: boolean } }>(`/apps/${created.body.clientId}`)).body.security.requireMfa, true);

    const org = await orgAdmin.api.patch<{ requireMfa: boolean }>('/orgs/default', { requireMfa: true });
    assert.equal(org.status, 200);
    assert.equal(org.body.requireMfa, true);
    assert.equal((await orgAdmin.api.get<{ requireMfa: boolean }>('/orgs/default')).body.requireMfa, true);
    const off = await orgAdmin.api.patch<{ requireMfa: boolean }>('/orgs/default', { requireMfa: false });
    assert.equal(off.body.requireMfa, false);
    const made = await admin.post<{ requireMfa: boolean; name: string }>('/orgs', { name: 'strict-org', requireMfa: true });
    assert.equal(made.status, 201);
    assert.equal(made.body.requireMfa, true);
  });

  test('the OpenAPI document describes the reset and the new fields', async () => {
    const response = await server.fetch(`${server.issuer}/api/v1/openapi.json`);
    const document = (await response.json()) as {
      paths: Record<string, Record<string, { operationId: string }>>;
      components?: unknown;
    };
    assert.equal(document.paths['/users/{user}/second-factors/reset']?.post?.operationId, 'resetSecondFactors');
    const text = JSON.stringify(document);
    assert.match(text, /"secondFactors"/);
    assert.match(text, /"recoveryCodesLeft"/);
    const orgPatch = JSON.stringify(document.paths['/orgs/{org}']?.patch);
    assert.match(orgPatch, /requireMfa/);
  });
});
