import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { confirmedEmail } from '../../src/domain/identity/account-service.js';
import { endSessionsIn } from '../../src/domain/identity/sessions.js';
import { emptyProfile, type UserRecord } from '../../src/ports/identity-repositories.js';
import type { SessionRecord } from '../../src/ports/oauth-repositories.js';
import { sessionEnd } from '../../src/protocol/sessions.js';
import { createTestRegistry, type TestRegistry } from '../support/registry.js';

const user: UserRecord = {
  id: 'usr_1',
  email: 'old@example.test',
  name: 'Old',
  passwordHash: null,
  emailVerified: false,
  isAdmin: false,
  disabledAt: null,
  lockedUntil: null,
  profile: emptyProfile,
  createdAt: 0,
  updatedAt: 0,
};

describe('a confirmed verify_email link', () => {
  test('to another address changes the email, marks it verified and tells the old address', () => {
    const confirmed = confirmedEmail(user, { userId: 'usr_1', email: 'new@example.test' }, 5);
    assert.equal(confirmed?.user.email, 'new@example.test');
    assert.equal(confirmed?.user.emailVerified, true);
    assert.equal(confirmed?.user.updatedAt, 5);
    assert.deepEqual(confirmed?.notice, {
      to: 'old@example.test',
      template: 'email-changed',
      variables: { name: 'Old', newEmail: 'new@example.test' },
      organization: null,
    });
  });

  test("to the account's own address only verifies it", () => {
    const confirmed = confirmedEmail(user, { userId: 'usr_1', email: 'old@example.test' }, 5);
    assert.equal(confirmed?.user.email, 'old@example.test');
    assert.equal(confirmed?.user.emailVerified, true);
    assert.equal(confirmed?.notice, null);
  });

  test('of another account changes nothing', () => {
    assert.equal(confirmedEmail(user, { userId: 'usr_2', email: 'new@example.test' }, 5), null);
  });
});

describe('session lifetimes', () => {
  const lifetimes = { sessionTtlMs: 60 * 60_000, sessionIdleMs: 10 * 60_000 };
  test('a used session ends the idle timeout after its use, never after its absolute end', () => {
    assert.equal(sessionEnd({ createdAt: 0 }, 0, lifetimes), 10 * 60_000);
    assert.equal(sessionEnd({ createdAt: 0 }, 30 * 60_000, lifetimes), 40 * 60_000);
    assert.equal(sessionEnd({ createdAt: 0 }, 55 * 60_000, lifetimes), 60 * 60_000);
    assert.equal(sessionEnd({ createdAt: 0 }, 55 * 60_000, { sessionTtlMs: lifetimes.sessionTtlMs }), 60 * 60_000, 'no idle timeout');
  });
});

describe('endSessionsIn', () => {
  let t: TestRegistry;
  before(async () => (t = await createTestRegistry()));
  after(() => t.close());

  const session = (idHash: string, userId: string): SessionRecord => ({
    idHash,
    sid: `sid-${idHash}`,
    userId,
    authTime: 0,
    amr: ['pwd'],
    createdAt: t.clock.now(),
    expiresAt: t.clock.now() + 3600_000,
    lastSeenAt: t.clock.now(),
    ip: null,
    userAgent: null,
  });

  test("ends one session by sid, only the user's own, then all but the kept one, each with a session.ended", async () => {
    const a = (await t.registry.users.create(t.operator, { email: 'a@example.test' })).id;
    const b = (await t.registry.users.create(t.operator, { email: 'b@example.test' })).id;
    for (const [hash, userId] of [
      ['a1', a],
      ['a2', a],
      ['a3', a],
      ['b1', b],
    ] as const)
      await t.storage.sessions.insert(session(hash, userId));
    const now = t.clock.now();
    assert.deepEqual((await endSessionsIn(t.storage, a, { sid: 'sid-b1' }, now, 'test')).changes, [], "another user's sid");
    const { changes: one } = await endSessionsIn(t.storage, a, { sid: 'sid-a1' }, now, 'test');
    assert.deepEqual(
      one.map((change) => change.event),
      [{ type: 'session.ended', sid: 'sid-a1' }],
    );
    const { changes: rest } = await endSessionsIn(t.storage, a, { allBut: 'a3' }, now, 'test');
    assert.deepEqual(
      rest.map((change) => change.event),
      [{ type: 'session.ended', sid: 'sid-a2' }],
    );
    assert.deepEqual(
      (await t.storage.sessions.listForUser(a, now)).map((kept) => kept.idHash),
      ['a3'],
    );
    assert.equal((await t.storage.sessions.listForUser(b, now)).length, 1);
  });
});
