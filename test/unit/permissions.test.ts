import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { allManagementScopes, permissionTable, roles, type Permission } from '../../src/contracts/permissions.js';
import type { RequestContext } from '../../src/domain/audit/audit-log.js';
import { DomainError } from '../../src/domain/errors.js';
import type { Role } from '../../src/ports/org-repositories.js';
import { createTestRegistry, memberWithRole, type TestRegistry } from '../support/registry.js';

/** A representative use case for each permission, run against a fresh organization. */
const operations: Record<Permission, (t: TestRegistry, orgId: string, as: RequestContext) => Promise<unknown>> = {
  'org:read': (t, orgId, as) => t.registry.orgs.get(as, orgId),
  'org:update': (t, orgId, as) => t.registry.orgs.update(as, orgId, { displayName: 'Renamed' }),
  'org:delete': (t, orgId, as) => t.registry.orgs.delete(as, orgId),
  'members:read': (t, orgId, as) => t.registry.orgs.listMembers(as, orgId),
  'members:manage': (t, orgId, as) => t.registry.orgs.invite(as, orgId, { email: 'new@example.com', role: 'viewer' }),
  'apps:read': async (t, orgId, as) => t.registry.apps.get(as, (await webApp(t, orgId)).clientId),
  'apps:create': (t, orgId, as) => t.registry.apps.create(as, orgId, { name: 'New', type: 'device' }),
  'apps:update': async (t, orgId, as) => t.registry.apps.update(as, (await webApp(t, orgId)).clientId, { description: 'changed' }),
  'apps:delete': async (t, orgId, as) => t.registry.apps.delete(as, (await webApp(t, orgId)).clientId),
  'apps:rotate_secret': async (t, orgId, as) => t.registry.apps.rotateSecret(as, (await webApp(t, orgId)).clientId),
  'apps:approve': async (t, orgId, as) => {
    const { app } = await t.registry.apps.create(t.operator, orgId, {
      name: 'Public',
      type: 'spa',
      visibility: 'public',
      redirectUris: ['https://spa.example.com/cb'],
    });
    await t.registry.apps.transition(t.operator, app.clientId, 'submit');
    return t.registry.apps.transition(as, app.clientId, 'approve');
  },
  'apps:preauthorize': async (t, orgId, as) => {
    const app = await webApp(t, orgId);
    const member = await memberWithRole(t, orgId, 'viewer');
    return t.registry.preAuthorizations.create(as, app.clientId, { user: member.actor.userId, scopes: ['openid'] });
  },
  'apis:read': (t, orgId, as) => t.registry.apis.list(as, orgId, { offset: 0, limit: 10 }),
  'apis:manage': (t, orgId, as) => t.registry.apis.create(as, orgId, { identifier: `https://api-${orgId}.example.com`, name: 'API' }),
  'credentials:read': (t, orgId, as) => t.registry.credentials.list(as, orgId, { offset: 0, limit: 10 }),
  'credentials:create_own': async (t, orgId, as) => {
    await orgApi(t, orgId);
    return t.registry.credentials.create(as, orgId, { name: 'Mine', apiGrants: [{ audience: apiIdentifier(orgId), scopes: ['read'] }] });
  },
  'credentials:manage': async (t, orgId, as) => {
    await orgApi(t, orgId);
    const other = await memberWithRole(t, orgId, 'developer');
    return t.registry.credentials.create(as, orgId, {
      name: 'For someone',
      userId: other.actor.userId,
      apiGrants: [{ audience: apiIdentifier(orgId), scopes: ['read'] }],
    });
  },
  'registration_tokens:read': (t, orgId, as) => t.registry.initialAccessTokens.list(as, orgId),
  'registration_tokens:manage': (t, orgId, as) => t.registry.initialAccessTokens.create(as, orgId, { name: 'partners' }),
  'audit:read': (t, orgId, as) => t.registry.audit.list(as, { orgId, offset: 0, limit: 10 }),
  'connections:read': (t, orgId, as) => t.registry.connections.list(as, orgId),
  'connections:manage': (t, orgId, as) =>
    t.registry.connections.create(as, orgId, {
      name: 'corp',
      displayName: 'Corp',
      issuer: 'https://idp.example.com',
      clientId: 'latchkey',
      clientSecret: 'upstream secret',
    }),
};

function apiIdentifier(orgId: string): string {
  return `https://data-${orgId.toLowerCase()}.example.com`;
}

async function orgApi(t: TestRegistry, orgId: string) {
  return t.registry.apis.create(t.operator, orgId, { identifier: apiIdentifier(orgId), name: 'Data', scopes: [{ name: 'read', description: 'Read' }] });
}

async function webApp(t: TestRegistry, orgId: string) {
  return (await t.registry.apps.create(t.operator, orgId, { name: 'Web', type: 'web', redirectUris: ['https://web.example.com/cb'] })).app;
}

/** What an app acting for itself (client credentials) may hold: never what is about people. */
const expectedForClients: Record<Permission, boolean> = {
  'org:read': true,
  'org:update': true,
  'org:delete': false,
  'members:read': true,
  'members:manage': false,
  'apps:read': true,
  'apps:create': true,
  'apps:update': true,
  'apps:delete': true,
  'apps:rotate_secret': true,
  'apps:approve': false,
  'apps:preauthorize': false,
  'apis:read': true,
  'apis:manage': true,
  'credentials:read': false,
  'credentials:create_own': false,
  'credentials:manage': false,
  'registration_tokens:read': false,
  'registration_tokens:manage': false,
  'audit:read': true,
  'connections:read': false,
  'connections:manage': false,
};

/** The table as the product defines it: a change to src/contracts/permissions.ts must change this too. */
const expectedMatrix: Record<Permission, string> = {
  'org:read': 'owner admin developer viewer',
  'org:update': 'owner admin',
  'org:delete': 'owner',
  'members:read': 'owner admin developer viewer',
  'members:manage': 'owner admin',
  'apps:read': 'owner admin developer viewer',
  'apps:create': 'owner admin developer',
  'apps:update': 'owner admin developer',
  'apps:delete': 'owner admin',
  'apps:rotate_secret': 'owner admin developer',
  'apps:approve': 'owner admin',
  'apps:preauthorize': 'owner admin',
  'apis:read': 'owner admin developer viewer',
  'apis:manage': 'owner admin',
  'credentials:read': 'owner admin developer viewer',
  'credentials:create_own': 'owner admin developer',
  'credentials:manage': 'owner admin',
  'registration_tokens:read': 'owner admin',
  'registration_tokens:manage': 'owner admin',
  'audit:read': 'owner admin',
  'connections:read': 'owner admin',
  'connections:manage': 'owner admin',
};

test('the permission table is the one the product defines', () => {
  const actual = Object.fromEntries(Object.entries(permissionTable).map(([permission, entry]) => [permission, entry.roles.join(' ')]));
  assert.deepEqual(actual, expectedMatrix);
  assert.deepEqual(Object.fromEntries(Object.entries(permissionTable).map(([permission, entry]) => [permission, entry.clients])), expectedForClients);
});

describe('the permission table is enforced in src/domain', () => {
  let t: TestRegistry;
  let counter = 0;
  before(async () => {
    t = await createTestRegistry();
  });
  after(() => t.close());

  for (const permission of Object.keys(permissionTable) as Permission[]) {
    for (const role of roles as readonly Role[]) {
      const allowed = (permissionTable[permission].roles as readonly Role[]).includes(role);
      test(`${role} ${allowed ? 'may' : 'may not'} ${permission}`, async () => {
        counter += 1;
        const org = await t.registry.orgs.create(t.operator, { name: `org-${counter}` });
        const as = await memberWithRole(t, org.id, role);
        const attempt = operations[permission](t, org.id, as);
        if (allowed) {
          await attempt;
        } else {
          await assert.rejects(attempt, (error: unknown) => {
            assert.ok(error instanceof DomainError);
            assert.equal(error.kind, 'forbidden');
            assert.match(error.message, new RegExp(`the ${role} role may not .*\\(${permission} needs`));
            return true;
          });
        }
      });
    }
  }

  for (const permission of Object.keys(permissionTable) as Permission[]) {
    const allowed = permissionTable[permission].clients;
    test(`an app acting for itself with every scope ${allowed ? 'may' : 'may not'} ${permission}, and has no role`, async () => {
      counter += 1;
      const org = await t.registry.orgs.create(t.operator, { name: `client-org-${counter}` });
      const as: RequestContext = {
        actor: { kind: 'client', clientId: `m2m-${counter}`, orgId: org.id, name: 'Automation', scopes: new Set(allManagementScopes), ownerUserId: null },
      };
      assert.equal(await t.registry.authorizer.roleIn(as.actor, org.id), null);
      const attempt = operations[permission](t, org.id, as);
      if (allowed) {
        await attempt;
      } else {
        await assert.rejects(attempt, (error: unknown) => {
          assert.ok(error instanceof DomainError);
          assert.equal(error.kind, 'forbidden');
          assert.match(error.message, /an app acting for itself may not|for people|belong to people/);
          return true;
        });
      }
    });
  }

  test('an app acting for itself sees another organization as not found, whatever its scopes', async () => {
    const org = await t.registry.orgs.create(t.operator, { name: 'client-home' });
    const other = await t.registry.orgs.create(t.operator, { name: 'client-elsewhere' });
    const as: RequestContext = {
      actor: { kind: 'client', clientId: 'm2m-x', orgId: org.id, name: 'Automation', scopes: new Set(allManagementScopes), ownerUserId: null },
    };
    await assert.rejects(t.registry.orgs.get(as, other.id), (error: DomainError) => error.kind === 'not_found');
    await assert.rejects(t.registry.apps.create(as, other.id, { name: 'x', type: 'm2m' }), (error: DomainError) => error.kind === 'not_found');
  });

  test("per-user client credentials can do no more than their owner's role, and nothing once the owner left", async () => {
    const org = await t.registry.orgs.create(t.operator, { name: 'owned-credentials' });
    const viewer = await memberWithRole(t, org.id, 'viewer');
    const as: RequestContext = {
      actor: { kind: 'client', clientId: 'cred-x', orgId: org.id, name: 'Script', scopes: new Set(allManagementScopes), ownerUserId: viewer.actor.userId },
    };
    await t.registry.apps.list(as, org.id, { offset: 0, limit: 10 });
    await assert.rejects(t.registry.apps.create(as, org.id, { name: 'x', type: 'm2m' }), /owner's viewer role may not create apps/);
    await t.registry.orgs.removeMember(t.operator, org.id, viewer.actor.userId);
    await assert.rejects(t.registry.apps.list(as, org.id, { offset: 0, limit: 10 }), /stopped working/);
  });

  test('someone outside the organization sees it as not found', async () => {
    const org = await t.registry.orgs.create(t.operator, { name: 'private-org' });
    const other = await t.registry.orgs.create(t.operator, { name: 'other-org' });
    const outsider = await memberWithRole(t, other.id, 'owner');
    await assert.rejects(t.registry.orgs.get(outsider, org.id), (error: DomainError) => error.kind === 'not_found');
    const app = await webApp(t, org.id);
    await assert.rejects(t.registry.apps.get(outsider, app.clientId), (error: DomainError) => error.kind === 'not_found');
  });

  test('a token without the scope is refused even for an owner', async () => {
    const org = await t.registry.orgs.create(t.operator, { name: 'scoped-org' });
    const owner = await memberWithRole(t, org.id, 'owner');
    const readOnly = { actor: { ...owner.actor, scopes: new Set(['apps:read'] as const) } };
    await assert.rejects(t.registry.apps.create(readOnly, org.id, { name: 'x', type: 'm2m' }), /this token lacks the apps:write scope/);
  });

  test('an admin may not make an owner; only an owner may', async () => {
    const org = await t.registry.orgs.create(t.operator, { name: 'roles-org' });
    const admin = await memberWithRole(t, org.id, 'admin');
    const owner = await memberWithRole(t, org.id, 'owner');
    const developer = await memberWithRole(t, org.id, 'developer');
    await assert.rejects(t.registry.orgs.putMember(admin, org.id, { userId: developer.actor.userId, role: 'owner' }), /only an owner may/);
    await t.registry.orgs.putMember(owner, org.id, { userId: developer.actor.userId, role: 'owner' });
  });

  test('the last owner can be neither demoted nor removed', async () => {
    const org = await t.registry.orgs.create(t.operator, { name: 'last-owner' });
    const owner = await memberWithRole(t, org.id, 'owner');
    await assert.rejects(t.registry.orgs.putMember(owner, org.id, { userId: owner.actor.userId, role: 'admin' }), /keeps at least one owner/);
    await assert.rejects(t.registry.orgs.removeMember(owner, org.id, owner.actor.userId), /keeps at least one owner/);
  });
});
