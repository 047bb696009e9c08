import type { JWK } from 'jose';
import type { ApiRecord } from './api-repository.js';
import type { AppRecord, AppSettings, TrustedIssuerRecord } from './app-repositories.js';
import type { UserRecord } from './identity-repositories.js';

/**
 * An app's settings as the protocol applies them: the stored document parsed and completed with
 * the app type's defaults (src/domain/apps/client-policy.ts), once per loaded client. Protocol
 * code reads this, never `app.settings`.
 */
export type ClientPolicy = Readonly<AppSettings>;

/** An app as the protocol needs it, with what is derived from it. */
export interface OAuthClient {
  app: AppRecord;
  clientId: string;
  kind: 'public' | 'confidential';
  policy: ClientPolicy;
  /** Origins of the app's redirect URIs: the only ones its browser code may call the token endpoint from. */
  allowedOrigins: ReadonlySet<string>;
}

/**
 * Clients and their credentials, as the protocol reads them on every request. Implementations
 * cache, so that a token request does not go to the database for the client.
 */
export interface ClientDirectory {
  getClient(clientId: string): Promise<OAuthClient | undefined>;
  /** Whether the secret is one of the app's live secrets (keyed hash, constant time). */
  verifySecret(clientId: string, secret: string): Promise<boolean>;
  /** Public keys uploaded for the app (certificates, JWKs), for private_key_jwt and the JWT bearer grant. */
  clientKeys(clientId: string): Promise<JWK[]>;
  /** The app's trust relationships with external issuers that have not expired (RFC 7523 §3). */
  trustedIssuers(clientId: string): Promise<TrustedIssuerRecord[]>;
  /** Whether any app lists the origin (CORS preflights, which name no client). */
  isKnownOrigin(origin: string): Promise<boolean>;
}

/** Registered APIs (resource servers) by identifier, cached like clients. */
export interface ResourceDirectory {
  getApi(identifier: string): Promise<ApiRecord | undefined>;
  apisOfOrg(orgId: string): Promise<readonly ApiRecord[]>;
}

export interface UserDirectory {
  getUser(id: string): Promise<UserRecord | undefined>;
  getUserByEmail(email: string): Promise<UserRecord | undefined>;
}
