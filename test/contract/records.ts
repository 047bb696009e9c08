import assert from 'node:assert/strict';
import { emptyProfile, type UserRecord } from '../../src/ports/identity-repositories.js';
import type { Storage } from '../../src/ports/storage.js';

let sequence = 0;

/** An id no other test of the run uses, also across the SQLite and PostgreSQL runs of a suite. */
export const nextId = (prefix: string) => `${prefix}${++sequence}${Math.random().toString(36).slice(2, 10)}`;

/** Inserts a user without a password (an unverified email unless `overrides` says otherwise). */
export async function insertUser(storage: Pick<Storage, 'users'>, now: number, overrides: Partial<UserRecord> = {}): Promise<UserRecord> {
  const id = overrides.id ?? nextId('usr_');
  const record: UserRecord = {
    id,
    email: `${id}@example.com`,
    name: 'U',
    passwordHash: null,
    emailVerified: false,
    isAdmin: false,
    disabledAt: null,
    lockedUntil: null,
    profile: emptyProfile,
    createdAt: now,
    updatedAt: now,
    ...overrides,
  };
  assert.equal(await storage.users.insert(record), true);
  return record;
}
