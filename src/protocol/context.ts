import type { AssetSigningKeys } from '../ports/asset-signing-keys.js';
import type { ClientAuthFailureThrottle } from './client-auth/failure-throttle.js';
import type { SecondFactorDirectory } from './interaction/login-method.js';
import type { SigningKeys } from '../domain/keys/signing-keys.js';
import type { SubjectIdentifiers } from '../domain/apps/subject-identifiers.js';
import type { Clock } from '../ports/clock.js';
import type { ClientDirectory, ResourceDirectory, UserDirectory } from '../ports/directories.js';
import type { DomainEvents } from '../ports/domain-events.js';
import type {
  AccessTokenRepository,
  ConsentRepository,
  DeviceCodeRepository,
  GrantRepository,
  RevokedJtiRepository,
  TokenStore,
} from '../ports/oauth-repositories.js';
import type { Role } from '../ports/org-repositories.js';
import type { PreAuthorizationRepository } from '../ports/preauthorization-repository.js';
import type { Storage } from '../ports/storage.js';
import type { SecretHasher } from '../shared/opaque-secret.js';
import type { DpopProofRepository } from '../ports/dpop-proof-repository.js';
import type { DpopNonces } from './dpop/nonce.js';
import type { DpopPolicy } from './dpop/proof.js';
import type { TokenIssuer } from './tokens/token-issuer.js';
import type { TokenValidator } from './tokens/token-validator.js';

/** Absolute URLs of the endpoints this server implements. */
export interface EndpointUrls {
  authorization: string;
  pushedAuthorization: string;
  token: string;
  userinfo: string;
  introspection: string;
  revocation: string;
  endSession: string;
  jwks: string;
  interaction: string;
  deviceAuthorization: string;
  deviceVerification: string;
}

/** Organizations as the authorization request sees them (`organization`, `invitation`). */
export interface OrganizationDirectory {
  resolve(idOrName: string): Promise<{ id: string; name: string } | undefined>;
  isMember(orgId: string, userId: string): Promise<boolean>;
  /** The user's role in the organization, or null when they are not a member. */
  roleOf(orgId: string, userId: string): Promise<Role | null>;
  /** Accepts an invitation token for the user; false when it is not valid for them and that organization. */
  acceptInvitation(userId: string, token: string, orgId: string): Promise<boolean>;
}

/** How the JWT bearer grant treats assertions (RFC 7523 §3), from the server's configuration. */
export interface JwtBearerPolicy {
  /** Whether an assertion must carry a jti, used once; when false, one without a jti is accepted (and may be replayed until exp). */
  requireJti: boolean;
  /** How far ahead of now an assertion's exp may lie. */
  maxLifetimeMs: number;
}

/** How the authorization endpoint treats requests, from the server's configuration. */
export interface AuthorizationPolicy {
  /** Every app must push its authorization requests first (RFC 9126 §5), not only those whose settings say so. */
  requirePushedRequests: boolean;
}

/**
 * Everything the protocol engine needs, as ports: no HTTP framework, no SQL, no logger. This is
 * the aggregate the composition root builds (runtime/protocol.ts); each endpoint, grant, client
 * authentication method and the token validator declares the few members it reads (a `Pick` of
 * a port), and this object satisfies them all structurally.
 */
export interface ProtocolDependencies {
  issuer: string;
  endpoints: EndpointUrls;
  clock: Clock;
  /** The whole store, for the authorization and device verification flows. */
  storage: Storage;
  grants: GrantRepository;
  accessTokens: AccessTokenRepository;
  revokedJtis: RevokedJtiRepository;
  deviceCodes: DeviceCodeRepository;
  consents: ConsentRepository;
  preAuthorizations: PreAuthorizationRepository;
  /** What issuing tokens writes, in one transaction when several rows change. */
  tokenStore: TokenStore;
  /** Checks this server's access and refresh tokens; built once, so its imported key set is reused. */
  validator: TokenValidator;
  clients: ClientDirectory;
  resources: ResourceDirectory;
  users: UserDirectory;
  organizations: OrganizationDirectory;
  tokens: TokenIssuer;
  /** The `sub` each app sees for a user (OIDC Core §8): the user's id, or pairwise. */
  subjects: SubjectIdentifiers;
  /** Keyed hash of opaque tokens, codes, refresh secrets and session ids. */
  tokenHasher: SecretHasher;
  /** Key of the refresh token successor chain. */
  successorKey: SecretHasher;
  /** Keys CSRF tokens of the hosted forms. */
  csrfKey: SecretHasher;
  signingKeys: SigningKeys;
  /** Apps' asset signing certificates, opened for signing asset tokens. */
  assetSigningKeys: AssetSigningKeys;
  events: DomainEvents;
  /** Cookie names and flags: Secure and the __Host- prefix on https issuers. */
  cookies: CookiePolicy;
  sessionTtlMs: number;
  /** A session unused this long ends (sessions.idleMinutes). */
  sessionIdleMs?: number;
  jwtBearer: JwtBearerPolicy;
  /** The device flow's server-wide device code lifetime and polling interval, in seconds; an app may set its own. */
  deviceFlow: { lifetimeSeconds: number; pollIntervalSeconds: number };
  authorizationPolicy: AuthorizationPolicy;
  /** The users' second factors, and the organizations that ask for them. */
  secondFactors: SecondFactorDirectory;
  /** Failed client authentication, counted per app and address (429 over the budget). */
  clientAuthFailures: ClientAuthFailureThrottle;
  /** DPoP proofs already seen (RFC 9449 §11.1). */
  dpopProofs: DpopProofRepository;
  /** Server-provided DPoP nonces (RFC 9449 §8). */
  dpopNonces: DpopNonces;
  dpopPolicy: DpopPolicy;
}

/**
 * The name of every cookie Latchkey sets, derived in one place (runtime/protocol.ts
 * `cookiePolicy`): on an https issuer each carries `__Host-` (Path=/) or `__Secure-` (a narrower
 * path), and Secure, HttpOnly and SameSite=Lax; on a plain http issuer (local development) none
 * has a prefix or Secure.
 */
export interface CookiePolicy {
  secure: boolean;
  /** The sign-in session (Path: the issuer's path). */
  session: string;
  /** The browser's other sign-in sessions, offered by the account chooser (prompt=select_account). */
  accounts: string;
  /** Prefix of the per-interaction browser binding cookie (Path: /interaction/{uid}). */
  interaction: string;
  /** Binds the device verification forms to the browser (Path: /device). */
  deviceBinding: string;
  /** Binds the account pages' sign-in form to the browser (Path: /account). */
  accountBinding: string;
  /** Holds, signed, the first factor of an account-page sign-in while it waits for the second. */
  accountSecondFactor: string;
  /** The console's session (Path: /console). */
  consoleSession: string;
  /** The console's signed sign-in flow: PKCE verifier, state, where to return (Path: /console). */
  consoleFlow: string;
  path: string;
}
