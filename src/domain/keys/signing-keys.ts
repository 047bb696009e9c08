import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JSONWebKeySet, type JWK } from 'jose';
import { defaultSigningAlgorithm, isSigningAlgorithm, type SigningAlgorithm } from '../../contracts/algorithms.js';
import type { Clock } from '../../ports/clock.js';
import type { SettingsRepository } from '../../ports/settings-repository.js';
import type { SigningKeyRepository, StoredSigningKey } from '../../ports/signing-key-repository.js';
import type { KeyEncryption } from './key-encryption.js';

export { isSigningAlgorithm, signingAlgorithms as supportedSigningAlgorithms, type SigningAlgorithm } from '../../contracts/algorithms.js';

export interface ActiveSigningKey {
  kid: string;
  alg: SigningAlgorithm;
  privateKey: CryptoKey;
}

export interface SigningKeysOptions {
  /** Algorithms to keep an active key for. */
  algorithms: readonly SigningAlgorithm[];
  /**
   * How long a rotated-out key stays published: at least the longest lifetime of anything it can
   * sign, plus the time other nodes take to notice the rotation.
   */
  retireAfterMs: number;
}

export interface RotationResult {
  alg: SigningAlgorithm;
  kid: string;
  previousKid: string | null;
  previousRetireAt: number | null;
}

const encryptionCheckSetting = 'keys.encryption_check';
const encryptionCheckPlaintext = 'latchkey key encryption check';

export class NoActiveSigningKeyError extends Error {
  override readonly name = 'NoActiveSigningKeyError';
}

async function generateSigningKey(alg: SigningAlgorithm, now: number, encryption: KeyEncryption): Promise<StoredSigningKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg, {
    extractable: true,
    ...(alg === 'RS256' ? { modulusLength: 2048 } : {}),
    ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}),
  });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk, 'sha256');
  const published: JWK = { ...publicJwk, kid, alg, use: 'sig' };
  const privateJwk = await exportJWK(privateKey);
  return {
    kid,
    alg,
    status: 'active',
    publicJwk: published,
    privateJwe: await encryption.sealJwk({ ...privateJwk, kid, alg }),
    createdAt: now,
    rotatedAt: null,
    retireAt: null,
    activateAt: null,
    revokedAt: null,
  };
}

/** When a key began to sign: its activation if it was scheduled, else its creation. */
export function activeSince(key: StoredSigningKey): number {
  return key.activateAt ?? key.createdAt;
}

export interface ScheduledKey {
  alg: SigningAlgorithm;
  kid: string;
  activateAt: number;
  /** The key it will replace. */
  replacesKid: string;
}

export interface RevokedKey {
  kid: string;
  alg: string;
  /** Its status before: an active key is replaced at once by `replacementKid`. */
  previousStatus: StoredSigningKey['status'];
  replacementKid: string | null;
}

/**
 * The server's signing keys: one active key per algorithm, imported once and held in memory;
 * rotated-out keys stay in the JWKS until what they signed has expired. `refresh()` picks up
 * rotations made by another process or node.
 */
export class SigningKeys {
  readonly #repository: SigningKeyRepository;
  readonly #settings: SettingsRepository;
  readonly #encryption: KeyEncryption;
  readonly #clock: Clock;
  readonly #options: SigningKeysOptions;
  #active = new Map<SigningAlgorithm, ActiveSigningKey>();
  #published: StoredSigningKey[] = [];
  #jwks: JSONWebKeySet = { keys: [] };
  #fingerprint = '';
  #version = 0;
  #loaded = false;

  constructor(repository: SigningKeyRepository, settings: SettingsRepository, encryption: KeyEncryption, clock: Clock, options: SigningKeysOptions) {
    this.#repository = repository;
    this.#settings = settings;
    this.#encryption = encryption;
    this.#clock = clock;
    this.#options = options;
  }

  /** Checks the server secret against the stored keys, creates missing keys and loads them. */
  async initialize(): Promise<{ created: RotationResult[]; resealed: number }> {
    const resealed = await this.verifyEncryptionSecret();
    const created = await this.ensureActiveKeys();
    await this.refresh();
    return { created, resealed };
  }

  /**
   * Fails with KeyEncryptionMismatchError when neither the secret nor a previous one is the one
   * the keys were sealed with. Returns how many keys a previous secret sealed and were re-encrypted.
   */
  async verifyEncryptionSecret(): Promise<number> {
    const stored = await this.#settings.get(encryptionCheckSetting);
    if (stored === undefined) {
      const sealed = await this.#encryption.seal(encryptionCheckPlaintext);
      if (await this.#settings.setIfAbsent(encryptionCheckSetting, sealed)) return 0;
      return this.verifyEncryptionSecret();
    }
    const { keyIndex } = await this.#encryption.openWithIndex(stored);
    return this.#encryption.hasPrevious ? this.#resealWithCurrentSecret(keyIndex > 0) : 0;
  }

  /**
   * After a rotation of the server secret: re-encrypts with the current key every private key a
   * previous one sealed, and then (in the same transaction) the encryption check, so that the
   * previous secret is no longer needed to start. Returns how many keys were re-encrypted.
   */
  async #resealWithCurrentSecret(rewriteCheck: boolean): Promise<number> {
    const updates: { kid: string; from: string; to: string }[] = [];
    for (const key of await this.#repository.listAll()) {
      if (key.privateJwe === null) continue;
      const { plaintext, keyIndex } = await this.#encryption.openWithIndex(key.privateJwe);
      if (keyIndex > 0) updates.push({ kid: key.kid, from: key.privateJwe, to: await this.#encryption.seal(plaintext) });
    }
    if (updates.length === 0 && !rewriteCheck) return 0;
    const setting = rewriteCheck ? { name: encryptionCheckSetting, value: await this.#encryption.seal(encryptionCheckPlaintext) } : undefined;
    return this.#repository.reseal(updates, setting);
  }

  /** Generates a key for every configured algorithm that has no active one. Safe to run on many nodes at once. */
  async ensureActiveKeys(): Promise<RotationResult[]> {
    const live = await this.#repository.listLive();
    const created: RotationResult[] = [];
    for (const alg of this.#options.algorithms) {
      if (live.some((key) => key.alg === alg && key.status === 'active')) continue;
      const key = await generateSigningKey(alg, this.#clock.now(), this.#encryption);
      if (await this.#repository.insertFirstActive(key)) {
        created.push({ alg, kid: key.kid, previousKid: null, previousRetireAt: null });
      }
    }
    return created;
  }

  /**
   * New keys for the algorithms, not yet stored: generating one (RSA above all) takes a while, so
   * it happens before the transaction that installs it.
   */
  async generateKeys(algorithms: readonly SigningAlgorithm[] = this.#options.algorithms): Promise<StoredSigningKey[]> {
    const keys: StoredSigningKey[] = [];
    for (const alg of algorithms) keys.push(await generateSigningKey(alg, this.#clock.now(), this.#encryption));
    return keys;
  }

  /**
   * Makes `key` the active key of its algorithm through `repository` (a transaction's); the key it
   * replaces keeps verifying until it retires. Call `refresh()` once the transaction committed.
   */
  async install(repository: SigningKeyRepository, key: StoredSigningKey): Promise<RotationResult> {
    const now = this.#clock.now();
    const retireAt = now + this.#options.retireAfterMs;
    const { previousKid } = await repository.rotate(key, now, retireAt);
    return { alg: key.alg as SigningAlgorithm, kid: key.kid, previousKid, previousRetireAt: previousKid ? retireAt : null };
  }

  /**
   * The algorithms whose active key is due for rotation (`rotateEveryMs` after it began to sign,
   * less the `prePublishMs` its successor is published ahead) and have no successor scheduled.
   */
  async dueForRotation(rotateEveryMs: number, prePublishMs: number, repository: SigningKeyRepository = this.#repository): Promise<SigningAlgorithm[]> {
    const now = this.#clock.now();
    const live = await repository.listLive();
    return this.#options.algorithms.filter((alg) => {
      const active = live.find((key) => key.alg === alg && key.status === 'active');
      if (!active || live.some((key) => key.alg === alg && key.status === 'next')) return false;
      return activeSince(active) + rotateEveryMs - prePublishMs <= now;
    });
  }

  /**
   * Schedules `candidates` (from `generateKeys`, made before the transaction) as the next keys of
   * their algorithms through `repository` (a transaction's), each where its algorithm is still due
   * when the transaction reads it; keys already scheduled are left alone. Call `refresh()` after
   * the transaction committed.
   */
  async scheduleRotations(
    repository: SigningKeyRepository,
    candidates: readonly StoredSigningKey[],
    rotateEveryMs: number,
    prePublishMs: number,
  ): Promise<ScheduledKey[]> {
    const now = this.#clock.now();
    const due = new Set(await this.dueForRotation(rotateEveryMs, prePublishMs, repository));
    const live = await repository.listLive();
    const scheduled: ScheduledKey[] = [];
    for (const key of candidates) {
      const alg = key.alg as SigningAlgorithm;
      const active = live.find((candidate) => candidate.alg === alg && candidate.status === 'active');
      if (!due.has(alg) || !active) continue;
      // Late (the server was down): still published a full pre-publish period before it signs.
      const activateAt = Math.max(activeSince(active) + rotateEveryMs, now + prePublishMs);
      if (await repository.insertNext(key, activateAt)) scheduled.push({ alg, kid: key.kid, activateAt, replacesKid: active.kid });
    }
    return scheduled;
  }

  /** The stored key `kid`, whatever its status (read through `repository`, a transaction's if given). */
  async find(kid: string, repository: SigningKeyRepository = this.#repository): Promise<StoredSigningKey | undefined> {
    return (await repository.listAll()).find((key) => key.kid === kid);
  }

  /** Whether `key` may still be revoked: it is published (scheduled, signing or retiring). */
  static isRevocable(key: StoredSigningKey): boolean {
    return isSigningAlgorithm(key.alg) && ['next', 'active', 'retiring'].includes(key.status);
  }

  /**
   * Revokes `kid` through `repository` (a transaction's): it leaves the JWKS at once. An active
   * key is replaced by `replacement` (from `generateKeys`, made before the transaction) in the
   * same transaction, so its algorithm keeps signing. Undefined when there is no such key, or it
   * is already retired or revoked.
   */
  async revoke(repository: SigningKeyRepository, kid: string, replacement: StoredSigningKey): Promise<RevokedKey | undefined> {
    const found = await this.find(kid, repository);
    if (!found || !SigningKeys.isRevocable(found) || replacement.alg !== found.alg) return undefined;
    const outcome = await repository.revoke(kid, this.#clock.now(), replacement);
    if (!outcome) return undefined;
    return { kid, alg: found.alg, previousStatus: outcome.revoked.status, replacementKid: outcome.replaced ? replacement.kid : null };
  }

  /**
   * Reloads from storage if anything changed; activates scheduled keys and retires old ones whose
   * time has come. Cheap when nothing changed.
   */
  async refresh(): Promise<boolean> {
    const now = this.#clock.now();
    let live = await this.#repository.listLive();
    const activationDue = live.some((key) => key.status === 'next' && key.activateAt !== null && key.activateAt <= now);
    if (activationDue) await this.#repository.activateDue(now, now + this.#options.retireAfterMs);
    const retirementDue = live.some((key) => key.status === 'retiring' && key.retireAt !== null && key.retireAt <= now);
    if (retirementDue) await this.#repository.retireDue(now);
    if (activationDue || retirementDue) live = await this.#repository.listLive();
    const fingerprint = live.map((key) => `${key.kid}:${key.status}:${key.retireAt ?? ''}`).join('|');
    if (fingerprint === this.#fingerprint && this.#loaded) return false;

    const active = new Map<SigningAlgorithm, ActiveSigningKey>();
    for (const key of live) {
      if (key.status !== 'active' || !isSigningAlgorithm(key.alg) || key.privateJwe === null) continue;
      const privateJwk = await this.#encryption.openJwk(key.privateJwe);
      const privateKey = (await importJWK(privateJwk, key.alg)) as CryptoKey;
      active.set(key.alg, { kid: key.kid, alg: key.alg, privateKey });
    }
    // Active keys first, then the next ones, then the retiring ones, newest first within each group.
    const rank = { active: 0, next: 1, retiring: 2, retired: 3, revoked: 3 } as const;
    const published = [...live].sort((a, b) => rank[a.status] - rank[b.status] || b.createdAt - a.createdAt);
    this.#active = active;
    this.#published = published;
    this.#jwks = { keys: published.map((key) => ({ ...key.publicJwk })) };
    this.#fingerprint = fingerprint;
    this.#version += 1;
    this.#loaded = true;
    return true;
  }

  /** The key that signs new tokens with `alg`. */
  signingKey(alg: SigningAlgorithm = defaultSigningAlgorithm): ActiveSigningKey {
    const key = this.#active.get(alg);
    if (!key) throw new NoActiveSigningKeyError(`no active ${alg} signing key`);
    return key;
  }

  /** The algorithms the server keeps a key for (keys.algorithms). */
  get configuredAlgorithms(): readonly SigningAlgorithm[] {
    return this.#options.algorithms;
  }

  /** Algorithms that currently have an active key. */
  get algorithms(): SigningAlgorithm[] {
    return this.#options.algorithms.filter((alg) => this.#active.has(alg));
  }

  /** Every published public key (active, next and retiring), with kid, alg and use. */
  get jwks(): JSONWebKeySet {
    return this.#jwks;
  }

  /** Grows by one each time the published set changes; lets callers cache derived forms. */
  get version(): number {
    return this.#version;
  }

  get ready(): boolean {
    return this.#loaded && this.#options.algorithms.every((alg) => this.#active.has(alg));
  }

  get published(): readonly StoredSigningKey[] {
    return this.#published;
  }

  listAll(): Promise<StoredSigningKey[]> {
    return this.#repository.listAll();
  }
}
