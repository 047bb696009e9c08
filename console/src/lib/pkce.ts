/** PKCE (RFC 7636) with WebCrypto: a verifier of 32 random bytes and its S256 challenge. */

import { base64url } from 'jose';

export function randomToken(bytes = 32): string {
  return base64url.encode(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** RFC 7636 §4.1: 43 characters of the unreserved alphabet from 32 random bytes. */
export function newCodeVerifier(): string {
  return randomToken(32);
}

/** RFC 7636 §4.2: code_challenge = BASE64URL(SHA256(ASCII(code_verifier))). */
export async function s256Challenge(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64url.encode(new Uint8Array(digest));
}
