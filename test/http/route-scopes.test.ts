// Every management route documents, in the OpenAPI document's `x-required-scope`, the scope its
// permission needs; this proves the domain checks exactly that scope for every route: a token with
// only that scope gets past the scope check, and a token with every other scope is refused.
import assert from 'node:assert/strict';
import { exportJWK, generateKeyPair } from 'jose';
import { after, before, describe, test } from 'node:test';
import { allManagementScopes, permissionTable, type ManagementScope } from '../../src/contracts/permissions.js';
import { operatorActor } from '../../src/domain/access/actor.js';
import { managementRoutes } from '../../src/http/api/management-api.js';
import { requiredScopeOf, type AnyApiRoute } from '../../src/http/api/route-kit.js';
import { ApiCaller } from '../support/api.js';
import { startTestServer, type TestServer } from '../support/server.js';

const operator = { actor: operatorActor };

describe('the scope each management route documents', () => {
  let server: TestServer;
  let routes: AnyApiRoute[];
  let counter = 0;
  const registry = () => server.server.runtime.registry;

  before(async () => {
    server = await startTestServer({ inProcess: true });
    routes = managementRoutes({ registry: registry(), serverMetadata: {}, resources: { getApi: () => Promise.resolve(undefined) } });
  });
  after(async () => server.stop());

  /** A fresh organization with one of everything a route can name, so that deleting one leaves the next route its own. */
  async function fixtures() {
    counter += 1;
    const admin = await registry().users.create(operator, { email: `admin-${counter}@example.test`, name: 'Admin', isAdmin: true });
    const org = await registry().orgs.create(operator, { name: `scopes-${counter}`, owner: admin.id });
    const member = await registry().users.create(operator, { email: `member-${counter}@example.test`, name: 'Member' });
    await registry().orgs.putMember(operator, org.id, { userId: member.id, role: 'developer' });
    const identifier = `https://data-${counter}.example.test`;
    const api = await registry().apis.create(operator, org.id, { identifier, name: 'Data', scopes: [{ name: 'read', description: 'Read' }] });
    const { app } = await registry().apps.create(operator, org.id, { name: 'Web', type: 'web', redirectUris: ['https://web.example.test/cb'] });
    const pair = await generateKeyPair('ES256', { extractable: true });
    const [certificate] = await registry().apps.addCertificate(operator, app.clientId, JSON.stringify(await exportJWK(pair.publicKey)));
    const preAuthorization = await registry().preAuthorizations.create(operator, app.clientId, { user: member.id, scopes: ['openid'] });
    const { app: credential } = await registry().credentials.create(operator, org.id, {
      name: 'Mine',
      userId: admin.id,
      apiGrants: [{ audience: identifier, scopes: ['read'] }],
    });
    const { invitation } = await registry().orgs.invite(operator, org.id, { email: `invited-${counter}@example.test`, role: 'viewer' });
    const { record: memberToken } = await registry().tokens.create(operator, member.id, { name: 'theirs', scopes: ['apps:read'] });
    const connection = await registry().connections.create(operator, org.id, {
      name: 'sso',
      displayName: 'SSO',
      issuer: 'https://idp.example.test',
      clientId: 'latchkey',
      clientSecret: 'upstream secret',
    });
    const params: Record<string, string> = {
      org: org.name,
      api: api.id,
      clientId: app.clientId,
      certificateId: certificate!.id,
      id: preAuthorization.id,
      userId: member.id,
      invitationId: invitation.id,
      user: member.id,
      tokenId: memberToken.id,
      connection: connection.id,
    };
    return { admin, params, credentialId: credential.clientId, identifier };
  }

  async function callAs(route: AnyApiRoute, scopes: ManagementScope[]) {
    const { admin, params, credentialId, identifier } = await fixtures();
    const { token } = await registry().tokens.create(operator, admin.id, { name: 'probe', scopes });
    const path = route.path.replace(/\{([^}]+)\}/g, (_match, name: string) =>
      name === 'clientId' && route.path.startsWith('/credentials/') ? credentialId : params[name]!,
    );
    // Making credentials reads the body first (whose they are decides the permission), so it gets a valid one.
    const body = route.operationId === 'createCredential' ? { name: 'Probe', apiGrants: [{ audience: identifier, scopes: ['read'] }] } : {};
    return new ApiCaller(server, token).call<{ detail?: string } | undefined>(route.method, path, route.body ? body : undefined);
  }

  test('comes from the permission table for every organization operation', () => {
    for (const route of routes) {
      if (!route.permission) continue;
      const permissions = [route.permission].flat();
      for (const permission of permissions) {
        assert.equal(requiredScopeOf(route), permissionTable[permission].scope, `${route.method} ${route.path} (${permission})`);
      }
    }
  });

  test('is named by every route that takes a token', () => {
    const unscoped = routes.filter((route) => requiredScopeOf(route) === undefined).map((route) => `${route.method} ${route.path}`);
    assert.deepEqual(unscoped, ['GET /me', 'GET /limits', 'GET /me/consents', 'DELETE /me/consents/{clientId}']);
  });

  test('is enough: a token with only that scope gets past the scope check', async () => {
    const refused: string[] = [];
    for (const route of routes) {
      const scope = requiredScopeOf(route);
      if (!scope) continue;
      const response = await callAs(route, [scope]);
      if (response.status === 403 && /lacks the/.test(response.body?.detail ?? '')) refused.push(`${route.method} ${route.path}: ${response.body?.detail}`);
    }
    assert.deepEqual(refused, []);
  });

  test('is needed: a token with every other scope is refused with 403', async () => {
    const admitted: string[] = [];
    for (const route of routes) {
      const scope = requiredScopeOf(route);
      if (!scope) continue;
      const response = await callAs(
        route,
        allManagementScopes.filter((other) => other !== scope),
      );
      if (response.status !== 403 || response.body?.detail !== `this token lacks the ${scope} scope`) {
        admitted.push(`${route.method} ${route.path}: ${response.status} ${response.body?.detail ?? ''}`);
      }
    }
    assert.deepEqual(admitted, []);
  });
});
