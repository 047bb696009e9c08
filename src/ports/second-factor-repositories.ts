/** An authenticator app enrolled for time-based one-time passwords (RFC 6238). */
export interface TotpFactorRecord {
  id: string;
  userId: string;
  /** What the user calls it ("Phone"); shown on the account page. */
  name: string;
  /** The shared secret (base32), sealed under the server secret; never stored in the clear. */
  sealedSecret: string;
  /** The last time step a code was accepted for; a code of this step or an earlier one is a replay. */
  lastStep: number | null;
  createdAt: number;
  /** Null until a first code proves the app holds the secret; an unconfirmed factor signs no one in. */
  confirmedAt: number | null;
  lastUsedAt: number | null;
}

export interface TotpFactorRepository {
  insert(factor: TotpFactorRecord): Promise<void>;
  get(id: string): Promise<TotpFactorRecord | undefined>;
  /** The user's factors, confirmed or not, oldest first. */
  listForUser(userId: string): Promise<TotpFactorRecord[]>;
  /** Marks the user's factor confirmed at `now`, accepting `step`; false when it was confirmed already or is not theirs. */
  confirm(id: string, userId: string, step: number, now: number): Promise<boolean>;
  /**
   * Accepts a code of time step `step`: one conditional write that moves last_step forward, so of
   * two uses of one code (or of a code and an older one) only the first succeeds.
   */
  acceptStep(id: string, step: number, now: number): Promise<boolean>;
  /** Deletes the user's factor; false when there was none. */
  delete(id: string, userId: string): Promise<boolean>;
  /** Deletes unconfirmed factors of the user (an enrollment started again replaces the unfinished one). */
  deleteUnconfirmed(userId: string): Promise<number>;
  deleteForUser(userId: string): Promise<number>;
}

/** A single-use recovery code; only its keyed digest is stored. */
export interface RecoveryCodeRepository {
  /** Replaces every code of the user with these digests (a new set makes the old one useless). */
  replace(userId: string, digests: readonly string[], now: number): Promise<void>;
  /** Uses a code once: one conditional write; false when it is unknown or used. */
  consume(userId: string, digest: string, now: number): Promise<boolean>;
  /** How many of the user's codes are still unused. */
  countUnused(userId: string): Promise<number>;
  deleteForUser(userId: string): Promise<number>;
}
