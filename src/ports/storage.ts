import type { SettingsRepository } from './settings-repository.js';
import type { SigningKeyRepository } from './signing-key-repository.js';

/** Everything the core stores, behind one object so that a use case can run in one transaction. */
export interface Storage {
  readonly signingKeys: SigningKeyRepository;
  readonly settings: SettingsRepository;
  /** Runs `work` in a transaction; repositories reached through `tx` take part in it. */
  transaction<T>(work: (tx: Storage) => Promise<T>): Promise<T>;
}
