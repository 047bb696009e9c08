/** Whether a passkey lives on one authenticator, or is synced between devices (WebAuthn Level 2 §6.1.3, backup eligibility). */
export type PasskeyDeviceType = 'singleDevice' | 'multiDevice';

/** A WebAuthn credential registered to a user: only its public half is stored. */
export interface PasskeyRecord {
  id: string;
  userId: string;
  /** What the user calls it on the account page. */
  name: string;
  /** The credential id, base64url; unique across all users. */
  credentialId: string;
  /** The COSE public key, base64url. */
  publicKey: string;
  /** The authenticator's signature counter at its last use (WebAuthn Level 2 §6.1.1). */
  signCount: number;
  transports: string[];
  deviceType: PasskeyDeviceType;
  backedUp: boolean;
  aaguid: string;
  createdAt: number;
  lastUsedAt: number | null;
}

export interface PasskeyRepository {
  /** Stores a new passkey; false when its credential id is registered already (to anyone). */
  insert(passkey: PasskeyRecord): Promise<boolean>;
  /** A user's passkeys, oldest first. */
  listForUser(userId: string): Promise<PasskeyRecord[]>;
  findByCredentialId(credentialId: string): Promise<PasskeyRecord | undefined>;
  /** Renames a passkey of this user; false when the user has no such passkey. */
  rename(id: string, userId: string, name: string): Promise<boolean>;
  /** Deletes a passkey of this user; false when the user has no such passkey. */
  delete(id: string, userId: string): Promise<boolean>;
  /**
   * Records a use in one conditional write: the counter moves to `signCount` only if it grows, or
   * if the authenticator keeps no counter (both zero). False when it did not: a counter that went
   * back means a cloned authenticator (WebAuthn Level 2 §6.1.1), or a concurrent use won.
   */
  recordUse(id: string, signCount: number, now: number): Promise<boolean>;
  /** Deletes every passkey of a user; returns how many. */
  deleteForUser(userId: string): Promise<number>;
}
