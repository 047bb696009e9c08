import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { operatorActor } from '../../src/domain/access/actor.js';
import { userWithToken } from '../support/api.js';
import { startTestServer } from '../support/server.js';

/** What /me tells the console about creating organizations, and that creation agrees with it. */
describe('GET /me says whether the caller may create organizations', () => {
  for (const selfService of [true, false]) {
    test(`with orgs.selfService ${selfService ? 'on' : 'off'}`, async (t) => {
      const server = await startTestServer({ inProcess: true, logLevel: 'warn', env: { LATCHKEY_ORGS_SELF_SERVICE: String(selfService) } });
      t.after(() => server.stop());
      const { api } = await userWithToken(server);
      const admin = await userWithToken(server);
      await server.server.runtime.registry.users.update({ actor: operatorActor }, admin.userId, { isAdmin: true });

      const me = await api.get<{ mayCreateOrganizations: boolean }>('/me');
      assert.equal(me.status, 200);
      assert.equal(me.body.mayCreateOrganizations, selfService);
      const created = await api.post('/orgs', { name: `by-user-${selfService}`, displayName: 'By a user' });
      assert.equal(created.status, selfService ? 201 : 403, created.text);

      assert.equal((await admin.api.get<{ mayCreateOrganizations: boolean }>('/me')).body.mayCreateOrganizations, true);
      assert.equal((await admin.api.post('/orgs', { name: `by-admin-${selfService}` })).status, 201);
    });
  }
});
