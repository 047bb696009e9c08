import { KeyEncryption } from '../domain/keys/key-encryption.js';
import { deriveKey, type KeyPurpose } from '../shared/derived-keys.js';
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
  /** Seals the private keys of apps' asset signing certificates at rest. */
  readonly assetSigningKeyEncryption: KeyEncryption;
  /** Makes and checks the DPoP nonces every node accepts (RFC 9449 §8). */
  readonly dpopNonce: SecretHasher;
  /** Seals the console's server-side tokens and signs its sign-in flow cookie. */
  readonly consoleSessionKey: Uint8Array;
}

/**
 * `previousSecrets` (newest first) are the secrets `serverSecret` replaced: the hashers and the
 * encryptions fall back to the keys derived from them, so that what they made keeps working
 * after a rotation. The DPoP nonce key and the console's sealing key don't fall back: what they
 * make lives minutes (a rejected nonce is answered with a fresh one; a console user signs in again).
 */
export function deriveKeys(serverSecret: string, previousSecrets: readonly string[] = []): DerivedKeys {
  const hasher = (purpose: KeyPurpose) =>
    new SecretHasher(
      deriveKey(serverSecret, purpose),
      previousSecrets.map((previous) => deriveKey(previous, purpose)),
    );
  const encryption = (purpose: KeyPurpose) =>
    new KeyEncryption(
      deriveKey(serverSecret, purpose),
      previousSecrets.map((previous) => deriveKey(previous, purpose)),
    );
  return {
    tokenHasher: hasher('token-hmac'),
    clientSecretHasher: hasher('client-secret-hmac'),
    refreshSuccessor: hasher('refresh-successor'),
    csrf: hasher('csrf'),
    signingKeyEncryption: encryption('signing-key-encryption'),
    factorSecretEncryption: encryption('factor-secret-encryption'),
    connectionSecretEncryption: encryption('connection-secret-encryption'),
    assetSigningKeyEncryption: encryption('asset-signing-key-encryption'),
    dpopNonce: new SecretHasher(deriveKey(serverSecret, 'dpop-nonce')),
    consoleSessionKey: deriveKey(serverSecret, 'console-session-encryption'),
  };
}

/**
 * A short public name of a server secret (8 hex characters), for `latchkey secret status` and
 * the logs: derived through its own HKDF purpose, so it says nothing about the secret or the keys.
 */
export function secretId(serverSecret: string): string {
  return Buffer.from(deriveKey(serverSecret, 'secret-id')).toString('hex').slice(0, 8);
}
