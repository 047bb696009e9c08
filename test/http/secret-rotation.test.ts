import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { userWithToken, type ApiCaller } from '../support/api.js';
import { postForm, tokenUrl } from '../support/flows.js';
import { apiIdentifier, oauthFixture, type OAuthFixture } from '../support/oauth.js';
import { createTestDatabase, postgresSkipReason, type TestDatabase } from '../support/postgres.js';

function rotationSuite(store: 'SQLite' | 'PostgreSQL', skip: string | false) {
  describe(`parallel secret rotations on ${store} leave one current secret`, { skip }, () => {
    let database: TestDatabase | undefined;
    let fixture: OAuthFixture;
    let admin: ApiCaller;

    before(async () => {
      if (store === 'PostgreSQL') database = await createTestDatabase();
      fixture = await oauthFixture(database ? { databaseUrl: database.url } : {});
      admin = (await userWithToken(fixture.server, { role: 'admin' })).api;
    });
    after(async () => {
      await fixture?.stop();
      await database?.drop();
    });

    async function machine(): Promise<{ clientId: string; clientSecret: string }> {
      const app = await fixture.createApp({ name: 'Worker', type: 'm2m', apiGrants: [{ audience: apiIdentifier, scopes: ['read:contacts'] }] });
      return { clientId: app.clientId, clientSecret: app.clientSecret! };
    }

    async function rotateTenTimesAtOnce(clientId: string, gracePeriodSeconds: number): Promise<string[]> {
      const responses = await Promise.all(
        Array.from({ length: 10 }, () => admin.post<{ clientSecret: string }>(`/apps/${clientId}/secret/rotate`, { gracePeriodSeconds })),
      );
      for (const response of responses) assert.equal(response.status, 200, response.text);
      return responses.map((response) => response.body.clientSecret);
    }

    /** Which of the secrets (by position, so that no secret is printed) still get a client credentials token. */
    async function working(clientId: string, secrets: string[]): Promise<number[]> {
      const results = await Promise.all(
        secrets.map((secret) => postForm(tokenUrl(fixture), { grant_type: 'client_credentials', audience: apiIdentifier }, { basic: [clientId, secret] })),
      );
      for (const result of results) assert.ok(result.status === 200 || result.body.error === 'invalid_client', JSON.stringify(result.body));
      return results.flatMap((result, index) => (result.status === 200 ? [index] : []));
    }

    test('10 parallel rotations without a grace period: exactly one secret works, the original stops', async () => {
      const app = await machine();
      const rotated = await rotateTenTimesAtOnce(app.clientId, 0);
      const live = await working(app.clientId, [app.clientSecret, ...rotated]);
      assert.equal(live.length, 1, `secrets ${live.join(', ')} work`);
      assert.notEqual(live[0], 0, 'the original stopped');
    });

    test('10 parallel rotations with a grace period: exactly two secrets work, the newest and the one current before it', async () => {
      const app = await machine();
      const rotated = await rotateTenTimesAtOnce(app.clientId, 3600);
      const live = await working(app.clientId, [app.clientSecret, ...rotated]);
      assert.equal(live.length, 2, `secrets ${live.join(', ')} work`);
      assert.ok(!live.includes(0), 'the original was rotated out more than once ago');
    });

    test('a grace period covers only the secret current just before the rotation; older ones stop at once', async () => {
      const app = await machine();
      const rotate = async (gracePeriodSeconds: number) =>
        (await admin.post<{ clientSecret: string }>(`/apps/${app.clientId}/secret/rotate`, { gracePeriodSeconds })).body.clientSecret;
      const second = await rotate(3600);
      assert.deepEqual(await working(app.clientId, [app.clientSecret, second]), [0, 1], 'the original works through its grace period');
      const third = await rotate(3600);
      assert.deepEqual(await working(app.clientId, [app.clientSecret, second, third]), [1, 2], 'the original stops: at most two live secrets');
      const fourth = await rotate(0);
      assert.deepEqual(await working(app.clientId, [app.clientSecret, second, third, fourth]), [3], 'without a grace period only the new one works');
    });
  });
}

rotationSuite('SQLite', false);
if (postgresSkipReason) console.log(`# ${postgresSkipReason}`);
rotationSuite('PostgreSQL', postgresSkipReason);
