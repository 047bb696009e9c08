import type { JsonValue } from './app-repositories.js';

/** What a single-use account link is for; the passkey purposes are WebAuthn challenges (valid minutes, not days). */
export type AccountTokenPurpose = 'setup' | 'verify_email' | 'reset_password' | 'passkey_registration' | 'passkey_authentication';

/** A single-use link: only the SHA-256 digest of its 256-bit random value is stored. */
export interface AccountTokenRecord {
  tokenHash: string;
  purpose: AccountTokenPurpose;
  /** The account it acts on; null for the first-run setup, which has none yet. */
  userId: string | null;
  /** The address it was sent to (email verification confirms this one, not the account's current one). */
  email: string | null;
  data: Record<string, JsonValue>;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
}

export interface AccountTokenRepository {
  insert(token: AccountTokenRecord): Promise<void>;
  get(tokenHash: string): Promise<AccountTokenRecord | undefined>;
  /**
   * Uses the token once: marks it used if it has `purpose`, is unused and unexpired at `now`, and
   * returns it; undefined otherwise. Of two concurrent uses, one wins.
   */
  consume(tokenHash: string, purpose: AccountTokenPurpose, now: number): Promise<AccountTokenRecord | undefined>;
  /** Ends the unused tokens of a user for a purpose (a new reset link replaces the old ones); returns how many. */
  revokeForUser(userId: string, purpose: AccountTokenPurpose, now: number): Promise<number>;
  /** Deletes at most `limit` expired rows; returns how many it deleted. */
  deleteExpired(now: number, limit: number): Promise<number>;
}
