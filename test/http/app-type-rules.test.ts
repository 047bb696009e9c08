import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { userWithToken, type ApiCaller } from '../support/api.js';
import { startTestServer, type TestServer } from '../support/server.js';

type Problem = { type: string; status: number; detail: string; errors?: { field: string; message: string }[] };

const clientCredentials = 'client_credentials';
const tokenExchange = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ordersApi = 'https://orders.example.test';
const pair = { audience: ordersApi, scopes: ['orders:read'] };

describe('what an app type allows, over the management API', () => {
  let server: TestServer;
  let admin: ApiCaller;

  before(async () => {
    server = await startTestServer({ inProcess: true });
    admin = (await userWithToken(server, { role: 'admin' })).api;
    const api = await admin.post('/orgs/default/apis', {
      identifier: ordersApi,
      name: 'Orders',
      scopes: [{ name: 'orders:read', description: 'Read orders' }],
    });
    assert.equal(api.status, 201, api.text);
  });
  after(() => server.stop());

  const total = async () => (await admin.get<{ total: number }>('/orgs/default/apps?perPage=1')).body.total;

  /** A 400 validation problem whose errors hold every expected field with its message; nothing saved. */
  async function refused(send: () => Promise<{ status: number; body: Problem; text: string }>, expected: Record<string, RegExp>) {
    const before = await total();
    const response = await send();
    assert.equal(response.status, 400, response.text);
    assert.equal(response.body.type, 'urn:latchkey:problem:validation');
    for (const [field, message] of Object.entries(expected)) {
      const problem = response.body.errors?.find((error) => error.field === field && message.test(error.message));
      assert.ok(problem, `a problem for ${field} matching ${message} in ${response.text}`);
    }
    assert.equal(await total(), before, 'nothing was saved');
    return response.body;
  }
  const create = (body: Record<string, unknown>) => () => admin.post<Problem>('/orgs/default/apps', body);
  const update = (clientId: string, body: Record<string, unknown>) => () => admin.patch<Problem>(`/apps/${clientId}`, body);

  const native = { name: 'Phone', type: 'native', redirectUris: ['com.example.phone:/cb'] };
  const spa = { name: 'Browser', type: 'spa', redirectUris: ['https://spa.example.test/cb'] };

  for (const [label, app] of [
    ['native', native],
    ['single-page', spa],
  ] as const) {
    test(`a ${label} app can enable neither client credentials nor token exchange, at create or update`, async () => {
      for (const grant of [clientCredentials, tokenExchange]) {
        await refused(create({ ...app, grantTypes: ['authorization_code', grant] }), { grantTypes: new RegExp(`${grant} is not available to`) });
      }
      const made = await admin.post<{ clientId: string; grantTypes: string[] }>('/orgs/default/apps', app);
      assert.equal(made.status, 201, made.text);
      for (const grant of [clientCredentials, tokenExchange]) {
        await refused(update(made.body.clientId, { grantTypes: ['authorization_code', grant] }), { grantTypes: new RegExp(`${grant} is not available to`) });
      }
    });
  }

  test('a machine-to-machine app is not created without at least one audience + scope pair', async () => {
    await refused(create({ name: 'Job', type: 'm2m' }), { apiGrants: /needs at least one audience \+ scope pair/ });
    await refused(create({ name: 'Job', type: 'm2m', apiGrants: [] }), { apiGrants: /needs at least one audience \+ scope pair/ });
    const made = await admin.post<{ clientId: string; apiGrants: unknown[] }>('/orgs/default/apps', { name: 'Job', type: 'm2m', apiGrants: [pair] });
    assert.equal(made.status, 201, made.text);
    assert.deepEqual(made.body.apiGrants, [pair]);
    // Taking every pair away later is how access is withdrawn: the app then gets no token.
    assert.equal((await admin.patch(`/apps/${made.body.clientId}`, { apiGrants: [] })).status, 200);
  });

  test('ID token audiences are absolute URIs without a fragment', async () => {
    const web = { name: 'Portal', type: 'web', redirectUris: ['https://portal.example.test/cb'] };
    await refused(create({ ...web, idToken: { audiences: ['https://ok.example.test', 'not a uri', 'relative/path', 'https://x.example.test/#part'] } }), {
      'idToken.audiences[1]': /absolute URI without a fragment/,
      'idToken.audiences[2]': /absolute URI without a fragment/,
      'idToken.audiences[3]': /absolute URI without a fragment/,
    });
    const made = await admin.post<{ clientId: string; idToken: { audiences: string[] } }>('/orgs/default/apps', {
      ...web,
      idToken: { audiences: ['https://reports.example.test', 'urn:example:reports'] },
    });
    assert.equal(made.status, 201, made.text);
    assert.deepEqual(made.body.idToken.audiences, ['https://reports.example.test', 'urn:example:reports']);
    await refused(update(made.body.clientId, { idToken: { audiences: ['#frag'] } }), { 'idToken.audiences[0]': /absolute URI without a fragment/ });
  });

  test('every invalid field of a create is reported at once: shape problems and type rules together', async () => {
    const problem = await refused(
      create({
        type: 'spa',
        description: 7,
        redirectUris: ['https://spa.example.test/cb'],
        grantTypes: ['authorization_code', clientCredentials],
        tokenEndpointAuthMethod: 'client_secret_basic',
        idToken: { audiences: ['nope'] },
        accessTokenTTL: 5,
      }),
      {
        name: /is required/,
        description: /./,
        grantTypes: /client_credentials is not available to a single-page app/,
        tokenEndpointAuthMethod: /public client/,
        'idToken.audiences[0]': /absolute URI without a fragment/,
        accessTokenTTL: /is not a setting/,
      },
    );
    assert.equal(new Set(problem.errors!.map((error) => `${error.field}: ${error.message}`)).size, problem.errors!.length, 'each problem once');
  });

  test('every invalid field of an update is reported at once', async () => {
    const made = await admin.post<{ clientId: string }>('/orgs/default/apps', spa);
    await refused(update(made.body.clientId, { name: '', grantTypes: [clientCredentials], security: { requirePkce: false } }), {
      name: /must not be empty/,
      grantTypes: /client_credentials is not available/,
      'security.requirePkce': /PKCE is always required/,
    });
  });
});
