import type { JWK } from 'jose';

/**
 * next: published in the JWKS ahead of time, signs nothing until `activateAt`, when it becomes
 *   the active key of its algorithm (at most one per algorithm), so that caches hold it first.
 * active: signs new tokens (one per algorithm).
 * retiring: no longer signs, still published in the JWKS until `retireAt`, when every token it
 *   could have signed has expired.
 * retired: gone from the JWKS; its private material is erased.
 * revoked: withdrawn in an emergency: gone from the JWKS at once, its private material erased;
 *   what it signed no longer verifies.
 */
export type SigningKeyStatus = 'next' | 'active' | 'retiring' | 'retired' | 'revoked';

export interface StoredSigningKey {
  kid: string;
  alg: string;
  status: SigningKeyStatus;
  publicJwk: JWK;
  /** The private JWK as a compact JWE (dir + A256GCM); null once retired. */
  privateJwe: string | null;
  createdAt: number;
  rotatedAt: number | null;
  retireAt: number | null;
  /** When a `next` key starts signing (and, once it did, when it started). */
  activateAt: number | null;
  revokedAt: number | null;
}

export interface SigningKeyRepository {
  /** Keys that are published (next, active or retiring), oldest first. */
  listLive(): Promise<StoredSigningKey[]>;
  /** Every key, retired ones included, oldest first. */
  listAll(): Promise<StoredSigningKey[]>;
  /**
   * Stores `key` as the active key of its algorithm if that algorithm has none yet.
   * Returns false, storing nothing, when another writer got there first.
   */
  insertFirstActive(key: StoredSigningKey): Promise<boolean>;
  /**
   * In one transaction: the active key of `key.alg` (if any) becomes retiring with `retireAt`,
   * and `key` becomes the active key. Returns the kid that was demoted.
   */
  rotate(key: StoredSigningKey, rotatedAt: number, retireAt: number): Promise<{ previousKid: string | null }>;
  /** Retiring keys whose `retireAt` is at or before `now` become retired and lose their private material. */
  retireDue(now: number): Promise<string[]>;
  /**
   * Stores `key` as the `next` key of its algorithm, to start signing at `activateAt`. Returns
   * false, storing nothing, when the algorithm already has a next key.
   */
  insertNext(key: StoredSigningKey, activateAt: number): Promise<boolean>;
  /**
   * In one transaction per algorithm: a next key whose `activateAt` is at or before `now` becomes
   * active, and the active key it replaces becomes retiring until `retireAt`. Returns what changed.
   */
  activateDue(now: number, retireAt: number): Promise<{ kid: string; alg: string; previousKid: string | null }[]>;
  /**
   * Revokes `kid` (unless already retired or revoked): it leaves the JWKS and loses its private
   * material. When it was the active key, `replacement` becomes active in the same transaction.
   * Returns the key as it was, or undefined when there is none to revoke.
   */
  /**
   * In one transaction: each key's private JWE becomes `to` where it still is `from` (a node that
   * resealed it first wins), and the setting, when given, is written. Returns how many keys changed.
   */
  reseal(updates: readonly { kid: string; from: string; to: string }[], setting?: { name: string; value: string }): Promise<number>;
  revoke(kid: string, now: number, replacement: StoredSigningKey): Promise<{ revoked: StoredSigningKey; replaced: boolean } | undefined>;
}
