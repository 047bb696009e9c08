import { randomFillSync } from 'node:crypto';
import { base64url } from './encoding.js';

const pool = Buffer.allocUnsafe(8192);
let offset = pool.length;

/**
 * CSPRNG bytes from a pool refilled 8 KB at a time: one call into OpenSSL per few hundred
 * tokens instead of one per token. Each caller gets its own copy.
 */
export function secureRandomBytes(length: number): Buffer {
  if (length > 512) return randomFillSync(Buffer.alloc(length));
  if (offset + length > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const bytes = Buffer.from(pool.subarray(offset, offset + length));
  pool.fill(0, offset, offset + length);
  offset += length;
  return bytes;
}

/** A url-safe random identifier carrying `bytes` bytes of entropy. */
export function randomId(bytes = 16): string {
  return base64url(secureRandomBytes(bytes));
}

/**
 * A random identifier people type and paste (a client_id): like randomId, but never starting with
 * `-` or `_`, so that a command line does not take it for an option and no tool trims it.
 */
export function randomHandle(bytes = 18): string {
  for (;;) {
    const id = randomId(bytes);
    if (/^[A-Za-z0-9]/.test(id)) return id;
  }
}

/** An identifier that sorts by creation time: `<prefix>_<time base36><random>`. */
export function timeSortableId(prefix: string, now: number): string {
  return `${prefix}_${now.toString(36).padStart(9, '0')}${randomId(10)}`;
}

/**
 * A 22-character grant id that sorts by creation time: 9 characters of epoch ms in base36, then
 * 78 random bits. Grants are stored by id, so new ones append to the index instead of landing on
 * a random page. Not a secret (it is in JWT jtis); the refresh token's secret is separate.
 */
export function timeOrderedGrantId(now: number): string {
  return Math.max(0, Math.floor(now)).toString(36).padStart(9, '0') + randomId(10).slice(0, 13);
}
