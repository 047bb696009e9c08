import { KeyEncryption } from '../domain/keys/key-encryption.js';
import { deriveKey } from '../shared/derived-keys.js';
import { SecretHasher } from '../shared/opaque-secret.js';

/**
 * Every key the server derives from its secret, each derived once when the runtime opens and
 * handed to whoever needs it: one purpose, one key (HKDF `info`, src/shared/derived-keys.ts).
 */
export interface DerivedKeys {
  /** Hashes opaque tokens (PATs, invitations, access and refresh tokens, codes, console sessions). */
  readonly tokenHasher: SecretHasher;
  /** Hashes client secrets. */
  readonly clientSecretHasher: SecretHasher;
  /** Names the successor of a rotated refresh token. */
  readonly refreshSuccessor: SecretHasher;
  /** Binds the hosted pages' CSRF tokens to their interaction. */
  readonly csrf: SecretHasher;
  /** Encrypts the signing keys' private halves at rest. */
  readonly signingKeyEncryption: KeyEncryption;
  /** Seals the shared secrets of authenticator apps (TOTP) at rest. */
  readonly factorSecretEncryption: KeyEncryption;
  /** Encrypts the client secrets of upstream sign-in connections at rest. */
  readonly connectionSecretEncryption: KeyEncryption;
  /** Makes and checks the DPoP nonces every node accepts (RFC 9449 §8). */
  readonly dpopNonce: SecretHasher;
  /** Seals the console's server-side tokens and signs its sign-in flow cookie. */
  readonly consoleSessionKey: Uint8Array;
}

export function deriveKeys(serverSecret: string): DerivedKeys {
  return {
    tokenHasher: new SecretHasher(deriveKey(serverSecret, 'token-hmac')),
    clientSecretHasher: new SecretHasher(deriveKey(serverSecret, 'client-secret-hmac')),
    refreshSuccessor: new SecretHasher(deriveKey(serverSecret, 'refresh-successor')),
    csrf: new SecretHasher(deriveKey(serverSecret, 'csrf')),
    signingKeyEncryption: new KeyEncryption(deriveKey(serverSecret, 'signing-key-encryption')),
    factorSecretEncryption: new KeyEncryption(deriveKey(serverSecret, 'factor-secret-encryption')),
    connectionSecretEncryption: new KeyEncryption(deriveKey(serverSecret, 'connection-secret-encryption')),
    dpopNonce: new SecretHasher(deriveKey(serverSecret, 'dpop-nonce')),
    consoleSessionKey: deriveKey(serverSecret, 'console-session-encryption'),
  };
}
