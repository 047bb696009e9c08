// Four eyes on public apps: whoever submits a public app doesn't approve or reject it, unless they
// are a server administrator or the server allows self-approval (apps.selfApproval); and the
// review queue lists, for each caller, exactly the submissions they may review.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { operatorActor } from '../../src/domain/access/actor.js';
import { ApiCaller, userWithToken } from '../support/api.js';
import { startTestServer, type TestServer } from '../support/server.js';

type App = { clientId: string; orgId: string; status: string; review: Record<string, unknown> | null };
type Problem = { status: number; detail: string };
type QueueItem = App & { name: string; orgName: string };
type Page<T> = { items: T[]; total: number };
type AuditRecord = { action: string; targetId: string; actor: { id: string | null; label: string }; changes: Record<string, unknown> };

const operator = { actor: operatorActor };
let counter = 0;

/** A public app created and submitted by `submitter` in `org`. */
async function submittedApp(submitter: ApiCaller, org = 'default'): Promise<App> {
  counter += 1;
  const created = await submitter.post<App>(`/orgs/${org}/apps`, {
    name: `Market ${counter}`,
    type: 'web',
    visibility: 'public',
    redirectUris: [`https://market-${counter}.example.com/callback`],
  });
  assert.equal(created.status, 201, created.text);
  const submitted = await submitter.post<App>(`/apps/${created.body.clientId}/submit`);
  assert.equal(submitted.status, 200, submitted.text);
  return submitted.body;
}

async function serverAdmin(server: TestServer): Promise<{ api: ApiCaller; email: string; userId: string }> {
  counter += 1;
  const registry = server.server.runtime.registry;
  const email = `server-admin-${counter}@example.com`;
  const user = await registry.users.create(operator, { email, name: 'Server admin', isAdmin: true });
  const { token } = await registry.tokens.create(operator, user.id, { name: 'test', scopes: ['apps:read', 'apps:write', 'audit:read'] });
  return { api: new ApiCaller(server, token), email, userId: user.id };
}

async function queueOf(api: ApiCaller): Promise<QueueItem[]> {
  const response = await api.get<Page<QueueItem>>('/reviews?perPage=100');
  assert.equal(response.status, 200, response.text);
  assert.equal(response.body.total, response.body.items.length);
  return response.body.items;
}

async function auditOf(api: ApiCaller, org: string, action: string, clientId: string): Promise<AuditRecord> {
  const response = await api.get<Page<AuditRecord>>(`/orgs/${org}/audit?action=${action}&appId=${clientId}`);
  assert.equal(response.status, 200, response.text);
  assert.equal(response.body.items.length, 1, response.text);
  return response.body.items[0]!;
}

describe('reviewing public apps', () => {
  let server: TestServer;
  let owner: Awaited<ReturnType<typeof userWithToken>>;
  let admin: Awaited<ReturnType<typeof userWithToken>>;
  let developer: Awaited<ReturnType<typeof userWithToken>>;
  let otherOwner: Awaited<ReturnType<typeof userWithToken>>;

  before(async () => {
    server = await startTestServer({ inProcess: true, logLevel: 'warn' });
    const registry = server.server.runtime.registry;
    owner = await userWithToken(server, { role: 'owner' });
    admin = await userWithToken(server, { role: 'admin' });
    developer = await userWithToken(server, { role: 'developer' });
    otherOwner = await userWithToken(server);
    await registry.orgs.create(operator, { name: 'elsewhere', owner: otherOwner.userId });
  });
  after(() => server.stop());

  test('an owner may neither approve nor reject their own submission; nothing changes', async () => {
    const app = await submittedApp(owner.api);
    assert.equal(app.review?.submittedBy, owner.email);
    assert.equal(app.review?.submitterUserId, owner.userId);
    for (const [action, body] of [
      ['approve', {}],
      ['reject', { reason: 'Not good enough' }],
    ] as const) {
      const refused = await owner.api.post<Problem>(`/apps/${app.clientId}/${action}`, body);
      assert.equal(refused.status, 403, refused.text);
      assert.match(refused.body.detail, new RegExp(`you submitted this app, so you may not ${action} it: another owner or admin`));
      assert.match(refused.body.detail, /apps\.selfApproval/);
    }
    const after = (await owner.api.get<App>(`/apps/${app.clientId}`)).body;
    assert.equal(after.status, 'submitted');
    assert.equal(after.review?.decision, null);
    const audit = await owner.api.get<Page<AuditRecord>>(`/orgs/default/audit?appId=${app.clientId}`);
    assert.deepEqual(
      audit.body.items.map((record) => record.action),
      ['app.submitted', 'app.created'],
      'no review was recorded',
    );
  });

  test('a submission recorded before submitters were kept by id is still recognized, by email address', async () => {
    const app = await submittedApp(owner.api);
    const storage = server.server.runtime.storage;
    const stored = (await storage.apps.get(app.clientId))!;
    const { submitterUserId: _dropped, ...older } = stored.review!;
    await storage.apps.update({ ...stored, review: older });
    const refused = await owner.api.post<Problem>(`/apps/${app.clientId}/approve`);
    assert.equal(refused.status, 403, refused.text);
    assert.match(refused.body.detail, /you submitted this app/);
    assert.deepEqual(
      (await queueOf(owner.api)).filter((item) => item.clientId === app.clientId),
      [],
      'nor is it in their queue',
    );
    assert.equal((await admin.api.post<App>(`/apps/${app.clientId}/approve`)).status, 200);
  });

  test('another admin of the organization approves, and the audit record names submitter and reviewer', async () => {
    const app = await submittedApp(owner.api);
    const approved = await admin.api.post<App>(`/apps/${app.clientId}/approve`);
    assert.equal(approved.status, 200, approved.text);
    assert.equal(approved.body.status, 'active');
    assert.equal(approved.body.review?.decision, 'approved');
    assert.equal(approved.body.review?.reviewedBy, admin.email);
    assert.equal(approved.body.review?.submittedBy, owner.email);

    const record = await auditOf(admin.api, 'default', 'app.approved', app.clientId);
    assert.equal(record.actor.id, admin.userId);
    assert.equal(record.changes.submittedBy, owner.email);
    assert.equal(record.changes.submitterUserId, owner.userId);
    assert.equal(record.changes.reviewedBy, admin.email);
    assert.equal(record.changes.reviewerUserId, admin.userId);
    assert.equal(record.changes.selfReview, false);
  });

  test('a rejection by another admin is audited with submitter, reviewer and reason', async () => {
    const app = await submittedApp(admin.api);
    const rejected = await owner.api.post<App>(`/apps/${app.clientId}/reject`, { reason: 'Add a privacy policy' });
    assert.equal(rejected.status, 200, rejected.text);
    assert.equal(rejected.body.status, 'draft');
    const record = await auditOf(owner.api, 'default', 'app.rejected', app.clientId);
    assert.equal(record.actor.id, owner.userId);
    assert.equal(record.changes.submittedBy, admin.email);
    assert.equal(record.changes.reviewedBy, owner.email);
    assert.equal(record.changes.reason, 'Add a privacy policy');
  });

  test('a developer still may not review, whoever submitted', async () => {
    const app = await submittedApp(owner.api);
    const refused = await developer.api.post<Problem>(`/apps/${app.clientId}/approve`);
    assert.equal(refused.status, 403);
    assert.match(refused.body.detail, /the developer role may not approve/);
    await admin.api.post(`/apps/${app.clientId}/reject`, { reason: 'clean up' });
  });

  test('a server administrator approves any organization’s submission, their own included', async () => {
    const root = await serverAdmin(server);
    const elsewhere = await submittedApp(otherOwner.api, 'elsewhere');
    const approved = await root.api.post<App>(`/apps/${elsewhere.clientId}/approve`);
    assert.equal(approved.status, 200, approved.text);
    assert.equal(approved.body.review?.reviewedBy, root.email);

    const own = await submittedApp(root.api, 'elsewhere');
    const ownApproved = await root.api.post<App>(`/apps/${own.clientId}/approve`);
    assert.equal(ownApproved.status, 200, ownApproved.text);
    const record = await auditOf(root.api, 'elsewhere', 'app.approved', own.clientId);
    assert.equal(record.changes.selfReview, true, 'a review of one’s own submission is marked in the log');
  });

  test('the review queue holds what each caller may review', async () => {
    const root = await serverAdmin(server);
    // Empty the queue first: earlier tests' submissions are reviewed already, but be sure.
    for (const item of await queueOf(root.api)) await root.api.post(`/apps/${item.clientId}/reject`, { reason: 'reset' });

    const byOwner = await submittedApp(owner.api);
    const byAdmin = await submittedApp(admin.api);
    const byDeveloper = await submittedApp(developer.api);
    const elsewhere = await submittedApp(otherOwner.api, 'elsewhere');
    const draft = (
      await owner.api.post<App>('/orgs/default/apps', { name: 'Draft', type: 'spa', visibility: 'public', redirectUris: ['https://d.example.com/cb'] })
    ).body;

    const ids = (items: QueueItem[]) => items.map((item) => item.clientId);
    assert.deepEqual(ids(await queueOf(owner.api)), [byAdmin.clientId, byDeveloper.clientId], 'an owner: their organization’s, not their own');
    assert.deepEqual(ids(await queueOf(admin.api)), [byOwner.clientId, byDeveloper.clientId], 'an admin: their organization’s, not their own');
    assert.deepEqual(ids(await queueOf(developer.api)), [], 'a developer reviews nothing');
    assert.deepEqual(ids(await queueOf(otherOwner.api)), [], 'their organization’s only submission is their own');
    const elsewhereAdmin = await userWithToken(server, { role: 'admin', org: 'elsewhere' });
    assert.deepEqual(ids(await queueOf(elsewhereAdmin.api)), [elsewhere.clientId], 'only their own organization’s');
    const all = await queueOf(root.api);
    assert.deepEqual(ids(all), [byOwner.clientId, byAdmin.clientId, byDeveloper.clientId, elsewhere.clientId], 'a server administrator: every organization’s');
    assert.ok(!ids(all).includes(draft.clientId), 'drafts await no review');
    assert.deepEqual(
      all.map((item) => item.orgName),
      ['default', 'default', 'default', 'elsewhere'],
    );
    assert.equal(all[0]!.review?.submittedBy, owner.email);

    const paged = await root.api.get<Page<QueueItem> & { page: number }>('/reviews?perPage=2&page=2');
    assert.deepEqual(ids(paged.body.items), [byDeveloper.clientId, elsewhere.clientId]);
    assert.equal(paged.body.total, 4);

    // Reviewed apps leave the queue.
    await admin.api.post(`/apps/${byOwner.clientId}/approve`);
    assert.deepEqual(ids(await queueOf(admin.api)), [byDeveloper.clientId]);

    const readOnly = await userWithToken(server, { role: 'owner', scopes: ['orgs:read'] });
    const noScope = await readOnly.api.get<Problem>('/reviews');
    assert.equal(noScope.status, 403);
    assert.equal(noScope.body.detail, 'this token lacks the apps:read scope');
  });
});

describe('reviewing public apps with apps.selfApproval on', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ inProcess: true, logLevel: 'warn', env: { LATCHKEY_APPS_SELF_APPROVAL: 'true' } });
  });
  after(() => server.stop());

  test('an owner approves their own submission, which their queue lists, and the log says so', async () => {
    assert.equal(server.config.apps.selfApproval, true);
    const owner = await userWithToken(server, { role: 'owner' });
    const app = await submittedApp(owner.api);
    assert.deepEqual(
      (await queueOf(owner.api)).map((item) => item.clientId),
      [app.clientId],
    );
    const approved = await owner.api.post<App>(`/apps/${app.clientId}/approve`);
    assert.equal(approved.status, 200, approved.text);
    assert.equal(approved.body.status, 'active');
    const record = await auditOf(owner.api, 'default', 'app.approved', app.clientId);
    assert.equal(record.changes.selfReview, true);
    assert.equal(record.changes.submittedBy, owner.email);
    assert.equal(record.changes.reviewedBy, owner.email);
  });
});
