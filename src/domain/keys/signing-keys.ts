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
  };
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
  async initialize(): Promise<{ created: RotationResult[] }> {
    await this.verifyEncryptionSecret();
    const created = await this.ensureActiveKeys();
    await this.refresh();
    return { created };
  }

  /** Fails with KeyEncryptionMismatchError when the secret differs from the one the keys were sealed with. */
  async verifyEncryptionSecret(): Promise<void> {
    const stored = await this.#settings.get(encryptionCheckSetting);
    if (stored === undefined) {
      const sealed = await this.#encryption.seal(encryptionCheckPlaintext);
      if (await this.#settings.setIfAbsent(encryptionCheckSetting, sealed)) return;
      return this.verifyEncryptionSecret();
    }
    await this.#encryption.open(stored);
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

  /** Reloads from storage if anything changed; retires keys whose time has come. Cheap when nothing changed. */
  async refresh(): Promise<boolean> {
    const now = this.#clock.now();
    let live = await this.#repository.listLive();
    if (live.some((key) => key.status === 'retiring' && key.retireAt !== null && key.retireAt <= now)) {
      await this.#repository.retireDue(now);
      live = await this.#repository.listLive();
    }
    const fingerprint = live.map((key) => `${key.kid}:${key.status}:${key.retireAt ?? ''}`).join('|');
    if (fingerprint === this.#fingerprint && this.#loaded) return false;

    const active = new Map<SigningAlgorithm, ActiveSigningKey>();
    for (const key of live) {
      if (key.status !== 'active' || !isSigningAlgorithm(key.alg) || key.privateJwe === null) continue;
      const privateJwk = await this.#encryption.openJwk(key.privateJwe);
      const privateKey = (await importJWK(privateJwk, key.alg)) as CryptoKey;
      active.set(key.alg, { kid: key.kid, alg: key.alg, privateKey });
    }
    // Active keys first, then the retiring ones, newest first within each group.
    const published = [...live].sort((a, b) => Number(a.status !== 'active') - Number(b.status !== 'active') || b.createdAt - a.createdAt);
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

  /** Algorithms that currently have an active key. */
  get algorithms(): SigningAlgorithm[] {
    return this.#options.algorithms.filter((alg) => this.#active.has(alg));
  }

  /** Every published public key (active and retiring), with kid, alg and use. */
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
