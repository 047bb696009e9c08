import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { classifyRefreshToken, refreshFamilyFacts, type RefreshFamilyFacts, type RefreshFamilyStanding } from '../../src/protocol/tokens/refresh-family.js';
import { isFamilyMember, newRefreshSecret, successorSecret } from '../../src/protocol/tokens/refresh-token.js';
import { SecretHasher } from '../../src/shared/opaque-secret.js';

const now = 1_000_000;
const base: RefreshFamilyFacts = {
  matchesCurrent: false,
  matchesPrevious: false,
  familyMember: true,
  now,
  rotatedAt: now - 5_000,
  expiresAt: now + 60_000,
  reuseIntervalSeconds: 10,
};

describe('refresh family classification (RFC 9700 §4.14.2)', () => {
  const rows: [string, Partial<RefreshFamilyFacts>, RefreshFamilyStanding][] = [
    ['the current token', { matchesCurrent: true }, 'current'],
    ['the current token after the family expired', { matchesCurrent: true, expiresAt: now }, 'expired'],
    ['the previous token within the retry window', { matchesPrevious: true }, 'retry'],
    ['the previous token at the edge of the window', { matchesPrevious: true, rotatedAt: now - 10_000 }, 'retry'],
    ['the previous token after the window', { matchesPrevious: true, rotatedAt: now - 10_001 }, 'reused'],
    ['the previous token with no retry window', { matchesPrevious: true, reuseIntervalSeconds: 0 }, 'reused'],
    ['a retry after the family expired', { matchesPrevious: true, expiresAt: now - 1 }, 'expired'],
    ['an older member of the family', {}, 'reused'],
    ['an older member after the family expired: still a reuse', { expiresAt: now - 1 }, 'reused'],
    ['a previous token minted before family tags (no tag)', { matchesPrevious: true, familyMember: false, reuseIntervalSeconds: 0 }, 'reused'],
    ['a forged token', { familyMember: false }, 'unknown'],
    ['a forged token of an expired family', { familyMember: false, expiresAt: 0 }, 'unknown'],
  ];
  for (const [name, facts, standing] of rows) {
    test(`${name}: ${standing}`, () => assert.equal(classifyRefreshToken({ ...base, ...facts }), standing));
  }
});

/** A hasher that counts the keyed hashes it computes. */
function countingHasher(fill: number): SecretHasher & { count: number } {
  const inner = new SecretHasher(new Uint8Array(32).fill(fill));
  const counter = {
    count: 0,
    hash(value: string) {
      counter.count += 1;
      return inner.hash(value);
    },
    matches(value: string, hash: string) {
      counter.count += 1;
      return inner.matches(value, hash);
    },
    // No previous server secrets: the counter is the only key.
    previous: [],
    get all() {
      return [counter];
    },
  };
  return counter as unknown as SecretHasher & { count: number };
}

describe('the successor chain and the family tag', () => {
  const successorKey = new SecretHasher(new Uint8Array(32).fill(1));
  const grantId = '0000000000000000000000';

  test('every member carries the tag; a successor is deterministic; secrets keep the 43-character format', () => {
    const first = newRefreshSecret(successorKey, grantId);
    let secret = first;
    for (let generation = 0; generation < 50; generation += 1) {
      assert.match(secret, /^[A-Za-z0-9_-]{43}$/);
      assert.ok(isFamilyMember(successorKey, grantId, secret));
      assert.equal(successorSecret(successorKey, grantId, secret), successorSecret(successorKey, grantId, secret));
      secret = successorSecret(successorKey, grantId, secret);
    }
    assert.equal(isFamilyMember(successorKey, 'another-grant-id-000000', first), false, 'a tag binds the family');
    assert.equal(isFamilyMember(successorKey, grantId, newRefreshSecret(new SecretHasher(new Uint8Array(32).fill(2)), grantId)), false);
    assert.equal(isFamilyMember(successorKey, grantId, 'A'.repeat(43)), false);
  });

  test('rejecting a forged token costs the same keyed hashes whatever the number of rotations', () => {
    const forged = newRefreshSecret(new SecretHasher(new Uint8Array(32).fill(5)), grantId);
    const costs = [0, 1, 1000, 1_000_000].map((generations) => {
      const tokenHasher = countingHasher(9);
      const key = countingHasher(1);
      const grant = {
        id: grantId,
        refreshHash: 'current-hash',
        refreshPreviousHash: 'previous-hash',
        refreshRotatedAt: now,
        refreshExpiresAt: now + 1,
        refreshGeneration: generations,
      };
      const facts = refreshFamilyFacts({ tokenHasher, successorKey: key }, grant, forged, 10, now);
      assert.equal(classifyRefreshToken(facts), 'unknown');
      return tokenHasher.count + key.count;
    });
    assert.equal(new Set(costs).size, 1, `the same work for every family age: ${costs.join(', ')}`);
  });
});
