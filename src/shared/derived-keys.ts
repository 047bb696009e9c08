import { hkdfSync } from 'node:crypto';

/** What a key derived from the server secret is for; each purpose gets an independent key. */
export type KeyPurpose =
  | 'signing-key-encryption'
  | 'client-secret-hmac'
  | 'token-hmac'
  | 'refresh-successor'
  | 'cookie-signing'
  | 'csrf'
  | 'console-session-encryption'
  | 'factor-secret-encryption'
  | 'connection-secret-encryption'
  | 'asset-signing-key-encryption'
  | 'dpop-nonce'
  | 'secret-id';

/**
 * A 256-bit key for one purpose, derived from the operator's secret with HKDF-SHA-256 (RFC 5869).
 * The secret is high-entropy (32+ characters, or 256 random bits when generated), so no
 * password-stretching is needed; the purpose as `info` keeps the keys independent.
 */
export function deriveKey(serverSecret: string, purpose: KeyPurpose): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', Buffer.from(serverSecret, 'utf8'), Buffer.from('latchkey/v1'), purpose, 32));
}
