import type { JsonValue } from '../../ports/app-repositories.js';
import type { UserRecord } from '../../ports/identity-repositories.js';

/**
 * The standard claims of OIDC Core §5.4 that a user's scopes unlock, from what Latchkey knows of
 * users. A claim the user left empty is left out (OIDC Core §5.3.2: not present rather than null).
 */
export function standardClaims(user: UserRecord, scopes: readonly string[]): Record<string, JsonValue> {
  const claims: Record<string, JsonValue> = {};
  const { profile } = user;
  if (scopes.includes('profile')) {
    claims.name = user.name;
    if (profile.givenName !== null) claims.given_name = profile.givenName;
    if (profile.familyName !== null) claims.family_name = profile.familyName;
    if (profile.picture !== null) claims.picture = profile.picture;
    if (profile.locale !== null) claims.locale = profile.locale;
    claims.updated_at = Math.floor(user.updatedAt / 1000);
  }
  if (scopes.includes('email')) {
    claims.email = user.email;
    claims.email_verified = user.emailVerified;
  }
  if (scopes.includes('phone') && profile.phoneNumber !== null) {
    claims.phone_number = profile.phoneNumber;
    // Latchkey does not verify phone numbers (OIDC Core §5.1): the user typed it.
    claims.phone_number_verified = false;
  }
  // OIDC Core §5.1.1: the address is a JSON object; Latchkey keeps the full mailing address only.
  if (scopes.includes('address') && profile.address !== null) claims.address = { formatted: profile.address };
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
  'acr',
  'azp',
  'sid',
  'name',
  'given_name',
  'family_name',
  'picture',
  'locale',
  'updated_at',
  'email',
  'email_verified',
  'phone_number',
  'phone_number_verified',
  'address',
];
