import type { JsonValue } from './app-repositories.js';

/** A signed-in browser. The cookie holds the session id; only its hash is stored. */
export interface SessionRecord {
  idHash: string;
  /** Public session identifier: the `sid` claim of ID tokens (OIDC Front-/Back-Channel Logout). */
  sid: string;
  userId: string;
  authTime: number;
  /** Authentication methods (RFC 8176), e.g. ["pwd"]. */
  amr: string[];
  createdAt: number;
  /** When the session ends: the earlier of its absolute lifetime and its idle timeout from lastSeenAt. */
  expiresAt: number;
  /** When the browser last used the session; what the idle timeout counts from. */
  lastSeenAt: number;
  /** Where and with what the user signed in, as the account page shows it. */
  ip: string | null;
  userAgent: string | null;
}

export interface SessionRepository {
  insert(session: SessionRecord): Promise<void>;
  getByHash(idHash: string): Promise<SessionRecord | undefined>;
  /** Deletes and returns the session (sign-out); undefined when there was none. */
  delete(idHash: string): Promise<SessionRecord | undefined>;
  /** The user's live sessions at `now`, most recently used first. */
  listForUser(userId: string, now: number): Promise<SessionRecord[]>;
  /** At most `limit` sessions expired at `now`, for the sweeper to end one by one (with their logout). */
  listExpired(now: number, limit: number): Promise<SessionRecord[]>;
  /** Deletes the user's sessions but `keepIdHash` (sign out everywhere else); returns those deleted. */
  deleteForUser(userId: string, keepIdHash?: string): Promise<SessionRecord[]>;
  /**
   * The user signed in again within the session (a second factor, a step-up): its cookie's hash,
   * methods and time of sign-in change and its sid stays, so apps see one session. Undefined when it is gone.
   */
  reauthenticate(idHash: string, change: { idHash: string; amr: string[]; authTime: number; lastSeenAt: number }): Promise<SessionRecord | undefined>;
  /** Records use at `now` and moves the end to `expiresAt` (the idle timeout); false when the session is gone. */
  touch(idHash: string, now: number, expiresAt: number): Promise<boolean>;
  /** Deletes at most `limit` expired rows; returns how many it deleted. */
  deleteExpired(now: number, limit: number): Promise<number>;
}

/**
 * Where an interaction stands. Sign-in comes first (a second factor, when one is asked, between
 * the first method and the end of sign-in), then a verified address when the app asks for one,
 * consent after it; `done` and `failed` are final.
 */
export type InteractionStep = 'login_pending' | 'login_done' | 'second_factor_pending' | 'verification_pending' | 'consent_pending' | 'done' | 'failed';

/** Who signed in for an interaction, how and when. */
export interface InteractionLogin {
  userId: string;
  /** Authentication methods used (RFC 8176), e.g. ["pwd"]. */
  amr: string[];
  authTime: number;
  /** Authentication context class reference (OIDC Core §2), null while none is asserted. */
  acr: string | null;
}

/** Which request an interaction is for: an authorization request, or a device's (RFC 8628). */
export type InteractionFlow = 'authorization' | 'device';

/** A paused authorization or device request, waiting for sign-in or consent in the hosted pages. */
export interface InteractionRecord {
  uid: string;
  flow: InteractionFlow;
  clientId: string;
  /** What to resume: the validated authorization request, or the user code of the device request. */
  request: Record<string, JsonValue>;
  /** A device interaction's device code hash, by which the verification page finds it; null otherwise. */
  deviceCodeHash: string | null;
  /** Hash of a cookie set on the browser that started it: no other browser can finish it. */
  browserHash: string;
  step: InteractionStep;
  /** Who signed in for this request; null until someone did. */
  login: InteractionLogin | null;
  /** What the user consented to in this interaction (consent items); null when they were not asked or have not answered. */
  consent: string[] | null;
  /** The OAuth error code the request ended with, when it failed. */
  error: string | null;
  createdAt: number;
  expiresAt: number;
  /** Set when it reached `done` or `failed`. */
  completedAt: number | null;
}

/** What one step of an interaction records; fields left out keep their value. */
export interface InteractionChange {
  step: InteractionStep;
  login?: InteractionLogin | null;
  consent?: string[] | null;
  error?: string | null;
}

export interface InteractionRepository {
  insert(interaction: InteractionRecord): Promise<void>;
  get(uid: string): Promise<InteractionRecord | undefined>;
  /** The newest live (unfinished, unexpired) interaction of a device code that this browser started. */
  findLiveForDevice(deviceCodeHash: string, browserHash: string, now: number): Promise<InteractionRecord | undefined>;
  /**
   * Moves it on from `from` in one conditional write: false when it is no longer at that step,
   * has finished or has expired, so that of two racing requests only one moves it (single use).
   * Reaching `done` or `failed` sets completedAt to `now`.
   */
  advance(uid: string, from: InteractionStep, change: InteractionChange, now: number): Promise<boolean>;
  /** Deletes at most `limit` expired rows; returns how many it deleted. */
  deleteExpired(now: number, limit: number): Promise<number>;
}

/** Scopes a user granted an app: remembered so that consent is asked once. */
export interface ConsentRecord {
  userId: string;
  clientId: string;
  scopes: string[];
  createdAt: number;
  updatedAt: number;
}

export interface ConsentRepository {
  get(userId: string, clientId: string): Promise<ConsentRecord | undefined>;
  put(consent: ConsentRecord): Promise<void>;
  delete(userId: string, clientId: string): Promise<boolean>;
  listForUser(userId: string): Promise<ConsentRecord[]>;
}

/** One claim's request (OIDC Core §5.5.1): null asks for it in the default way. */
export interface ClaimRequest {
  essential?: boolean;
  value?: JsonValue;
  values?: JsonValue[];
}

/** The claims a relying party asks for, per place they are returned in (OIDC Core §5.5). */
export interface ClaimsRequest {
  id_token?: Record<string, ClaimRequest | null>;
  userinfo?: Record<string, ClaimRequest | null>;
}

/**
 * One authorization of an app by a user: born with its authorization code, it then carries the
 * refresh token family. Tokens name their grant, so revoking the grant revokes them all.
 */
export interface GrantRecord {
  id: string;
  clientId: string;
  userId: string;
  orgId: string | null;
  scope: string[];
  audiences: string[];
  sessionSid: string | null;
  authTime: number;
  amr: string[];
  nonce: string | null;
  redirectUri: string | null;
  codeHash: string | null;
  codeChallenge: string | null;
  codeExpiresAt: number | null;
  codeConsumedAt: number | null;
  /** Hash of the current refresh token; each rotation replaces it. */
  refreshHash: string | null;
  /** Hash of the token the last rotation replaced, for the retry window. */
  refreshPreviousHash: string | null;
  /** How many rotations the family has had. */
  refreshGeneration: number;
  refreshRotatedAt: number | null;
  refreshExpiresAt: number | null;
  createdAt: number;
  /** When nothing issued from the grant can be valid any more; then it may be swept. */
  expiresAt: number;
  revokedAt: number | null;
  /**
   * The JWK thumbprint of the DPoP key the grant is bound to (RFC 9449): until redemption its
   * code's (dpop_jkt, §10); after it, for a public client, its refresh tokens' (§5). Null when unbound.
   */
  dpopJkt: string | null;
  /**
   * The claims parameter of the authorization request (OIDC Core §5.5), as its check kept it: the
   * claims named in it go into the grant's ID tokens (also refreshed ones, §12.2) and userinfo
   * answers. Null when the request had none.
   */
  claims: ClaimsRequest | null;
}

export interface RefreshInstallation {
  hash: string;
  expiresAt: number;
}

export interface GrantRepository {
  insert(grant: GrantRecord): Promise<void>;
  get(id: string): Promise<GrantRecord | undefined>;
  /**
   * The grant and whether the JWT access token `jti` it issued was revoked on its own (RFC 7009),
   * in one read: what every call with a JWT access token checks. Undefined when there is no grant.
   */
  getWithJtiStatus(id: string, jti: string): Promise<{ grant: GrantRecord; jtiRevoked: boolean } | undefined>;
  getByCodeHash(codeHash: string): Promise<GrantRecord | undefined>;
  /**
   * Consumes the code and installs the first refresh token, bound to `dpopJkt` (or unbound),
   * in one conditional write (`UPDATE ... WHERE code_consumed_at IS NULL AND revoked_at IS NULL`).
   * False when another redemption got there first.
   */
  redeemCode(id: string, now: number, refresh: RefreshInstallation | null, expiresAt: number, dpopJkt?: string | null): Promise<boolean>;
  /**
   * Rotates the refresh token only if the current one is still `expectedHash` (compare-and-swap),
   * so that two parallel refreshes make at most one successor.
   */
  rotateRefresh(id: string, expectedHash: string, next: RefreshInstallation, now: number, expiresAt: number): Promise<boolean>;
  /** Revokes the grant and, with it, every token it issued. False when it already was revoked. */
  revoke(id: string, now: number): Promise<boolean>;
  /** Revokes every live grant of a user to an app (consent withdrawn). */
  revokeForUserAndClient(userId: string, clientId: string, now: number): Promise<number>;
  /**
   * Revokes every live grant of a user whose scope lacks offline_access (a password reset): what
   * was issued for the user's sessions ends with them; access given for offline use stays.
   */
  revokeOnlineForUser(userId: string, now: number): Promise<number>;
  /**
   * A session ended: revokes its grants whose scope lacks offline_access (OIDC Core §11: their
   * refresh tokens end with the session), and answers the apps that got a grant in it, revoked or
   * kept, each once: those to tell (Back-Channel Logout §2.7).
   */
  endSession(sid: string, now: number): Promise<{ clientIds: string[]; revoked: number }>;
  /** Deletes at most `limit` expired rows; returns how many it deleted. */
  deleteExpired(now: number, limit: number): Promise<number>;
}

/** An opaque access token, stored only by its hash, with the claims introspection reports. */
export interface AccessTokenRecord {
  tokenHash: string;
  grantId: string | null;
  clientId: string;
  subject: string;
  payload: Record<string, JsonValue>;
  issuedAt: number;
  expiresAt: number;
  revokedAt: number | null;
}

export interface AccessTokenRepository {
  insert(token: AccessTokenRecord): Promise<void>;
  get(tokenHash: string): Promise<AccessTokenRecord | undefined>;
  revoke(tokenHash: string, now: number): Promise<boolean>;
  /** Deletes at most `limit` expired rows; returns how many it deleted. */
  deleteExpired(now: number, limit: number): Promise<number>;
}

/**
 * JWT identifiers the server must remember until they expire: access tokens revoked early
 * (RFC 7009), and client assertions already used (RFC 7523 §3, one use per `jti`).
 */
export interface RevokedJtiRepository {
  add(jti: string, expiresAt: number): Promise<void>;
  /** Records the jti unless it is already recorded; false on a replay. Atomic. */
  addIfAbsent(jti: string, expiresAt: number): Promise<boolean>;
  has(jti: string): Promise<boolean>;
  /** Deletes at most `limit` expired rows; returns how many it deleted. */
  deleteExpired(now: number, limit: number): Promise<number>;
}

export type DeviceCodeStatus = 'pending' | 'approved' | 'denied' | 'consumed';

/** A device authorization request (RFC 8628 §3.1), found by the device code's hash or the user code. */
export interface DeviceCodeRecord {
  deviceCodeHash: string;
  /** What the user types on the verification page: `BCDF-GHJK`. */
  userCode: string;
  clientId: string;
  scope: string[];
  audiences: string[];
  status: DeviceCodeStatus;
  userId: string | null;
  sessionSid: string | null;
  authTime: number | null;
  amr: string[] | null;
  /** Minimum seconds between polls; grows by 5 on each slow_down (RFC 8628 §3.5). */
  intervalSeconds: number;
  lastPolledAt: number | null;
  createdAt: number;
  expiresAt: number;
}

export interface DeviceApproval {
  userId: string;
  sessionSid: string;
  authTime: number;
  amr: string[];
}

export type DevicePoll = { outcome: 'pending' } | { outcome: 'slow_down'; intervalSeconds: number } | { outcome: 'not_pending' };

export interface DeviceCodeRepository {
  insert(record: DeviceCodeRecord): Promise<void>;
  getByHash(deviceCodeHash: string): Promise<DeviceCodeRecord | undefined>;
  getByUserCode(userCode: string): Promise<DeviceCodeRecord | undefined>;
  /** Pending, unexpired requests only: one conditional write each. */
  approve(userCode: string, approval: DeviceApproval, now: number): Promise<boolean>;
  deny(userCode: string, now: number): Promise<boolean>;
  /**
   * One poll of a pending, unexpired request, decided atomically (RFC 8628 §3.5). The poll wins
   * ('pending', and `now` becomes the last poll) only when at least the interval has passed since
   * the last poll that won: one conditional UPDATE, so of parallel polls exactly one wins.
   * Otherwise it is 'slow_down' and the interval grows by 5 seconds, once for each slow_down
   * answered, as each tells the client to wait 5 seconds longer; the new interval is returned.
   * 'not_pending' when the request is no longer pending (decided, consumed or expired).
   */
  poll(deviceCodeHash: string, now: number): Promise<DevicePoll>;
  /** Approved to consumed, once (UPDATE ... WHERE status = 'approved'): the tokens are issued once. */
  consume(deviceCodeHash: string): Promise<boolean>;
  /** Deletes at most `limit` expired rows; returns how many it deleted. */
  deleteExpired(now: number, limit: number): Promise<number>;
}

/** The writes of issuing tokens: a grant created or changed, an opaque access token, a device code consumed. */
export interface TokenWrites {
  grants: Pick<GrantRepository, 'insert' | 'redeemCode' | 'rotateRefresh'>;
  accessTokens: Pick<AccessTokenRepository, 'insert'>;
  deviceCodes: Pick<DeviceCodeRepository, 'consume'>;
}

/** TokenWrites, and a transaction over them (Storage satisfies it). */
export interface TokenStore extends TokenWrites {
  transaction<T>(work: (tx: TokenWrites) => Promise<T>): Promise<T>;
}

/** A console session: the console backend's tokens for one browser (sealed), and its CSRF token. */
export interface ConsoleSessionRecord {
  idHash: string;
  userId: string;
  /** The access, refresh and ID tokens as a compact JWE (dir + A256GCM): bearer secrets, sealed at rest. */
  sealedTokens: string;
  csrfToken: string;
  accessExpiresAt: number;
  createdAt: number;
  expiresAt: number;
  /** The Latchkey session (`sid` of the console's ID token) it signed in with; the console session ends with it. */
  sid: string | null;
}

export interface ConsoleSessionRepository {
  insert(session: ConsoleSessionRecord): Promise<void>;
  get(idHash: string): Promise<ConsoleSessionRecord | undefined>;
  /** Replaces the tokens after a refresh, only if they are still `previous` (two tabs refreshing at once). */
  replaceTokens(idHash: string, previous: string, sealedTokens: string, accessExpiresAt: number): Promise<boolean>;
  delete(idHash: string): Promise<ConsoleSessionRecord | undefined>;
  /** Deletes the console sessions signed in with the Latchkey session `sid`; returns how many. */
  deleteForSid(sid: string): Promise<number>;
  /** Deletes at most `limit` expired rows; returns how many it deleted. */
  deleteExpired(now: number, limit: number): Promise<number>;
}
