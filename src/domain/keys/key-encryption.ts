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
  readonly #previous: readonly Uint8Array[];

  /** `previous`: keys derived from the server secrets this one replaced, which `open` falls back to. */
  constructor(key: Uint8Array, previous: readonly Uint8Array[] = []) {
    if (key.byteLength !== 32 || previous.some((earlier) => earlier.byteLength !== 32)) throw new Error('key encryption needs a 256-bit key');
    this.#key = key;
    this.#previous = previous;
  }

  /** Whether there are previous keys to fall back to. */
  get hasPrevious(): boolean {
    return this.#previous.length > 0;
  }

  seal(plaintext: string): Promise<string> {
    return new CompactEncrypt(encoder.encode(plaintext)).setProtectedHeader({ alg: 'dir', enc: 'A256GCM', cty: 'latchkey' }).encrypt(this.#key);
  }

  async open(jwe: string): Promise<string> {
    return (await this.openWithIndex(jwe)).plaintext;
  }

  /**
   * Decrypts with the current key, else with each previous one in turn; `keyIndex` says which
   * (0 the current key, 1 the newest previous one, ...), so that callers can re-seal what a
   * previous key opened.
   */
  async openWithIndex(jwe: string): Promise<{ plaintext: string; keyIndex: number }> {
    const keys = [this.#key, ...this.#previous];
    for (const [keyIndex, key] of keys.entries()) {
      try {
        const { plaintext } = await compactDecrypt(jwe, key, {
          keyManagementAlgorithms: ['dir'],
          contentEncryptionAlgorithms: ['A256GCM'],
        });
        return { plaintext: decoder.decode(plaintext), keyIndex };
      } catch {
        // Not this key: try the next.
      }
    }
    throw new KeyEncryptionMismatchError(
      this.#previous.length > 0
        ? 'stored private keys cannot be decrypted: neither LATCHKEY_SECRET nor any of LATCHKEY_PREVIOUS_SECRETS is the secret they were encrypted with'
        : 'stored private keys cannot be decrypted: LATCHKEY_SECRET is not the secret they were encrypted with',
    );
  }

  sealJwk(jwk: JWK): Promise<string> {
    return this.seal(JSON.stringify(jwk));
  }

  async openJwk(jwe: string): Promise<JWK> {
    return JSON.parse(await this.open(jwe)) as JWK;
  }
}
