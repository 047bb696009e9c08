import { createHmac } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { constantTimeEqual } from './constant-time.js';
import { secureRandomBytes } from './random.js';

/**
 * Kinds of opaque credentials, each with its own prefix so that a leaked value says what it is
 * and leak scanners can match it: `lk_cs_` client secret, `lk_at_` access token, `lk_rt_` refresh
 * token, `lk_pat_` personal access token, `lk_inv_` invitation, `lk_ac_` authorization code,
 * `lk_dc_` device code, `lk_iat_` initial access token and `lk_rat_` registration access token
 * (RFC 7591 §3, RFC 7592 §1).
 */
export type OpaqueSecretKind = 'cs' | 'at' | 'rt' | 'pat' | 'inv' | 'ac' | 'dc' | 'iat' | 'rat';

const randomLength = 43; // 32 bytes in base64url
const checksumLength = 6; // CRC-32 in base64url

function checksum(body: string): string {
  const value = crc32(body) >>> 0;
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value);
  return bytes.toString('base64url');
}

/** The value with a CRC-32 checksum of itself appended (6 base64url characters). */
export function appendChecksum(body: string): string {
  return body + checksum(body);
}

/** Whether the last 6 characters are the checksum of the rest. */
export function checksumMatches(value: string): boolean {
  return value.length > checksumLength && checksum(value.slice(0, -checksumLength)) === value.slice(-checksumLength);
}

/** A new credential: `lk_<kind>_` + 256 random bits + a CRC-32 checksum of everything before it. */
export function generateOpaqueSecret(kind: OpaqueSecretKind): string {
  const body = `lk_${kind}_${secureRandomBytes(32).toString('base64url')}`;
  return body + checksum(body);
}

/** Characters of issue time (epoch ms in base36) that start a time-ordered credential: enough until 5188. */
const timePrefixLength = 9;

/**
 * A credential like generateOpaqueSecret's, of the same length, whose first 9 characters are the
 * time it was issued (base36 epoch ms, which sorts as text) and the rest 200 random bits. A store
 * keyed by timeOrderedKey then appends in order instead of writing to a random page of a large
 * index for each one (measured on SQLite: half the cost per insert, and none of the slowdown
 * when a million are stored).
 */
export function generateTimeOrderedSecret(kind: OpaqueSecretKind, now: number): string {
  const body = `lk_${kind}_${Math.max(0, Math.floor(now)).toString(36).padStart(timePrefixLength, '0')}${secureRandomBytes(25).toString('base64url')}`;
  return body + checksum(body);
}

/** The key a time-ordered credential is stored under: its time prefix, then its keyed hash. */
export function timeOrderedKey(hasher: SecretHasher, value: string, kind: OpaqueSecretKind): string {
  const start = `lk_${kind}_`.length;
  return value.slice(start, start + timePrefixLength) + hasher.hash(value);
}

/** Whether the value has the shape and checksum of a credential of that kind (rejects typos cheaply). */
export function isWellFormedSecret(value: string, kind: OpaqueSecretKind): boolean {
  const prefix = `lk_${kind}_`;
  if (!value.startsWith(prefix) || value.length !== prefix.length + randomLength + checksumLength) return false;
  const body = value.slice(0, -checksumLength);
  return /^[A-Za-z0-9_-]+$/.test(value.slice(prefix.length)) && checksum(body) === value.slice(-checksumLength);
}

/**
 * Keyed hashing of high-entropy credentials (HMAC-SHA-256): fast enough for every request, and
 * useless to whoever steals the database without the server secret.
 *
 * After the server secret is rotated, `previous` holds the keys derived from the secrets it
 * replaced: what was hashed with one of them keeps verifying (`matches`, `find`) until it is
 * re-made or expires. New hashes always use the current key.
 */
export class SecretHasher {
  readonly #key: Uint8Array;
  readonly #previous: readonly SecretHasher[];

  constructor(key: Uint8Array, previous: readonly Uint8Array[] = []) {
    this.#key = key;
    this.#previous = previous.map((earlier) => new SecretHasher(earlier));
  }

  hash(value: string): string {
    return createHmac('sha256', this.#key).update(value).digest('base64url');
  }

  /** The hashers of the previous server secrets, newest first; empty unless the secret was rotated. */
  get previous(): readonly SecretHasher[] {
    return this.#previous;
  }

  /** The current hasher, then the previous ones: every hasher a stored value may have been made with. */
  get all(): readonly SecretHasher[] {
    return [this, ...this.#previous];
  }

  /** Whether the value hashes to `hash` under the current key or a previous one. */
  matches(value: string, hash: string): boolean {
    if (constantTimeEqual(this.hash(value), hash)) return true;
    return this.#previous.some((earlier) => earlier.matches(value, hash));
  }

  /**
   * Looks a value up by its hash: with the current key first, then (only after a rotation of the
   * server secret) with each previous one until something is found. `key` turns a hasher into
   * the stored key, for stores keyed by more than the bare hash.
   */
  async find<T>(
    lookup: (hash: string) => Promise<T | undefined | null>,
    key: (hasher: SecretHasher) => string,
  ): Promise<{ found: T; key: string } | undefined> {
    for (const hasher of [this, ...this.#previous]) {
      const stored = key(hasher);
      const found = await lookup(stored);
      if (found !== undefined && found !== null && found !== false) return { found, key: stored };
    }
    return undefined;
  }

  /** find() for stores keyed by the bare hash of `value`: what was found, or undefined. */
  async findByHash<T>(value: string, lookup: (hash: string) => Promise<T | undefined | null>): Promise<T | undefined> {
    return (await this.find(lookup, (hasher) => hasher.hash(value)))?.found;
  }
}
