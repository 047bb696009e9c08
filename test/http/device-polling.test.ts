import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { postForm, tokenUrl } from '../support/flows.js';
import { apiIdentifier, oauthFixture, type OAuthFixture } from '../support/oauth.js';
import { createTestDatabase, postgresSkipReason, type TestDatabase } from '../support/postgres.js';

const deviceGrant = 'urn:ietf:params:oauth:grant-type:device_code';

function pollingSuite(store: 'SQLite' | 'PostgreSQL', skip: string | false) {
  describe(`device polling faster than the interval on ${store} (RFC 8628 §3.5)`, { skip }, () => {
    let database: TestDatabase | undefined;
    let fixture: OAuthFixture;
    let tv: { clientId: string };
    // The test moves the clock, so that "faster than the interval" never depends on how fast the machine is.
    const clock = { value: Date.UTC(2026, 5, 1, 12) };

    before(async () => {
      if (store === 'PostgreSQL') database = await createTestDatabase();
      fixture = await oauthFixture({ clock: { now: () => clock.value }, ...(database ? { databaseUrl: database.url } : {}) });
      tv = await fixture.createApp({ name: 'TV', type: 'device', grantTypes: [deviceGrant], scopes: ['openid', 'read:contacts'] });
    });
    after(async () => {
      await fixture?.stop();
      await database?.drop();
    });

    async function startDeviceFlow(): Promise<string> {
      const started = await postForm(`${fixture.issuer}/oauth2/device_authorization`, {
        client_id: tv.clientId,
        scope: 'openid read:contacts',
        audience: apiIdentifier,
      });
      assert.equal(started.status, 200, JSON.stringify(started.body));
      return String(started.body.device_code);
    }
    const poll = (deviceCode: string) => postForm(tokenUrl(fixture), { grant_type: deviceGrant, device_code: deviceCode, client_id: tv.clientId });
    const errorsOf = (results: { body: Record<string, unknown> }[]) => results.map((result) => String(result.body.error)).sort();

    test('ten parallel first polls: exactly one authorization_pending, slow_down for the rest', async () => {
      const deviceCode = await startDeviceFlow();
      const results = await Promise.all(Array.from({ length: 10 }, () => poll(deviceCode)));
      assert.deepEqual(errorsOf(results), ['authorization_pending', ...Array<string>(9).fill('slow_down')]);
      for (const result of results) assert.equal(result.status, 400);
    });

    test('parallel polls after the interval: again exactly one wins', async () => {
      const deviceCode = await startDeviceFlow();
      assert.equal((await poll(deviceCode)).body.error, 'authorization_pending');
      clock.value += 5_000;
      const results = await Promise.all(Array.from({ length: 10 }, () => poll(deviceCode)));
      assert.deepEqual(errorsOf(results), ['authorization_pending', ...Array<string>(9).fill('slow_down')]);
    });

    test('each slow_down adds 5 seconds to the interval, as it tells the client', async () => {
      const deviceCode = await startDeviceFlow();
      assert.equal((await poll(deviceCode)).body.error, 'authorization_pending');
      const slowed = await Promise.all(Array.from({ length: 3 }, () => poll(deviceCode)));
      assert.deepEqual(errorsOf(slowed), ['slow_down', 'slow_down', 'slow_down']);
      assert.deepEqual(slowed.map((result) => /now every (\d+) seconds/.exec(String(result.body.error_description))?.[1]).sort(), ['10', '15', '20']);
      clock.value += 19_999;
      assert.equal((await poll(deviceCode)).body.error, 'slow_down', '20 s have not passed since the poll that was answered');
      clock.value += 5_001;
      assert.equal((await poll(deviceCode)).body.error, 'authorization_pending', 'the interval is now 25 s');
    });
  });
}

pollingSuite('SQLite', false);
if (postgresSkipReason) console.log(`# ${postgresSkipReason}`);
pollingSuite('PostgreSQL', postgresSkipReason);
