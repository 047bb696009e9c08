import type { KeyEncryption } from '../domain/keys/key-encryption.js';
import type { SettingsRepository } from '../ports/settings-repository.js';
import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../storage/sql/schema.js';
import { countHashedCredentials, resealStoredSecrets, sealedValues, type HashedCredentialCounts } from '../storage/sql/secret-dependencies.js';
import { constantTimeEqual } from '../shared/constant-time.js';
import { secretId } from './derived-keys.js';
import type { Runtime } from './runtime.js';

const activationSetting = (id: string) => `secrets.activated_at.${id}`;

/**
 * Notes when a server secret first served (once per secret, atomic across nodes): what was hashed
 * before that time was hashed with an earlier secret, which is how `latchkey secret status`
 * tells what still depends on a previous secret without storing a secret id on every row.
 */
export async function recordSecretActivation(settings: SettingsRepository, serverSecret: string, now: number): Promise<void> {
  await settings.setIfAbsent(activationSetting(secretId(serverSecret)), String(now));
}

/** A sealer that re-seals with the current key what only a previous key opens, else null. */
function resealer(encryption: KeyEncryption): (sealed: string) => Promise<string | null> {
  return async (sealed) => {
    try {
      const { plaintext, keyIndex } = await encryption.openWithIndex(sealed);
      return keyIndex > 0 ? await encryption.seal(plaintext) : null;
    } catch {
      // Sealed with a secret no longer configured: leave it; opening it fails as it did before.
      return null;
    }
  };
}

/**
 * After a rotation of the server secret: re-encrypts with the current secret the authenticator
 * app and connection secrets and asset signing keys a previous one sealed, so that they stop depending on it.
 */
export function resealWithCurrentSecret(
  db: Kysely<DatabaseSchema>,
  keys: { factorSecretEncryption: KeyEncryption; connectionSecretEncryption: KeyEncryption; assetSigningKeyEncryption: KeyEncryption },
): Promise<{ totpSecrets: number; connectionSecrets: number; assetSigningKeys: number }> {
  return resealStoredSecrets(db, {
    totp: resealer(keys.factorSecretEncryption),
    connection: resealer(keys.connectionSecretEncryption),
    assetSigningKey: resealer(keys.assetSigningKeyEncryption),
  });
}

export interface SecretDependencies extends HashedCredentialCounts {
  signingKeys: number;
  totpSecrets: number;
  connectionSecrets: number;
  assetSigningKeys: number;
}

export interface PreviousSecretStatus {
  id: string;
  /** When it first served as the current secret, if this server saw it do so. */
  activatedAt: number | null;
  dependencies: SecretDependencies;
  total: number;
  /** Whether nothing live depends on it any more, so it may be removed from previousSecrets. */
  safeToDrop: boolean;
}

export interface SecretStatus {
  current: { id: string; activatedAt: number | null };
  previous: PreviousSecretStatus[];
}

/** How many sealed values each key opens: index 0 the current key, then each previous one. */
async function sealedByKey(encryption: KeyEncryption, values: readonly string[], keys: number): Promise<number[]> {
  const counts = Array.from({ length: keys }, () => 0);
  for (const value of values) {
    try {
      const { keyIndex } = await encryption.openWithIndex(value);
      counts[keyIndex]! += 1;
    } catch {
      // Sealed with a secret that is no longer configured: nothing here can open it.
    }
  }
  return counts;
}

/**
 * For each previous secret: the live credentials whose hash was made while it was the current
 * secret, and the sealed values only it opens. The oldest configured one also answers for
 * everything made before it (it can be the only one those still verify with).
 */
/** The previous secrets that differ from the current one (compared in constant time, as every secret is). */
export function distinctPreviousSecrets(current: string, previous: readonly string[]): string[] {
  return previous.filter((candidate) => !constantTimeEqual(candidate, current));
}

export async function secretStatus(runtime: Runtime): Promise<SecretStatus> {
  const { serverSecret, config, storage, database, keys, clock } = runtime;
  const previousSecrets = distinctPreviousSecrets(serverSecret.value, config.previousSecrets);
  const lastIndex = previousSecrets.length - 1;
  const activation = async (value: string) => {
    const stored = await storage.settings.get(activationSetting(secretId(value)));
    return stored === undefined ? null : Number(stored);
  };
  const currentActivatedAt = await activation(serverSecret.value);
  const now = clock.now();
  const sealed = await sealedValues(database.db);
  const keyCount = previousSecrets.length + 1;
  const signing = await sealedByKey(keys.signingKeyEncryption, sealed.signingKeys, keyCount);
  const totp = await sealedByKey(keys.factorSecretEncryption, sealed.totpSecrets, keyCount);
  const connections = await sealedByKey(keys.connectionSecretEncryption, sealed.connectionSecrets, keyCount);
  const assetKeys = await sealedByKey(keys.assetSigningKeyEncryption, sealed.assetSigningKeys, keyCount);

  const previous: PreviousSecretStatus[] = [];
  // Windows run newest first: each previous secret served until the next newer one took over.
  let until = currentActivatedAt ?? now;
  for (const [index, value] of previousSecrets.entries()) {
    const activatedAt = await activation(value);
    const oldest = index === lastIndex;
    const from = oldest || activatedAt === null ? Number.MIN_SAFE_INTEGER : activatedAt;
    const hashed = await countHashedCredentials(database.db, { from, to: until }, now);
    const dependencies: SecretDependencies = {
      ...hashed,
      signingKeys: signing[index + 1]!,
      totpSecrets: totp[index + 1]!,
      connectionSecrets: connections[index + 1]!,
      assetSigningKeys: assetKeys[index + 1]!,
    };
    let total = 0;
    for (const n of Object.values(dependencies) as number[]) total += n;
    previous.push({ id: secretId(value), activatedAt, dependencies, total, safeToDrop: total === 0 });
    if (activatedAt !== null) until = activatedAt;
  }
  return { current: { id: secretId(serverSecret.value), activatedAt: currentActivatedAt }, previous };
}
