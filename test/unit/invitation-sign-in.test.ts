import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestRegistry, type TestRegistry } from '../support/registry.js';

describe('accepting an invitation while signing in', () => {
  let t: TestRegistry;
  let orgId: string;
  let otherOrgId: string;

  before(async () => {
    t = await createTestRegistry();
    orgId = (await t.registry.orgs.ensureDefault()).id;
    otherOrgId = (await t.registry.orgs.create(t.operator, { name: 'other-org', displayName: 'Other' })).id;
  });
  after(() => t.close());

  const userNamed = (email: string) => t.registry.users.create(t.operator, { email, name: email });
  const invite = async (org: string, email: string) => (await t.registry.orgs.invite(t.operator, org, { email, role: 'developer' })).token;

  test('makes the invited user a member, once, and the audit log names the user', async () => {
    const user = await userNamed('invited@example.com');
    const token = await invite(orgId, user.email);
    assert.equal(await t.registry.orgs.acceptInvitationForSignIn(user.id, token, orgId), true);
    assert.equal((await t.storage.organizations.getMembership(orgId, user.id))?.role, 'developer');
    assert.equal(await t.registry.orgs.acceptInvitationForSignIn(user.id, token, orgId), false, 'single use');
    const records = await t.registry.audit.list(t.operator, { orgId, action: 'invitation.accepted', offset: 0, limit: 10 });
    assert.equal(records.items[0]?.actor.id, user.id);
  });

  test('refuses, and leaves the invitation alone, for another email or another organization', async () => {
    const user = await userNamed('someone@example.com');
    const forOther = await invite(orgId, 'other@example.com');
    assert.equal(await t.registry.orgs.acceptInvitationForSignIn(user.id, forOther, orgId), false);
    const elsewhere = await invite(otherOrgId, user.email);
    assert.equal(await t.registry.orgs.acceptInvitationForSignIn(user.id, elsewhere, orgId), false);
    assert.equal(await t.storage.organizations.getMembership(otherOrgId, user.id), undefined);
    assert.equal(await t.registry.orgs.acceptInvitationForSignIn(user.id, elsewhere, otherOrgId), true, 'still valid where it was meant');
  });

  test('refuses a malformed or unknown token and an unknown user', async () => {
    const user = await userNamed('nobody-invited@example.com');
    assert.equal(await t.registry.orgs.acceptInvitationForSignIn(user.id, 'not-a-token', orgId), false);
    assert.equal(await t.registry.orgs.acceptInvitationForSignIn(user.id, (await invite(orgId, 'x@example.com')) + 'x', orgId), false);
    assert.equal(await t.registry.orgs.acceptInvitationForSignIn('usr_missing', await invite(orgId, user.email), orgId), false);
  });
});
