import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TotpFactorRecord } from '../../src/ports/second-factor-repositories.js';
import type { Storage } from '../../src/ports/storage.js';
import { insertUser, nextId } from './records.js';

const next = nextId;

/** Second factors in the storage contract: authenticator apps, recovery codes, re-authenticated sessions. */
export function secondFactorsContract(storageOf: () => Storage, now: () => number): void {
  const user = (storage: Storage) => insertUser(storage, now(), { emailVerified: true });

  function factor(userId: string, overrides: Partial<TotpFactorRecord> = {}): TotpFactorRecord {
    return {
      id: next('totp_'),
      userId,
      name: 'Phone',
      sealedSecret: 'sealed',
      lastStep: null,
      createdAt: now(),
      confirmedAt: null,
      lastUsedAt: null,
      ...overrides,
    };
  }

  test('totp: confirmed once, listed per user, unconfirmed ones replaced', async () => {
    const storage = storageOf();
    const owner = await user(storage);
    const other = await user(storage);
    const pending = factor(owner.id);
    await storage.totpFactors.insert(pending);
    assert.deepEqual(await storage.totpFactors.get(pending.id), pending);
    assert.equal(await storage.totpFactors.confirm(pending.id, other.id, 10, now()), false, 'not the owner');
    assert.equal(await storage.totpFactors.confirm(pending.id, owner.id, 10, now()), true);
    assert.equal(await storage.totpFactors.confirm(pending.id, owner.id, 11, now()), false, 'confirmed already');
    const confirmed = await storage.totpFactors.get(pending.id);
    assert.equal(confirmed?.lastStep, 10);
    assert.equal(confirmed?.confirmedAt, now());
    const unfinished = factor(owner.id);
    await storage.totpFactors.insert(unfinished);
    assert.deepEqual(
      (await storage.totpFactors.listForUser(owner.id)).map((f) => f.id),
      [pending.id, unfinished.id],
    );
    assert.equal(await storage.totpFactors.deleteUnconfirmed(owner.id), 1);
    assert.deepEqual(
      (await storage.totpFactors.listForUser(owner.id)).map((f) => f.id),
      [pending.id],
    );
    assert.equal(await storage.totpFactors.delete(pending.id, other.id), false);
    assert.equal(await storage.totpFactors.delete(pending.id, owner.id), true);
    assert.equal(await storage.totpFactors.get(pending.id), undefined);
  });

  test('totp: a time step is accepted once, and never an earlier one; unconfirmed factors accept none', async () => {
    const storage = storageOf();
    const owner = await user(storage);
    const unconfirmed = factor(owner.id);
    await storage.totpFactors.insert(unconfirmed);
    assert.equal(await storage.totpFactors.acceptStep(unconfirmed.id, 5, now()), false);
    const live = factor(owner.id, { confirmedAt: now(), lastStep: 100 });
    await storage.totpFactors.insert(live);
    assert.equal(await storage.totpFactors.acceptStep(live.id, 100, now()), false, 'the step of the confirmation');
    assert.equal(await storage.totpFactors.acceptStep(live.id, 99, now()), false, 'an earlier step');
    const uses = await Promise.all([1, 2, 3, 4].map(() => storage.totpFactors.acceptStep(live.id, 101, now())));
    assert.equal(uses.filter(Boolean).length, 1, 'of concurrent uses of one code, one succeeds');
    assert.equal((await storage.totpFactors.get(live.id))?.lastUsedAt, now());
  });

  test('recovery codes: replaced as a set, each used once', async () => {
    const storage = storageOf();
    const owner = await user(storage);
    await storage.recoveryCodes.replace(owner.id, ['a', 'b', 'c'], now());
    assert.equal(await storage.recoveryCodes.countUnused(owner.id), 3);
    const uses = await Promise.all([1, 2, 3].map(() => storage.recoveryCodes.consume(owner.id, 'b', now())));
    assert.equal(uses.filter(Boolean).length, 1);
    assert.equal(await storage.recoveryCodes.consume(owner.id, 'zz', now()), false);
    assert.equal(await storage.recoveryCodes.countUnused(owner.id), 2);
    await storage.recoveryCodes.replace(owner.id, ['d', 'e'], now());
    assert.equal(await storage.recoveryCodes.consume(owner.id, 'a', now()), false, 'the old set is gone');
    assert.equal(await storage.recoveryCodes.countUnused(owner.id), 2);
    assert.equal(await storage.recoveryCodes.deleteForUser(owner.id), 2);
    assert.equal(await storage.recoveryCodes.countUnused(owner.id), 0);
  });

  test('sessions: re-authenticated in place keep their sid under a new cookie hash', async () => {
    const storage = storageOf();
    const owner = await user(storage);
    const session = {
      idHash: next('sess'),
      sid: next('sid'),
      userId: owner.id,
      authTime: now() - 5000,
      amr: ['pwd'],
      createdAt: now() - 5000,
      expiresAt: now() + 60_000,
      lastSeenAt: now() - 5000,
      ip: null,
      userAgent: null,
    };
    await storage.sessions.insert(session);
    const renewed = await storage.sessions.reauthenticate(session.idHash, {
      idHash: next('sess'),
      amr: ['pwd', 'otp', 'mfa'],
      authTime: now(),
      lastSeenAt: now(),
    });
    assert.equal(renewed?.sid, session.sid);
    assert.deepEqual(renewed?.amr, ['pwd', 'otp', 'mfa']);
    assert.equal(await storage.sessions.getByHash(session.idHash), undefined, 'the old cookie names nothing');
    assert.deepEqual(await storage.sessions.getByHash(renewed.idHash), renewed);
    assert.equal(await storage.sessions.reauthenticate(session.idHash, { idHash: next('sess'), amr: [], authTime: 0, lastSeenAt: 0 }), undefined);
  });

  test('organizations: whether members need a second factor is stored', async () => {
    const storage = storageOf();
    const org = { id: next('org_'), name: next('mfa-'), displayName: 'MFA', requireMfa: true, createdAt: now(), updatedAt: now() };
    assert.equal(await storage.organizations.insert(org), true);
    assert.equal((await storage.organizations.get(org.id))?.requireMfa, true);
    await storage.organizations.update({ ...org, requireMfa: false });
    assert.equal((await storage.organizations.get(org.id))?.requireMfa, false);
  });

  test('organizations: whether any organization of a user asks its members for a second factor', async () => {
    const storage = storageOf();
    const member = await user(storage);
    const outsider = await user(storage);
    const relaxed = { id: next('org_'), name: next('relaxed-'), displayName: 'Relaxed', requireMfa: false, createdAt: now(), updatedAt: now() };
    const strict = { id: next('org_'), name: next('strict-'), displayName: 'Strict', requireMfa: true, createdAt: now(), updatedAt: now() };
    await storage.organizations.insert(relaxed);
    await storage.organizations.insert(strict);
    await storage.organizations.putMembership({ orgId: relaxed.id, userId: member.id, role: 'developer', createdAt: now() });
    assert.equal(await storage.organizations.anyRequiresMfa(member.id), false, 'only a relaxed organization');
    await storage.organizations.putMembership({ orgId: strict.id, userId: member.id, role: 'developer', createdAt: now() });
    assert.equal(await storage.organizations.anyRequiresMfa(member.id), true);
    assert.equal(await storage.organizations.anyRequiresMfa(outsider.id), false, 'no membership');
    await storage.organizations.update({ ...strict, requireMfa: false });
    assert.equal(await storage.organizations.anyRequiresMfa(member.id), false, 'the setting was turned off');
  });
}
