import { X509Certificate } from 'node:crypto';
import { importPKCS8, type CryptoKey } from 'jose';
import type { AppRepository } from '../ports/app-repositories.js';
import type { AssetSigningKey, AssetSigningKeys } from '../ports/asset-signing-keys.js';
import type { SecretSealer } from '../ports/secret-sealer.js';

const cachedKeys = 100;

/**
 * Apps' asset signing keys for the token endpoint: the row is read on each request (an upload or
 * removal applies at once, on every node), the key opened and imported once per stored version.
 */
export class StoredAssetSigningKeys implements AssetSigningKeys {
  readonly #apps: Pick<AppRepository, 'getAssetSigningKey'>;
  readonly #sealer: SecretSealer;
  readonly #imported = new Map<string, Promise<CryptoKey>>();

  constructor(apps: Pick<AppRepository, 'getAssetSigningKey'>, sealer: SecretSealer) {
    this.#apps = apps;
    this.#sealer = sealer;
  }

  async keyOf(clientId: string): Promise<AssetSigningKey | null> {
    const record = await this.#apps.getAssetSigningKey(clientId);
    if (!record) return null;
    let privateKey = this.#imported.get(record.sealedPrivateKey);
    if (!privateKey) {
      privateKey = this.#sealer.open(record.sealedPrivateKey).then((pem) => importPKCS8(pem, record.alg));
      // A failed import is not kept: the next request tries again.
      privateKey.catch(() => this.#imported.delete(record.sealedPrivateKey));
      if (this.#imported.size >= cachedKeys) this.#imported.delete(this.#imported.keys().next().value!);
      this.#imported.set(record.sealedPrivateKey, privateKey);
    }
    const der = new X509Certificate(record.certificatePem).raw.toString('base64');
    return { alg: record.alg, privateKey: await privateKey, x5c: [der], expiresAt: record.expiresAt };
  }
}
