import { appendChecksum, checksumMatches, type SecretHasher } from '../../shared/opaque-secret.js';
import { secureRandomBytes } from '../../shared/random.js';

/**
 * Refresh tokens: `lk_rt_` + the grant id (22 characters) + a 256-bit secret (43) + a checksum (6).
 * The grant id finds the family; only the secret's keyed hash is stored. Each rotation's
 * successor is derived from its predecessor with a server key (HMAC), which gives two things:
 * a client that retries within the retry window gets the same successor back, and a
 * rotated-out token is recognised as a member of the family (by walking forward from it) rather
 * than as a forgery.
 */
const prefix = 'lk_rt_';
const grantIdLength = 22;
const secretLength = 43;

export interface ParsedRefreshToken {
  grantId: string;
  secret: string;
}

export function formatRefreshToken(grantId: string, secret: string): string {
  if (grantId.length !== grantIdLength || secret.length !== secretLength) throw new Error('malformed refresh token parts');
  return appendChecksum(prefix + grantId + secret);
}

export function parseRefreshToken(token: string): ParsedRefreshToken | null {
  if (token.length !== prefix.length + grantIdLength + secretLength + 6 || !token.startsWith(prefix)) return null;
  if (!/^[A-Za-z0-9_-]+$/.test(token.slice(prefix.length)) || !checksumMatches(token)) return null;
  return {
    grantId: token.slice(prefix.length, prefix.length + grantIdLength),
    secret: token.slice(prefix.length + grantIdLength, prefix.length + grantIdLength + secretLength),
  };
}

export function newRefreshSecret(): string {
  return secureRandomBytes(32).toString('base64url');
}

/** The secret that replaces `secret` on rotation: HMAC-SHA-256 under a server key, 43 characters. */
export function successorSecret(successorKey: SecretHasher, secret: string): string {
  return successorKey.hash(`successor:${secret}`);
}

/**
 * Whether `secret` is an ancestor of the family's current token: walks forward at most
 * `generations` steps. Only a real rotated-out token gets there; a forged one never does.
 */
export function isAncestor(successorKey: SecretHasher, tokenHasher: SecretHasher, secret: string, currentHash: string, generations: number): boolean {
  let candidate = secret;
  for (let step = 0; step < generations; step += 1) {
    candidate = successorSecret(successorKey, candidate);
    if (tokenHasher.matches(candidate, currentHash)) return true;
  }
  return false;
}
