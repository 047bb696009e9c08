import type { CryptoKey } from 'jose';

/** An app's asset signing certificate, opened for signing: its key imported once, its certificate for the x5c header. */
export interface AssetSigningKey {
  alg: string;
  privateKey: CryptoKey;
  /** RFC 7515 §4.1.6: the certificate, base64 DER. */
  x5c: string[];
  /** When the certificate stops being valid (epoch ms): it signs nothing after. */
  expiresAt: number;
}

/** The asset signing certificates of apps, as the token endpoint signs with them. */
export interface AssetSigningKeys {
  /** The app's asset signing key, or null when it has none. */
  keyOf(clientId: string): Promise<AssetSigningKey | null>;
}
