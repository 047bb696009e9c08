import type { JWK } from 'jose';

/**
 * active: signs new tokens (one per algorithm).
 * retiring: no longer signs, still published in the JWKS until `retireAt`, when every token it
 *   could have signed has expired.
 * retired: gone from the JWKS; its private material is erased.
 */
export type SigningKeyStatus = 'active' | 'retiring' | 'retired';

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
}

export interface SigningKeyRepository {
  /** Keys that are active or retiring, oldest first. */
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
}
