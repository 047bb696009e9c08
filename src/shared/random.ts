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

/** An identifier that sorts by creation time: `<prefix>_<time base36><random>`. */
export function timeSortableId(prefix: string, now: number): string {
  return `${prefix}_${now.toString(36).padStart(9, '0')}${randomId(10)}`;
}
