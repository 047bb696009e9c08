import type { AppType, GrantType, JsonValue } from './app-repositories.js';

/**
 * What an initial access token lets its bearer register (RFC 7591 §3): the app types, grant
 * types, scopes and redirect URI hosts it may name. `null` leaves that part to the registry's
 * own rules.
 */
export interface RegistrationPolicy {
  appTypes: AppType[];
  grantTypes: GrantType[];
  /** Scopes a registered app may ask for; null: whatever the organization's rules allow. */
  scopes: string[] | null;
  /**
   * Hosts the redirect URIs (and post-logout redirect URIs) may name: an exact host name, or
   * `*.example.com` for its subdomains; a private-use scheme is named as `com.example.app:`.
   * Null: any the registry's rules allow.
   */
  redirectUriHosts: string[] | null;
}

/** An initial access token: issued by an organization's administrators, stored only as a keyed hash. */
export interface InitialAccessTokenRecord {
  id: string;
  orgId: string;
  name: string;
  /** HMAC-SHA-256 of the `lk_iat_` token under a server key. */
  tokenHash: string;
  policy: RegistrationPolicy;
  maxUses: number;
  usesLeft: number;
  /** Who issued it (an email, "operator (CLI)"). */
  createdBy: string;
  createdAt: number;
  expiresAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

/** A dynamically registered client: the keyed hash of its registration access token (RFC 7592 §1). */
export interface ClientRegistrationRecord {
  clientId: string;
  /** HMAC-SHA-256 of the `lk_rat_` token: bound to this one client. */
  tokenHash: string;
  /** The initial access token it was registered with; null for open registration. */
  initialTokenId: string | null;
  /** Registered metadata Latchkey keeps only for the registration (contacts, software_id, software_version). */
  metadata: Record<string, JsonValue>;
  createdAt: number;
  updatedAt: number;
}

export interface InitialAccessTokenRepository {
  insert(record: InitialAccessTokenRecord): Promise<void>;
  getByHash(tokenHash: string): Promise<InitialAccessTokenRecord | undefined>;
  /** The organization's tokens, newest first. */
  listForOrg(orgId: string): Promise<InitialAccessTokenRecord[]>;
  /** Revokes an unrevoked token of the organization; false when there is none. */
  revoke(id: string, orgId: string, now: number): Promise<boolean>;
  /**
   * Spends one use: one conditional write (uses_left > 0, unrevoked, unexpired at `now`) that
   * decrements uses_left and returns the token as it is after; undefined when no use was left.
   * Of concurrent spends of the last use exactly one succeeds. Inside the transaction that
   * creates the app, a rollback gives the use back.
   */
  spend(id: string, now: number): Promise<InitialAccessTokenRecord | undefined>;
}

export interface ClientRegistrationRepository {
  insert(record: ClientRegistrationRecord): Promise<void>;
  get(clientId: string): Promise<ClientRegistrationRecord | undefined>;
  /**
   * Replaces the token hash and metadata of a registration whose token hash is still
   * `expectedTokenHash`: one conditional write, so of two updates with the same registration
   * access token one wins (the other's rotated token would be lost). False when it found none.
   */
  update(record: ClientRegistrationRecord, expectedTokenHash: string): Promise<boolean>;
  delete(clientId: string): Promise<boolean>;
}
