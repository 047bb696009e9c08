import { CompactEncrypt, compactDecrypt, type JWK } from 'jose';

/** Raised when stored private keys can't be decrypted: the server secret is not the one they were sealed with. */
export class KeyEncryptionMismatchError extends Error {
  override readonly name = 'KeyEncryptionMismatchError';
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Seals private JWKs at rest as compact JWEs: `dir` with A256GCM (AES-256-GCM) under a key
 * derived from the server secret.
 */
export class KeyEncryption {
  readonly #key: Uint8Array;

  constructor(key: Uint8Array) {
    if (key.byteLength !== 32) throw new Error('key encryption needs a 256-bit key');
    this.#key = key;
  }

  seal(plaintext: string): Promise<string> {
    return new CompactEncrypt(encoder.encode(plaintext)).setProtectedHeader({ alg: 'dir', enc: 'A256GCM', cty: 'latchkey' }).encrypt(this.#key);
  }

  async open(jwe: string): Promise<string> {
    try {
      const { plaintext } = await compactDecrypt(jwe, this.#key, {
        keyManagementAlgorithms: ['dir'],
        contentEncryptionAlgorithms: ['A256GCM'],
      });
      return decoder.decode(plaintext);
    } catch {
      throw new KeyEncryptionMismatchError('stored private keys cannot be decrypted: LATCHKEY_SECRET is not the secret they were encrypted with');
    }
  }

  sealJwk(jwk: JWK): Promise<string> {
    return this.seal(JSON.stringify(jwk));
  }

  async openJwk(jwe: string): Promise<JWK> {
    return JSON.parse(await this.open(jwe)) as JWK;
  }
}
