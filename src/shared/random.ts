import { randomBytes } from 'node:crypto';
import { base64url } from './encoding.js';

/** A url-safe random identifier carrying `bytes` bytes of entropy. */
export function randomId(bytes = 16): string {
  return base64url(randomBytes(bytes));
}

/** An identifier that sorts by creation time: `<prefix>_<time base36><random>`. */
export function timeSortableId(prefix: string, now: number): string {
  return `${prefix}_${now.toString(36).padStart(9, '0')}${randomId(10)}`;
}
