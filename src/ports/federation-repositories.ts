/** The user profile fields an upstream claim can fill, and the email. */
export const mappedProfileFields = ['email', 'given_name', 'family_name', 'name', 'picture', 'locale'] as const;
export type MappedProfileField = (typeof mappedProfileFields)[number];

/** Which upstream claim fills each profile field; a field not named takes the claim of its own name. */
export type ClaimMapping = Partial<Record<MappedProfileField, string>>;

/**
 * An upstream OpenID provider users may sign in with. It belongs to the server (`orgId` null),
 * offered on every sign-in page, or to one organization, offered when the request names it.
 */
export interface ConnectionRecord {
  id: string;
  orgId: string | null;
  /** A slug, unique among the connections of its scope (the server's, or one organization's). */
  name: string;
  displayName: string;
  issuer: string;
  clientId: string;
  /** The client secret as a compact JWE sealed with a key derived from the server secret; never returned. */
  clientSecretJwe: string;
  scopes: string[];
  claimMapping: ClaimMapping;
  /** Lower-cased email domains whose users this connection serves (home realm discovery). */
  domains: string[];
  /** Whether the upstream's multi-factor claim (`amr`) counts as a second factor here. */
  trustUpstreamMfa: boolean;
  enabled: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface ConnectionRepository {
  /** Inserts; false, storing nothing, when its scope already has a connection of that name. */
  insert(connection: ConnectionRecord): Promise<boolean>;
  get(id: string): Promise<ConnectionRecord | undefined>;
  /** By name within a scope: `orgId` null is the server's own. */
  getByName(orgId: string | null, name: string): Promise<ConnectionRecord | undefined>;
  /** The connections of one scope (null: the server's), by name. */
  list(orgId: string | null): Promise<ConnectionRecord[]>;
  /** The enabled connections a sign-in may use: the server's, and those of `orgId` when given. */
  listEnabledFor(orgId: string | null): Promise<ConnectionRecord[]>;
  /** Saves; false when the new name is taken in its scope (nothing changes then). */
  update(connection: ConnectionRecord): Promise<boolean>;
  /** Deletes the connection and the identities linked through it. */
  delete(id: string): Promise<boolean>;
}

/** An upstream identity (the connection's `sub`) linked to a local user. */
export interface LinkedIdentityRecord {
  id: string;
  connectionId: string;
  subject: string;
  userId: string;
  /** The upstream email when it was linked, to show the user which account it is. */
  email: string | null;
  createdAt: number;
  lastUsedAt: number | null;
}

export interface LinkedIdentityRepository {
  /** Inserts; false when the upstream identity is already linked (to anyone). */
  insert(identity: LinkedIdentityRecord): Promise<boolean>;
  find(connectionId: string, subject: string): Promise<LinkedIdentityRecord | undefined>;
  listForUser(userId: string): Promise<LinkedIdentityRecord[]>;
  touch(id: string, now: number): Promise<void>;
  /** Deletes a link of this user; false when it isn't theirs or is gone. */
  delete(id: string, userId: string): Promise<boolean>;
}

/** What a pending federation step is for: the round trip to the upstream, or a link waiting for a password. */
export type FederationStatePurpose = 'authorize' | 'link';

/**
 * A short-lived, single-use server-side record of a federated sign-in in flight, found by the
 * digest of a random value (the OAuth `state`, or the link form's token) and bound to the
 * interaction and its browser (the digest of the interaction's binding cookie).
 */
export interface FederationStateRecord {
  stateHash: string;
  purpose: FederationStatePurpose;
  connectionId: string;
  interactionUid: string;
  browserHash: string;
  /** PKCE verifier and nonce (authorize); the upstream claims and the user to link (link). */
  data: Record<string, unknown>;
  createdAt: number;
  expiresAt: number;
  consumedAt: number | null;
}

export interface FederationStateRepository {
  insert(state: FederationStateRecord): Promise<void>;
  /** Reads without using it up: the callback first learns which interaction a state belongs to. */
  get(stateHash: string): Promise<FederationStateRecord | undefined>;
  /**
   * Uses the state once: marks it consumed if it has `purpose`, is unconsumed and unexpired at
   * `now`, and returns it; undefined otherwise. Of two concurrent uses, one wins.
   */
  consume(stateHash: string, purpose: FederationStatePurpose, now: number): Promise<FederationStateRecord | undefined>;
  deleteExpired(now: number, limit: number): Promise<number>;
}
