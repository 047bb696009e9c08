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

/** The scope that unlocks each user claim (OIDC Core §5.4); the other supported claims are about the sign-in and the token. */
export const userClaimScopes: Readonly<Record<string, string>> = {
  name: 'profile',
  given_name: 'profile',
  family_name: 'profile',
  picture: 'profile',
  locale: 'profile',
  updated_at: 'profile',
  email: 'email',
  email_verified: 'email',
  phone_number: 'phone',
  phone_number_verified: 'phone',
  address: 'address',
};

/**
 * The user claims of these scopes and, besides, the named ones (asked for by name with the claims
 * parameter, OIDC Core §5.5, and consented to): what Latchkey knows of the user, nothing else.
 */
export function releasedClaims(user: UserRecord, scopes: readonly string[], named: readonly string[]): Record<string, JsonValue> {
  if (named.length === 0) return standardClaims(user, scopes);
  const all = standardClaims(user, Object.values(userClaimScopes));
  return Object.fromEntries(Object.entries(all).filter(([name]) => scopes.includes(userClaimScopes[name]!) || named.includes(name)));
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
