import type { JWK } from 'jose';
import type { GrantType, SigningAlgorithm, TokenEndpointAuthMethod } from '../contracts/algorithms.js';
import type { AppStatus, AppType, AppVisibility } from '../contracts/app-types.js';

export { grantTypeNames, type GrantType, type TokenEndpointAuthMethod } from '../contracts/algorithms.js';
export type { AppStatus, AppType, AppVisibility } from '../contracts/app-types.js';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** An audience (an API identifier) and the scopes of that API a machine credential may get. */
export interface ApiGrant {
  audience: string;
  scopes: string[];
}

/** Every setting of an app, stored as one document. Bounds and rules live in src/domain/apps. */
export interface AppSettings {
  logoUri: string | null;
  homepageUri: string | null;
  privacyPolicyUri: string | null;
  termsOfServiceUri: string | null;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  /** Where logout tokens are POSTed when a session the app got tokens in ends (OIDC Back-Channel Logout 1.0 §2.2). */
  backchannelLogoutUri: string | null;
  /** Logout tokens always carry `sid` (backchannel_logout_session_required); Latchkey sends it anyway. */
  backchannelLogoutSessionRequired: boolean;
  /** Loaded in a hidden iframe by the logout page (OIDC Front-Channel Logout 1.0 §2). */
  frontchannelLogoutUri: string | null;
  /** The iframe URL gets `iss` and `sid` (frontchannel_logout_session_required). */
  frontchannelLogoutSessionRequired: boolean;
  grantTypes: GrantType[];
  tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  /** Scopes the app may ask for in user flows: OpenID Connect scopes and scopes of the org's APIs. */
  scopes: string[];
  /** Audience + scope pairs for client credentials (m2m apps and per-user credentials). */
  apiGrants: ApiGrant[];
  /** The API used when an authorization request names no audience or resource. */
  defaultAudience: string | null;
  accessToken: { ttlMinutes: number | null };
  refreshToken: { ttlMinutes: number; rotation: boolean; reuseIntervalSeconds: number; requireSecret: boolean };
  /** `signingAlg`: how ID tokens are signed (id_token_signed_response_alg, OIDC Dynamic Client Registration §2). */
  idToken: { ttlMinutes: number; audiences: string[]; includeStandardClaims: boolean; includeCustomClaims: boolean; signingAlg: SigningAlgorithm };
  /** The device flow's device code lifetime and polling interval, in seconds; null: the server's. */
  deviceCode: { lifetimeSeconds: number | null; pollIntervalSeconds: number | null };
  /** Namespaced claims added to ID tokens and JWT access tokens. */
  customClaims: Record<string, JsonValue>;
  security: {
    requirePkce: boolean;
    requireSecretForWebServerFlow: boolean;
    introspectAllTokens: boolean;
    /** Users are not asked to consent (set by server administrators only). */
    firstParty: boolean;
    /** The app may get tokens for Latchkey's own management API (set by server administrators only). */
    managementApiAccess: boolean;
    /** Users whose address is not verified are asked to verify it before the app gets a code. */
    requireVerifiedEmail: boolean;
    /** Users sign in with a second factor; those without one set one up first. */
    requireMfa: boolean;
    /** Authorization requests must come through the pushed authorization request endpoint (RFC 9126 §5). */
    requirePushedAuthorizationRequests: boolean;
    /** Every token request must carry a DPoP proof, so every access token is bound to a key (RFC 9449 §5). */
    requireDpop: boolean;
  };
}

export interface AppReview {
  submittedAt: number | null;
  submittedBy: string | null;
  /**
   * The user who submitted (themselves, or through their client credentials), so that they don't
   * review their own submission; null for the operator or an app acting for itself. Absent from
   * reviews recorded before it existed: then `submittedBy` (the email address) tells.
   */
  submitterUserId?: string | null;
  reviewedAt: number | null;
  reviewedBy: string | null;
  decision: 'approved' | 'rejected' | null;
  reason: string | null;
}

export interface AppRecord {
  /** Public, unguessable and immutable: the app's identity everywhere. */
  clientId: string;
  orgId: string;
  /** Set for per-user client credentials: the user they belong to. */
  ownerUserId: string | null;
  name: string;
  description: string;
  type: AppType;
  visibility: AppVisibility;
  status: AppStatus;
  /** Complete: a repository fills what a row stored before a setting existed with the app type's default. */
  settings: AppSettings;
  review: AppReview | null;
  createdBy: string | null;
  createdAt: number;
  updatedAt: number;
  /** When the app last authenticated with a secret (recordUses); unset on records not read from storage. */
  lastUsedAt?: number | null;
}

export interface AppSecretRecord {
  id: string;
  clientId: string;
  /** HMAC-SHA-256 of the secret under a server key; the secret itself is never stored. */
  hash: string;
  createdAt: number;
  /** When it stops working; null while it is the current secret. */
  expiresAt: number | null;
  /** When a client last authenticated with it (recordUses); null if never, unset on new records. */
  lastUsedAt?: number | null;
}

/** One use of a client's credentials: the app, the secret that matched (null for other methods), and when. */
export interface ClientUse {
  clientId: string;
  secretId: string | null;
  at: number;
}

export interface AppCertificateRecord {
  id: string;
  clientId: string;
  kind: 'x509' | 'jwk';
  /** The public key as a JWK (with kid and alg), whatever was uploaded. */
  publicJwk: JWK;
  /** The uploaded PEM certificate, for kind x509. */
  pem: string | null;
  /** SHA-256 of the certificate's DER, or the JWK thumbprint (RFC 7638). */
  fingerprint: string;
  alg: string;
  subject: string | null;
  notBefore: number | null;
  expiresAt: number | null;
  createdAt: number;
}

export interface AppListQuery {
  orgId?: string;
  /** 'apps': not per-user credentials; 'credentials': only those; 'all': both. */
  kind: 'apps' | 'credentials' | 'all';
  ownerUserId?: string;
  search?: string;
  status?: AppStatus;
  offset: number;
  limit: number;
}

export interface AppRepository {
  insert(app: AppRecord): Promise<void>;
  get(clientId: string): Promise<AppRecord | undefined>;
  update(app: AppRecord): Promise<void>;
  /** Deletes the app with its secrets and certificates. */
  delete(clientId: string): Promise<boolean>;
  list(query: AppListQuery): Promise<{ items: AppRecord[]; total: number }>;

  /**
   * Locks the app's row until the enclosing transaction ends, so that read-then-write steps on one
   * app (secret rotation) run one at a time, on every node sharing the database. Returns false
   * when there is no such app. Only meaningful inside `Storage.transaction`.
   */
  lock(clientId: string): Promise<boolean>;

  insertSecret(secret: AppSecretRecord): Promise<void>;
  /** Secrets that still work at `now` (unexpired), newest first. */
  listLiveSecrets(clientId: string, now: number): Promise<AppSecretRecord[]>;
  /**
   * Every secret of the app but those in `exceptIds` that works after `expiresAt` is made to stop
   * working then; an earlier expiry is never extended.
   */
  expireSecrets(clientId: string, expiresAt: number, exceptIds: readonly string[]): Promise<void>;
  /**
   * Sets the last-used time of each app and secret named, never moving one back; an unknown app
   * or secret (deleted since) is skipped. Called in batches, off the request path.
   */
  recordUses(uses: readonly ClientUse[]): Promise<void>;

  insertCertificate(certificate: AppCertificateRecord): Promise<void>;
  listCertificates(clientId: string): Promise<AppCertificateRecord[]>;
  deleteCertificate(clientId: string, id: string): Promise<boolean>;
}
