/** Small named values the server keeps about itself (for example, the key-encryption check). */
export interface SettingsRepository {
  get(name: string): Promise<string | undefined>;
  set(name: string, value: string): Promise<void>;
  /** Stores the value only when the name is unset; returns whether it was stored. Atomic across nodes. */
  setIfAbsent(name: string, value: string): Promise<boolean>;
}
