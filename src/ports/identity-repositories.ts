/** The OIDC Core §5.1 standard claims a user keeps besides email and name; null when not given. */
export interface UserProfile {
  givenName: string | null;
  familyName: string | null;
  /** An https URL of the user's picture. */
  picture: string | null;
  /** BCP 47 language tag, e.g. "en-GB". */
  locale: string | null;
  /** E.164 is recommended, e.g. "+44 20 7946 0958". */
  phoneNumber: string | null;
  /** The postal address as it is written on a label, lines separated by "\n" (OIDC Core §5.1.1 `formatted`). */
  address: string | null;
}

export const emptyProfile: UserProfile = { givenName: null, familyName: null, picture: null, locale: null, phoneNumber: null, address: null };

export interface UserRecord {
  id: string;
  /** Lower-cased; unique across the server. */
  email: string;
  name: string;
  /** argon2id PHC string; null when the user has no password (yet). */
  passwordHash: string | null;
  emailVerified: boolean;
  /** Server administrators may manage users and every organization. */
  isAdmin: boolean;
  /** When a server administrator disabled the user: they can't sign in and nothing issued to them works. */
  disabledAt: number | null;
  /** Until when sign-in is refused after too many failures in a row; null when not locked. */
  lockedUntil: number | null;
  profile: UserProfile;
  createdAt: number;
  updatedAt: number;
}

export interface UserRepository {
  /** Inserts; returns false, storing nothing, when the email is taken. */
  insert(user: UserRecord): Promise<boolean>;
  get(id: string): Promise<UserRecord | undefined>;
  getByEmail(email: string): Promise<UserRecord | undefined>;
  update(user: UserRecord): Promise<void>;
  delete(id: string): Promise<boolean>;
  list(query: { search?: string; offset: number; limit: number }): Promise<{ items: UserRecord[]; total: number }>;
  count(): Promise<number>;
  /** Whether any server administrator exists (the first-run setup is open only until one does). */
  hasAdministrator(): Promise<boolean>;
}

export interface PersonalAccessTokenRecord {
  id: string;
  userId: string;
  name: string;
  /** HMAC of the token; the token itself is never stored. */
  tokenHash: string;
  scopes: string[];
  createdAt: number;
  expiresAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

export interface PersonalAccessTokenRepository {
  insert(token: PersonalAccessTokenRecord): Promise<void>;
  getByHash(tokenHash: string): Promise<PersonalAccessTokenRecord | undefined>;
  listForUser(userId: string): Promise<PersonalAccessTokenRecord[]>;
  /** Marks the token revoked; false when it doesn't exist or belongs to someone else. */
  revoke(id: string, userId: string, now: number): Promise<boolean>;
  touch(id: string, now: number): Promise<void>;
}
