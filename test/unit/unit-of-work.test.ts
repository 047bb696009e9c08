import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { commitChange, organizationChange, type ChangeDependencies } from '../../src/domain/audit/unit-of-work.js';
import type { AuditQuery } from '../../src/ports/audit-repository.js';
import type { DomainEvent } from '../../src/ports/domain-events.js';
import type { OrganizationRecord } from '../../src/ports/org-repositories.js';
import type { Storage } from '../../src/ports/storage.js';
import { createTestRegistry, type TestRegistry } from '../support/registry.js';

describe('commitChange: one transaction for the change and its audit row, the event after the commit', () => {
  let t: TestRegistry;
  let published: DomainEvent[];
  let counter = 0;

  before(async () => {
    t = await createTestRegistry();
    t.events.subscribe((event) => published.push(event));
  });
  after(() => t.close());

  const newOrg = (): OrganizationRecord => {
    counter += 1;
    return { id: `org_uow${counter}`, name: `uow-${counter}`, displayName: `UoW ${counter}`, requireMfa: false, createdAt: 1, updatedAt: 1 };
  };
  const created = (org: OrganizationRecord) =>
    organizationChange(
      { type: 'org.created', orgId: org.id },
      { action: 'org.created', targetType: 'organization', targetId: org.id, changes: { name: org.name } },
    );
  const deps = (storage: Storage = t.storage): ChangeDependencies => ({ storage, clock: t.clock, events: t.events });
  const auditOf = async (orgId: string) => (await t.storage.audit.list({ orgId, offset: 0, limit: 10 })).items;

  test('the change, its audit row and its event all happen, and the result comes back', async () => {
    published = [];
    const org = newOrg();
    const result = await commitChange(deps(), { actor: { kind: 'operator' }, requestId: 'req-1' }, async (tx) => {
      await tx.organizations.insert(org);
      return { result: 'made', changes: [created(org)] };
    });
    assert.equal(result, 'made');
    assert.ok(await t.storage.organizations.get(org.id));
    const [row, ...more] = await auditOf(org.id);
    assert.deepEqual(more, []);
    assert.equal(row?.action, 'org.created');
    assert.equal(row?.requestId, 'req-1');
    assert.equal(row?.actor.type, 'operator');
    assert.deepEqual(published, [{ type: 'org.created', orgId: org.id }]);
  });

  test('when the work throws, nothing is stored, no audit row is written and no event is published', async () => {
    published = [];
    const org = newOrg();
    await assert.rejects(
      commitChange(deps(), { actor: { kind: 'operator' } }, async (tx) => {
        await tx.organizations.insert(org);
        throw new Error('the work failed');
      }),
      /the work failed/,
    );
    assert.equal(await t.storage.organizations.get(org.id), undefined, 'rolled back');
    assert.deepEqual(await auditOf(org.id), []);
    assert.deepEqual(published, []);
  });

  test('when the audit row cannot be written, the change rolls back and no event is published', async () => {
    published = [];
    const org = newOrg();
    const failingAudit: Storage = Object.create(t.storage, {
      transaction: {
        value: <T>(work: (tx: Storage) => Promise<T>) =>
          t.storage.transaction((tx) =>
            work(
              Object.create(tx, {
                audit: { value: { insert: () => Promise.reject(new Error('audit unavailable')), list: (query: AuditQuery) => tx.audit.list(query) } },
              }) as Storage,
            ),
          ),
      },
    }) as Storage;
    await assert.rejects(
      commitChange(deps(failingAudit), { actor: { kind: 'operator' } }, async (tx) => {
        await tx.organizations.insert(org);
        return { result: undefined, changes: [created(org)] };
      }),
      /audit unavailable/,
    );
    assert.equal(await t.storage.organizations.get(org.id), undefined, 'rolled back');
    assert.deepEqual(published, []);
  });

  test('the event is published only after the transaction has committed', async () => {
    published = [];
    const org = newOrg();
    const steps: string[] = [];
    const observed: Storage = Object.create(t.storage, {
      transaction: {
        value: async <T>(work: (tx: Storage) => Promise<T>) => {
          const result = await t.storage.transaction(work);
          steps.push('committed');
          return result;
        },
      },
    }) as Storage;
    const unsubscribe = t.events.subscribe(() => steps.push('published'));
    try {
      await commitChange(deps(observed), { actor: { kind: 'operator' } }, async (tx) => {
        await tx.organizations.insert(org);
        steps.push('worked');
        return { result: undefined, changes: [created(org)] };
      });
    } finally {
      unsubscribe();
    }
    assert.deepEqual(steps, ['worked', 'committed', 'published']);
  });

  test('Latchkey as the author: a system actor and no request id', async () => {
    const org = newOrg();
    await commitChange(deps(), 'latchkey', async (tx) => {
      await tx.organizations.insert(org);
      return { result: undefined, changes: [created(org)] };
    });
    const [row] = await auditOf(org.id);
    assert.deepEqual(row?.actor, { type: 'system', id: null, label: 'Latchkey' });
    assert.equal(row?.requestId, null);
  });

  test('a unit of work with no changes writes no audit row and publishes nothing', async () => {
    published = [];
    assert.equal(await commitChange(deps(), { actor: { kind: 'operator' } }, () => Promise.resolve({ result: 42, changes: [] })), 42);
    assert.deepEqual(published, []);
  });
});
