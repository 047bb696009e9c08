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
