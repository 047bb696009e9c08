// Ending a secret rotation's grace period early (POST /apps/{clientId}/secret/end-grace-period): the
// previous secret stops working at the token endpoint at once, the current one keeps working.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { operatorActor } from '../../src/domain/access/actor.js';
import { userWithToken, type ApiCaller } from '../support/api.js';
import { postForm, tokenUrl } from '../support/flows.js';
import { apiIdentifier, oauthFixture, type OAuthFixture } from '../support/oauth.js';

interface Secret {
  id: string;
  current: boolean;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
}

describe("ending the grace period of an app's previous secret", () => {
  let fixture: OAuthFixture;
  let admin: ApiCaller;
  let viewer: ApiCaller;

  before(async () => {
    fixture = await oauthFixture();
    admin = (await userWithToken(fixture.server, { role: 'admin' })).api;
    viewer = (await userWithToken(fixture.server, { role: 'viewer' })).api;
  });
  after(() => fixture?.stop());

  const token = (clientId: string, secret: string) =>
    postForm(tokenUrl(fixture), { grant_type: 'client_credentials', audience: apiIdentifier }, { basic: [clientId, secret] });

  async function rotatedApp() {
    const app = await fixture.createApp({ name: 'Nightly export', type: 'm2m', apiGrants: [{ audience: apiIdentifier, scopes: ['read:contacts'] }] });
    const rotated = await admin.post<{ clientSecret: string; previousSecretsExpireAt: string }>(`/apps/${app.clientId}/secret/rotate`, {
      gracePeriodSeconds: 3600,
    });
    assert.equal(rotated.status, 200, rotated.text);
    return { clientId: app.clientId, previous: app.clientSecret!, current: rotated.body.clientSecret, expiresAt: rotated.body.previousSecretsExpireAt };
  }

  test('the secrets list shows the previous secret and when it stops, never a value', async () => {
    const app = await rotatedApp();
    const listed = await admin.get<{ items: Secret[] }>(`/apps/${app.clientId}/secrets`);
    assert.equal(listed.status, 200, listed.text);
    assert.deepEqual(
      listed.body.items.map((secret) => [secret.current, secret.expiresAt]),
      [
        [true, null],
        [false, app.expiresAt],
      ],
    );
    assert.ok(!listed.text.includes(app.current) && !listed.text.includes(app.previous) && !/lk_cs_/.test(listed.text));
    assert.equal((await viewer.get(`/apps/${app.clientId}/secrets`)).status, 200, 'anyone who may read the app');
  });

  test('after "end it now" the previous secret is refused with invalid_client and the current one works', async () => {
    const app = await rotatedApp();
    assert.equal((await token(app.clientId, app.previous)).status, 200, 'the previous secret works in its grace period');

    const ended = await admin.post<{ items: Secret[] }>(`/apps/${app.clientId}/secret/end-grace-period`);
    assert.equal(ended.status, 200, ended.text);
    assert.deepEqual(
      ended.body.items.map((secret) => secret.current),
      [true],
    );

    const refused = await token(app.clientId, app.previous);
    assert.equal(refused.status, 401, JSON.stringify(refused.body));
    assert.equal(refused.body.error, 'invalid_client');
    const works = await token(app.clientId, app.current);
    assert.equal(works.status, 200, JSON.stringify(works.body));

    const audit = await fixture.server.server.runtime.storage.audit.list({ offset: 0, limit: 1000 });
    const entry = audit.items.find((item) => item.action === 'app.previous_secret_ended' && item.targetId === app.clientId);
    assert.ok(entry, 'audited');
    assert.equal(entry.changes.endedSecrets, 1);
    const stored = JSON.stringify(audit);
    assert.ok(!stored.includes(app.previous) && !stored.includes(app.current), 'no secret in the audit log');

    const again = await admin.post<{ items: Secret[] }>(`/apps/${app.clientId}/secret/end-grace-period`);
    assert.equal(again.status, 200, 'with nothing left to end, it changes nothing');
    assert.equal((await token(app.clientId, app.current)).status, 200);
  });

  test('a viewer may not end it, and nothing changes', async () => {
    const app = await rotatedApp();
    const refused = await viewer.post<{ status: number; detail: string }>(`/apps/${app.clientId}/secret/end-grace-period`);
    assert.equal(refused.status, 403, refused.text);
    assert.equal((await token(app.clientId, app.previous)).status, 200, 'the previous secret still works');
  });

  test('a public app has no secret to end', async () => {
    const app = await fixture.createApp({ name: 'Mobile', type: 'native', redirectUris: ['com.example.app:/cb'] });
    const refused = await admin.post<{ detail: string }>(`/apps/${app.clientId}/secret/end-grace-period`);
    assert.equal(refused.status, 409, refused.text);
    assert.match(refused.body.detail, /public client and has no secret/);
    assert.deepEqual((await admin.get<{ items: Secret[] }>(`/apps/${app.clientId}/secrets`)).body.items, []);
  });

  test('the OpenAPI document describes both routes', async () => {
    const response = await fixture.fetch(`${fixture.issuer}/api/v1/openapi.json`);
    const document = (await response.json()) as { paths: Record<string, Record<string, { operationId: string }>> };
    assert.equal(document.paths['/apps/{clientId}/secrets']?.get?.operationId, 'listAppSecrets');
    assert.equal(document.paths['/apps/{clientId}/secret/end-grace-period']?.post?.operationId, 'endAppSecretGracePeriod');
  });

  test('the domain service ends it for the operator too, under the same rules', async () => {
    const app = await rotatedApp();
    const live = await fixture.server.server.runtime.registry.apps.endPreviousSecrets({ actor: operatorActor }, app.clientId);
    assert.equal(live.length, 1);
    assert.equal((await token(app.clientId, app.previous)).body.error, 'invalid_client');
  });

  test('the secrets list and the app say when each last authenticated at the token endpoint', async () => {
    const app = await rotatedApp();
    const usage = fixture.server.server.runtime.clientUsage;
    const before = await admin.get<{ lastUsedAt: string | null }>(`/apps/${app.clientId}`);
    assert.equal(before.body.lastUsedAt, null, 'not used yet');

    assert.equal((await token(app.clientId, app.previous)).status, 200);
    assert.equal((await token(app.clientId, app.previous)).status, 200);
    await usage.flush();
    const listed = (await admin.get<{ items: Secret[] }>(`/apps/${app.clientId}/secrets`)).body.items;
    const previous = listed.find((secret) => !secret.current)!;
    const current = listed.find((secret) => secret.current)!;
    assert.ok(previous.lastUsedAt, 'the previous secret was used: not yet safe to end');
    assert.equal(current.lastUsedAt, null, 'the new one not yet');
    assert.equal((await admin.get<{ lastUsedAt: string | null }>(`/apps/${app.clientId}`)).body.lastUsedAt, previous.lastUsedAt);

    assert.equal((await token(app.clientId, app.current)).status, 200);
    assert.equal((await token(app.clientId, `${app.current}x`)).status, 401);
    await usage.flush();
    const after = (await admin.get<{ items: Secret[] }>(`/apps/${app.clientId}/secrets`)).body.items;
    assert.ok(after.find((secret) => secret.current)!.lastUsedAt, 'now the new one is used too');
  });

  test("per-user client credentials: their owner ends the previous secret's grace period", async () => {
    const owner = await userWithToken(fixture.server, { role: 'developer' });
    const made = await owner.api.post<{ clientId: string; clientSecret: string }>('/orgs/default/credentials', {
      name: 'laptop script',
      apiGrants: [{ audience: apiIdentifier, scopes: ['read:contacts'] }],
    });
    assert.equal(made.status, 201, made.text);
    const rotated = await owner.api.post<{ clientSecret: string }>(`/credentials/${made.body.clientId}/secret/rotate`, { gracePeriodSeconds: 3600 });
    assert.equal(rotated.status, 200, rotated.text);
    const listed = await owner.api.get<{ items: Secret[] }>(`/credentials/${made.body.clientId}/secrets`);
    assert.equal(listed.body.items.length, 2, listed.text);
    assert.equal((await viewer.post(`/credentials/${made.body.clientId}/secret/end-grace-period`)).status, 403, "someone else's credentials");

    const ended = await owner.api.post<{ items: Secret[] }>(`/credentials/${made.body.clientId}/secret/end-grace-period`);
    assert.equal(ended.status, 200, ended.text);
    assert.equal((await token(made.body.clientId, made.body.clientSecret)).body.error, 'invalid_client');
    assert.equal((await token(made.body.clientId, rotated.body.clientSecret)).status, 200);
    const audit = await fixture.server.server.runtime.storage.audit.list({ offset: 0, limit: 1000 });
    assert.ok(audit.items.some((item) => item.action === 'credential.previous_secret_ended' && item.targetId === made.body.clientId));
  });
});
