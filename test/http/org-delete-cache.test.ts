// Clients are cached for config.cache.ttlSeconds; deleting an organization through this node must
// stop its apps getting tokens at once, not when their cache entries expire.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { userWithToken, type ApiCaller } from '../support/api.js';
import { postForm } from '../support/flows.js';
import { startTestServer, type TestServer } from '../support/server.js';

const api = 'https://ledger.example.test';
let server: TestServer;
let owner: ApiCaller;

before(async () => {
  // A long TTL, so that only the event can make the cached client stale within the test.
  server = await startTestServer({ logLevel: 'warn', env: { LATCHKEY_CACHE_TTL_SECONDS: '300' } });
  // The user who creates the organization becomes its owner.
  owner = (await userWithToken(server)).api;
});
after(() => server.stop());

const clientCredentials = (clientId: string, secret: string) =>
  postForm(`${server.issuer}/oauth2/token`, { grant_type: 'client_credentials', audience: api }, { basic: [clientId, secret] });

test("a deleted organization's confidential app gets invalid_client at once", async () => {
  assert.equal((await owner.post('/orgs', { name: 'ledger-team' })).status, 201);
  const created = await owner.post('/orgs/ledger-team/apis', { identifier: api, name: 'Ledger', scopes: [{ name: 'read:ledger' }] });
  assert.equal(created.status, 201, created.text);
  const app = await owner.post<{ clientId: string; clientSecret: string }>('/orgs/ledger-team/apps', {
    name: 'Ledger sync',
    type: 'm2m',
    apiGrants: [{ audience: api, scopes: ['read:ledger'] }],
  });
  assert.equal(app.status, 201, app.text);
  const { clientId, clientSecret } = app.body;

  const first = await clientCredentials(clientId, clientSecret);
  assert.equal(first.status, 200, JSON.stringify(first.body));
  assert.equal(typeof first.body.access_token, 'string');

  assert.equal((await owner.delete('/orgs/ledger-team')).status, 204);

  const next = await clientCredentials(clientId, clientSecret);
  assert.equal(next.status, 401, JSON.stringify(next.body));
  assert.equal(next.body.error, 'invalid_client');
});
