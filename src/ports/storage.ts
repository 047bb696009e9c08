import type { AccountTokenRepository } from './account-tokens.js';
import type { ApiRepository } from './api-repository.js';
import type { AppRepository } from './app-repositories.js';
import type { AuditRepository } from './audit-repository.js';
import type { ConnectionRepository, FederationStateRepository, LinkedIdentityRepository } from './federation-repositories.js';
import type { PersonalAccessTokenRepository, UserRepository } from './identity-repositories.js';
import type {
  AccessTokenRepository,
  ConsentRepository,
  ConsoleSessionRepository,
  DeviceCodeRepository,
  GrantRepository,
  InteractionRepository,
  RevokedJtiRepository,
  SessionRepository,
} from './oauth-repositories.js';
import type { OrganizationRepository } from './org-repositories.js';
import type { OutboxRepository } from './outbox.js';
import type { PasskeyRepository } from './passkey-repository.js';
import type { PreAuthorizationRepository } from './preauthorization-repository.js';
import type { PushedAuthorizationRequestRepository } from './pushed-authorization-repository.js';
import type { DpopProofRepository } from './dpop-proof-repository.js';
import type { RateLimitRepository } from './rate-limiter.js';
import type { ClientRegistrationRepository, InitialAccessTokenRepository } from './registration-repositories.js';
import type { RecoveryCodeRepository, TotpFactorRepository } from './second-factor-repositories.js';
import type { SettingsRepository } from './settings-repository.js';
import type { SigningKeyRepository } from './signing-key-repository.js';

/** Everything the core stores, behind one object so that a use case can run in one transaction. */
export interface Storage {
  readonly signingKeys: SigningKeyRepository;
  readonly settings: SettingsRepository;
  readonly users: UserRepository;
  readonly personalAccessTokens: PersonalAccessTokenRepository;
  readonly organizations: OrganizationRepository;
  readonly apis: ApiRepository;
  readonly apps: AppRepository;
  readonly preAuthorizations: PreAuthorizationRepository;
  readonly audit: AuditRepository;
  readonly sessions: SessionRepository;
  readonly interactions: InteractionRepository;
  readonly consents: ConsentRepository;
  readonly grants: GrantRepository;
  readonly accessTokens: AccessTokenRepository;
  readonly revokedJtis: RevokedJtiRepository;
  readonly deviceCodes: DeviceCodeRepository;
  readonly consoleSessions: ConsoleSessionRepository;
  /** Attempt counters (sign-in, user-code entry) that every node sharing the database shares. */
  readonly rateLimits: RateLimitRepository;
  /** Work that leaves the request (mail), written with the change that causes it and sent by a worker. */
  readonly outbox: OutboxRepository;
  /** Single-use account links: first-run setup, email verification, password reset. */
  readonly accountTokens: AccountTokenRepository;
  /** Users' WebAuthn credentials. */
  readonly passkeys: PasskeyRepository;
  /** Authenticator apps enrolled as second factors. */
  readonly totpFactors: TotpFactorRepository;
  /** Single-use recovery codes, for when the second factor is lost. */
  readonly recoveryCodes: RecoveryCodeRepository;
  /** Upstream OpenID providers, the identities linked through them, and sign-ins in flight. */
  readonly connections: ConnectionRepository;
  readonly linkedIdentities: LinkedIdentityRepository;
  readonly federationStates: FederationStateRepository;
  /** Authorization requests pushed ahead of the browser (RFC 9126), used once. */
  readonly pushedAuthorizationRequests: PushedAuthorizationRequestRepository;
  /** DPoP proofs already seen (RFC 9449 §11.1), each accepted once. */
  readonly dpopProofs: DpopProofRepository;
  /** Initial access tokens for dynamic client registration (RFC 7591 §3), spent one use at a time. */
  readonly initialAccessTokens: InitialAccessTokenRepository;
  /** Dynamically registered apps and their registration access tokens (RFC 7592). */
  readonly clientRegistrations: ClientRegistrationRepository;
  /** Runs `work` in a transaction; repositories reached through `tx` take part in it. */
  transaction<T>(work: (tx: Storage) => Promise<T>): Promise<T>;
}
