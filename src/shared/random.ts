import { randomBytes } from 'node:crypto';
import { base64url } from './encoding.js';

/** A url-safe random identifier carrying `bytes` bytes of entropy. */
export function randomId(bytes = 16): string {
  return base64url(randomBytes(bytes));
}
