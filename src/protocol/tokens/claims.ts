import type { JsonValue } from '../../ports/app-repositories.js';
import type { UserRecord } from '../../ports/identity-repositories.js';

/** The standard claims of OIDC Core §5.4 that a user's scopes unlock, from what Latchkey knows of users. */
export function standardClaims(user: UserRecord, scopes: readonly string[]): Record<string, JsonValue> {
  const claims: Record<string, JsonValue> = {};
  if (scopes.includes('profile')) {
    claims.name = user.name;
    claims.updated_at = Math.floor(user.updatedAt / 1000);
  }
  if (scopes.includes('email')) {
    claims.email = user.email;
    claims.email_verified = user.emailVerified;
  }
  return claims;
}

/** Claims supported in ID tokens and userinfo (discovery `claims_supported`). */
export const supportedClaims = [
  'sub',
  'iss',
  'aud',
  'exp',
  'iat',
  'auth_time',
  'nonce',
  'at_hash',
  'amr',
  'azp',
  'sid',
  'name',
  'updated_at',
  'email',
  'email_verified',
];
