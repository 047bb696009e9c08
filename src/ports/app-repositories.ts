import type { JWK } from 'jose';
import type { GrantType, SigningAlgorithm, TokenEndpointAuthMethod } from '../contracts/algorithms.js';
import type { AppStatus, AppType, AppVisibility, SubjectType } from '../contracts/app-types.js';

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
  /**
   * `signingAlg`: how ID tokens are signed (id_token_signed_response_alg, OIDC Dynamic Client
   * Registration §2). `subjectType` and `sectorIdentifierUri`: whether the `sub` of ID tokens,
   * userinfo and logout tokens is the user's id or a pairwise identifier (OIDC Core §8.1).
   */
  idToken: {
    ttlMinutes: number;
    audiences: string[];
    includeStandardClaims: boolean;
    includeCustomClaims: boolean;
    signingAlg: SigningAlgorithm;
    subjectType: SubjectType;
    sectorIdentifierUri: string | null;
  };
  /** The device flow's device code lifetime and polling interval, in seconds; null: the server's. */
  deviceCode: { lifetimeSeconds: number | null; pollIntervalSeconds: number | null };
  /** Namespaced claims added to ID tokens and JWT access tokens. */
  customClaims: Record<string, JsonValue>;
  /** Device-bound asset tokens through token exchange (docs/asset-tokens.md). */
  assetTokens: AssetTokenSettings;
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
    /** A token exchange without an actor token impersonates the subject: no `act` naming the app (RFC 8693 §1.1). */
    tokenExchangeImpersonation: boolean;
  };
}

/** How an app's asset tokens are made; the asset signing certificate and its key are stored apart (AssetSigningKeyRecord). */
export interface AssetTokenSettings {
  enabled: boolean;
  validityMinutes: number;
  /** The `aud` of every asset token: absolute URIs without a fragment. */
  audiences: string[];
  /** `server`: the server's current signing key (kid); `certificate`: the app's asset signing certificate (x5c). */
  signing: 'server' | 'certificate';
  /** Claims added to every asset token; never a reserved one. */
  customAttributes: Record<string, JsonValue>;
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

/** An app's asset signing certificate with its private key: at most one per app. */
export interface AssetSigningKeyRecord {
  clientId: string;
  /** The PEM certificate as uploaded: public, sent in the x5c header of the asset tokens it signs. */
  certificatePem: string;
  /** The PEM private key sealed with a key derived from the server secret; opened only to sign. */
  sealedPrivateKey: string;
  alg: string;
  /** SHA-256 of the certificate's DER, lowercase hex. */
  fingerprint: string;
  subject: string;
  notBefore: number;
  expiresAt: number;
  createdAt: number;
}

/**
 * A trust relationship (RFC 7523 §3, as ORY Hydra's): an external issuer whose JWTs, signed with
 * one of its keys, the app may present for users of this server, as JWT bearer assertions and as
 * token exchange subject or actor tokens. It speaks for the subjects and scopes it names, until it
 * expires.
 */
export interface TrustedIssuerRecord {
  id: string;
  clientId: string;
  /** The `iss` of its JWTs. */
  issuer: string;
  /** Its public keys as JWKs (with kid and alg), whatever was uploaded. */
  keys: JWK[];
  /** The `sub` values it may name; ignored when allowAnySubject. */
  subjects: string[];
  allowAnySubject: boolean;
  /** The scopes a token issued on its word may hold at most. */
  scopes: string[];
  /** When the relationship ends; null for never. */
  expiresAt: number | null;
  createdBy: string;
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
  /** Deletes the app with its secrets, certificates and asset signing key. */
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

  /** Stores the app's asset signing certificate and key, replacing the one it had. */
  putAssetSigningKey(record: AssetSigningKeyRecord): Promise<void>;
  getAssetSigningKey(clientId: string): Promise<AssetSigningKeyRecord | undefined>;
  deleteAssetSigningKey(clientId: string): Promise<boolean>;

  /** Fails when the app already trusts the same issuer. */
  insertTrustedIssuer(record: TrustedIssuerRecord): Promise<void>;
  /** The app's trust relationships, expired ones included, oldest first. */
  listTrustedIssuers(clientId: string): Promise<TrustedIssuerRecord[]>;
  deleteTrustedIssuer(clientId: string, id: string): Promise<boolean>;
}
