import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { allManagementScopes } from '../../src/domain/access/actor.js';
import { KeyEncryption } from '../../src/domain/keys/key-encryption.js';
import { rotateSigningKeys } from '../../src/domain/keys/key-rotation.js';
import { SigningKeys } from '../../src/domain/keys/signing-keys.js';
import type { AuditEventRecord } from '../../src/ports/audit-repository.js';
import type { DomainEvent } from '../../src/ports/domain-events.js';
import type { OrganizationRecord } from '../../src/ports/org-repositories.js';
import { deriveKey } from '../../src/shared/derived-keys.js';
import { createTestRegistry, type TestRegistry } from '../support/registry.js';

// Every change is audited and published: members, invitations and key rotation included.
describe('members, invitations and key rotation publish events and write audit rows', () => {
  let t: TestRegistry;
  let org: OrganizationRecord;
  let published: DomainEvent[];
  let counter = 0;

  before(async () => {
    t = await createTestRegistry();
    t.events.subscribe((event) => published.push(event));
    org = await t.registry.orgs.create(t.operator, { name: 'people' });
  });
  after(() => t.close());

  const newUser = async () => {
    counter += 1;
    return t.registry.users.create(t.operator, { email: `person-${counter}@example.com` });
  };
  /** Runs one change a second after the previous one (audit rows sort by time), hearing only its events. */
  const change = <T>(work: () => Promise<T>): Promise<T> => {
    t.clock.advance(1_000);
    published = [];
    return work();
  };
  /** The newest audit row of the organization (or the server-wide ones with null). */
  const lastAudit = async (orgId: string | null): Promise<AuditEventRecord | undefined> =>
    (await t.storage.audit.list({ orgId, offset: 0, limit: 1 })).items[0];

  test('adding a member, changing their role and removing them', async () => {
    const user = await newUser();
    await change(() => t.registry.orgs.putMember(t.operator, org.id, { userId: user.id, role: 'developer' }));
    assert.deepEqual(published, [{ type: 'member.added', orgId: org.id, userId: user.id }]);
    assert.deepEqual((({ action, targetId, changes }) => ({ action, targetId, changes }))((await lastAudit(org.id))!), {
      action: 'member.added',
      targetId: user.id,
      changes: { email: user.email, role: 'developer' },
    });

    await change(() => t.registry.orgs.changeRole(t.operator, org.id, user.id, { role: 'admin' }));
    assert.deepEqual(published, [{ type: 'member.updated', orgId: org.id, userId: user.id }]);
    const changed = await lastAudit(org.id);
    assert.equal(changed?.action, 'member.role_changed');
    assert.deepEqual(changed?.changes.role, { from: 'developer', to: 'admin' });

    await change(() => t.registry.orgs.removeMember(t.operator, org.id, user.id));
    assert.deepEqual(published, [{ type: 'member.removed', orgId: org.id, userId: user.id }]);
    const removed = await lastAudit(org.id);
    assert.equal(removed?.action, 'member.removed');
    assert.equal(removed?.targetId, user.id);
  });

  test('a refused change publishes nothing and writes no audit row', async () => {
    const before = (await t.storage.audit.list({ orgId: org.id, offset: 0, limit: 1 })).total;
    await assert.rejects(
      change(() => t.registry.orgs.removeMember(t.operator, org.id, 'usr_nobody')),
      /member usr_nobody/,
    );
    assert.deepEqual(published, []);
    assert.equal((await t.storage.audit.list({ orgId: org.id, offset: 0, limit: 1 })).total, before);
  });

  test('creating, accepting and revoking invitations', async () => {
    const invitee = await newUser();
    const { invitation, token } = await change(() => t.registry.orgs.invite(t.operator, org.id, { email: invitee.email, role: 'viewer' }));
    assert.deepEqual(published, [{ type: 'invitation.created', orgId: org.id, invitationId: invitation.id }]);
    const created = await lastAudit(org.id);
    assert.equal(created?.action, 'invitation.created');
    assert.equal(created?.targetId, invitation.id);

    const asInvitee = { actor: { kind: 'user' as const, userId: invitee.id, email: invitee.email, scopes: new Set(allManagementScopes) } };
    await change(() => t.registry.orgs.acceptInvitation(asInvitee, token));
    assert.deepEqual(published, [{ type: 'invitation.accepted', orgId: org.id, invitationId: invitation.id, userId: invitee.id }]);
    const accepted = await lastAudit(org.id);
    assert.equal(accepted?.action, 'invitation.accepted');
    assert.equal(accepted?.actor.id, invitee.id);

    const other = await newUser();
    const second = await t.registry.orgs.invite(t.operator, org.id, { email: other.email, role: 'viewer' });
    await change(() => t.registry.orgs.revokeInvitation(t.operator, org.id, second.invitation.id));
    assert.deepEqual(published, [{ type: 'invitation.revoked', orgId: org.id, invitationId: second.invitation.id }]);
    const revoked = await lastAudit(org.id);
    assert.equal(revoked?.action, 'invitation.revoked');
    assert.equal(revoked?.targetId, second.invitation.id);
  });

  test('a key rotation: a server-wide audit row and key.rotated naming the key it replaced', async () => {
    const signingKeys = new SigningKeys(
      t.storage.signingKeys,
      t.storage.settings,
      new KeyEncryption(deriveKey('change-events-test-secret-0123456789abcdef', 'signing-key-encryption')),
      t.clock,
      { algorithms: ['ES256', 'EdDSA'], retireAfterMs: 60_000 },
    );
    await signingKeys.initialize();
    const previousKid = signingKeys.signingKey('ES256').kid;
    const [rotation] = await change(() => rotateSigningKeys({ storage: t.storage, clock: t.clock, events: t.events, signingKeys }, t.operator, ['ES256']));
    assert.ok(rotation);
    assert.equal(signingKeys.signingKey('ES256').kid, rotation.kid, 'this process signs with the new key at once');
    assert.deepEqual(published, [{ type: 'key.rotated', kid: rotation.kid, alg: 'ES256', previousKid }]);
    const row = await lastAudit(null);
    assert.equal(row?.orgId, null);
    assert.equal(row?.action, 'key.rotated');
    assert.equal(row?.targetType, 'signing_key');
    assert.equal(row?.targetId, rotation.kid);
    assert.equal(row?.actor.type, 'operator');
    assert.deepEqual(row?.changes, { alg: 'ES256', previousKid, previousRetiresAt: new Date(t.clock.now() + 60_000).toISOString() });
  });
});
