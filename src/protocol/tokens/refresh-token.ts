import { constantTimeEqual } from '../../shared/constant-time.js';
import { appendChecksum, checksumMatches, type SecretHasher } from '../../shared/opaque-secret.js';
import { secureRandomBytes } from '../../shared/random.js';

/**
 * Refresh tokens: `lk_rt_` + the grant id (22 characters) + a 256-bit secret (43) + a checksum (6).
 * The grant id finds the family; only the secret's keyed hash is stored. The secret is 176 bits
 * of body and an 80-bit family tag, a MAC of the grant id and the body under a server key: any
 * token this server issued for the family carries it, a forged one does not. Each rotation's
 * successor body is derived from its predecessor with the same key (HMAC), so a client that
 * retries within the retry window gets the same successor back. See
 * docs/adr/0004-refresh-token-successor-chain.md.
 */
const prefix = 'lk_rt_';
const grantIdLength = 22;
const secretLength = 43;
const bodyBytes = 22;
const tagBytes = 10;

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

/** The body followed by the family tag of `grantId`, as the 43-character secret. */
function taggedSecret(successorKey: SecretHasher, grantId: string, body: Buffer): string {
  const tag = Buffer.from(successorKey.hash(`member:${grantId}:${body.toString('base64url')}`), 'base64url').subarray(0, tagBytes);
  return Buffer.concat([body, tag]).toString('base64url');
}

/** The first secret of a family: a random body with the family's tag. */
export function newRefreshSecret(successorKey: SecretHasher, grantId: string): string {
  return taggedSecret(successorKey, grantId, secureRandomBytes(bodyBytes));
}

/** The secret that replaces `secret` on rotation: its body is HMAC-SHA-256 of the predecessor under a server key. */
export function successorSecret(successorKey: SecretHasher, grantId: string, secret: string): string {
  const body = Buffer.from(successorKey.hash(`successor:${secret}`), 'base64url').subarray(0, bodyBytes);
  return taggedSecret(successorKey, grantId, body);
}

/**
 * Whether this server issued `secret` for the family `grantId`: one MAC, whatever the family's
 * age. Only a real member, current or rotated out, carries the tag; a forged secret does not.
 */
export function isFamilyMember(successorKey: SecretHasher, grantId: string, secret: string): boolean {
  const bytes = Buffer.from(secret, 'base64url');
  if (bytes.length !== bodyBytes + tagBytes) return false;
  // Re-encoding also refuses a non-canonical base64url spelling of a member's bytes.
  // A family begun before a rotation of the server secret carries the tag of a previous key.
  return successorKey.all.some((key) => constantTimeEqual(taggedSecret(key, grantId, bytes.subarray(0, bodyBytes)), secret));
}
