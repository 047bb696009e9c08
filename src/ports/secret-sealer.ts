/**
 * Seals secrets the server must read back (authenticator app keys, upstream client secrets) at
 * rest, each purpose under its own key derived from the server secret (the signing keys' encryption).
 */
export interface SecretSealer {
  seal(plaintext: string): Promise<string>;
  open(sealed: string): Promise<string>;
}
