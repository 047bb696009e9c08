/** Decodes a JWS compact serialization for display. No verification: the server verified it, the API must. */

import { decodeJwt as decodePayload, decodeProtectedHeader } from 'jose';

export interface DecodedJwt {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signature: string;
}

export function decodeJwt(token: string): DecodedJwt | null {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  try {
    return { header: decodeProtectedHeader(token), payload: decodePayload(token), signature: parts[2]! };
  } catch {
    return null;
  }
}

/** Plain words for the registered claims (RFC 7519 §4.1, OIDC Core §2, RFC 9068 §2.2). */
export const claimDescriptions: Record<string, string> = {
  iss: 'issuer: the server that made the token',
  sub: 'subject: the user (or the app, for client credentials)',
  aud: 'audience: who the token is for',
  exp: 'expires at',
  iat: 'issued at',
  nbf: 'not before',
  auth_time: 'when the user signed in',
  jti: 'the unique id of this token',
  client_id: 'the app the token was issued to',
  scope: 'what the token allows',
  nonce: 'the value the app sent, echoed to stop replays',
  at_hash: 'half of the SHA-256 of the access token, binding the ID token to it',
  azp: 'authorized party: the app',
  sid: 'the sign-in session',
  org_id: 'the organization the user signed in to',
  typ: 'the token type (at+jwt: an RFC 9068 access token)',
  alg: 'the signing algorithm',
  kid: 'the id of the key in the JWKS that verifies it',
};

const timeClaims = new Set(['exp', 'iat', 'nbf', 'auth_time']);

export function describeClaim(name: string, value: unknown): string | undefined {
  const base = claimDescriptions[name];
  if (timeClaims.has(name) && typeof value === 'number') {
    return `${base ?? name}: ${new Date(value * 1000).toLocaleString()}`;
  }
  return base;
}
