import type { GrantRecord } from '../../ports/oauth-repositories.js';
import type { SecretHasher } from '../../shared/opaque-secret.js';
import { isFamilyMember } from './refresh-token.js';

/**
 * Where a presented refresh token stands in its family:
 * - `current`: the family's live token;
 * - `retry`: the token the last rotation replaced, presented again within the app's retry window
 *   (a client that lost the response); it gets the same successor back;
 * - `reused`: any other token this server issued for the family, i.e. one rotated out;
 * - `unknown`: not a token of this family (forged, or never issued);
 * - `expired`: the current token, or a retry, after the family's refresh expiry.
 */
export type RefreshFamilyStanding = 'current' | 'retry' | 'reused' | 'unknown' | 'expired';

/** What the classification needs, each fact computed the same way for every presented token. */
export interface RefreshFamilyFacts {
  matchesCurrent: boolean;
  matchesPrevious: boolean;
  /** Whether the secret carries the family's tag (see tokens/refresh-token.ts). */
  familyMember: boolean;
  now: number;
  rotatedAt: number | null;
  expiresAt: number | null;
  reuseIntervalSeconds: number;
}

/**
 * RFC 9700 §4.14.2: a rotated-out refresh token used again means it leaked, so the family is
 * revoked; the retry window is the one exception. A rotated-out token is recognised by the
 * stored previous hash or by the family tag, never by walking the successor chain, so that
 * rejecting a forged token costs three keyed hashes whatever the number of rotations.
 */
export function classifyRefreshToken(facts: RefreshFamilyFacts): RefreshFamilyStanding {
  const withinWindow = facts.reuseIntervalSeconds > 0 && facts.now - (facts.rotatedAt ?? 0) <= facts.reuseIntervalSeconds * 1000;
  const standing = facts.matchesCurrent ? 'current' : facts.matchesPrevious && withinWindow ? 'retry' : null;
  if (standing === null) return facts.familyMember || facts.matchesPrevious ? 'reused' : 'unknown';
  return (facts.expiresAt ?? 0) <= facts.now ? 'expired' : standing;
}

/**
 * The facts about a presented secret and its family's grant. Every comparison runs whatever the
 * earlier ones found, so the work (and the time) does not depend on which one matches.
 */
export function refreshFamilyFacts(
  hashers: { tokenHasher: SecretHasher; successorKey: SecretHasher },
  grant: Pick<GrantRecord, 'id' | 'refreshHash' | 'refreshPreviousHash' | 'refreshRotatedAt' | 'refreshExpiresAt'>,
  secret: string,
  reuseIntervalSeconds: number,
  now: number,
): RefreshFamilyFacts {
  const matchesCurrent = grant.refreshHash !== null && hashers.tokenHasher.matches(secret, grant.refreshHash);
  const matchesPrevious = hashers.tokenHasher.matches(secret, grant.refreshPreviousHash ?? '');
  const familyMember = isFamilyMember(hashers.successorKey, grant.id, secret);
  return {
    matchesCurrent,
    matchesPrevious: grant.refreshPreviousHash !== null && matchesPrevious,
    familyMember,
    now,
    rotatedAt: grant.refreshRotatedAt,
    expiresAt: grant.refreshExpiresAt,
    reuseIntervalSeconds,
  };
}
