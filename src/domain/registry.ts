import { KeyService } from './keys/key-service.js';
import type { SigningKeys } from './keys/signing-keys.js';
import type { RateLimiter } from '../ports/rate-limiter.js';
import type { ApiRecord } from '../ports/api-repository.js';
import type { Clock } from '../ports/clock.js';
import type { SectorIdentifierDocuments } from '../ports/sector-identifier-documents.js';
import type { DomainEvents } from '../ports/domain-events.js';
import type { PasswordHasher } from '../ports/password-hasher.js';
import type { Storage } from '../ports/storage.js';
import type { SecretHasher } from '../shared/opaque-secret.js';
import { Authorizer } from './access/authorizer.js';
import { ApiService } from './apis/api-service.js';
import { AppService } from './apps/app-service.js';
import { isLoopbackHost } from '../contracts/redirect-uris.js';
import { LogoutDeliveries } from './apps/logout-deliveries.js';
import type { LifetimeBounds } from './apps/app-settings.js';
import { CredentialService } from './apps/credential-service.js';
import { PreAuthorizationService } from './apps/preauthorization-service.js';
import { DynamicRegistration } from './apps/dynamic-registration.js';
import { InitialAccessTokens } from './apps/initial-access-tokens.js';
import { paths } from '../contracts/paths.js';
import { AuditLog } from './audit/audit-log.js';
import { AccountService } from './identity/account-service.js';
import { ConsentService } from './identity/consents.js';
import { PersonalAccessTokens } from './identity/personal-access-tokens.js';
import type { SecretSealer } from '../ports/secret-sealer.js';
import { SecondFactors, type SecondFactorSource } from './identity/second-factors.js';
import { SignIn } from './identity/sign-in.js';
import { AccountLockout, type LockoutPolicy } from './identity/lockout.js';
import { UserService } from './identity/user-service.js';
import type { SigningAlgorithm } from './keys/signing-keys.js';
import { OrgService } from './orgs/org-service.js';
import { FirstRun } from './identity/first-run.js';
import { ConnectionService } from './federation/connection-service.js';
import { FederatedAccounts } from './federation/federated-accounts.js';
import { InvitationSignUp } from './orgs/invitation-sign-up.js';

export interface RegistryDependencies {
  storage: Storage;
  clock: Clock;
  events: DomainEvents;
  /** Hashes client secrets. */
  clientSecretHasher: SecretHasher;
  /** Hashes personal access tokens and invitation tokens. */
  tokenHasher: SecretHasher;
  passwordHasher: PasswordHasher;
  bounds: LifetimeBounds;
  /** The server's device code lifetime and polling interval (grants.deviceCode). */
  deviceFlow?: { lifetimeSeconds: number; pollIntervalSeconds: number };
  signingAlgorithms: readonly SigningAlgorithm[];
  /** APIs no organization owns: Latchkey's own management API, for the apps a server administrator allows. */
  builtInApis?: readonly ApiRecord[];
  /** Whether every user may create organizations (default true); otherwise only server administrators. */
  orgSelfService?: boolean;
  /** The absolute URL of the invitation page for a token (invitation mails link to it). */
  invitationLink?: (token: string) => string;
  /** The issuer without a trailing slash: the links in account mail start with it. */
  issuer: string;
  /** When repeated wrong passwords lock an account (default: 10 in a row, for 15 minutes). */
  lockout?: LockoutPolicy;
  /** Seals the secrets of authenticator apps at rest. */
  factorSecrets: SecretSealer;
  /** The server's name, as authenticator apps show it (default Latchkey). */
  serverName?: string;
  /** Second factors kept outside the registry's own (passkeys). */
  secondFactorSources?: readonly SecondFactorSource[];
  /** Removes a user's second factors kept outside the registry's own (passkeys) in the reset's transaction; answers how many. */
  removeOtherSecondFactors?: (tx: Storage, userId: string) => Promise<number>;
  /** Seals the client secrets of sign-in connections at rest. */
  connectionSecrets: SecretSealer;
  /** Seals the private keys of apps' asset signing certificates at rest. */
  assetSigningKeys?: SecretSealer;
  /** The attempt counters of every throttle (the database's when not given). */
  limiter?: RateLimiter;
  signingKeys: SigningKeys;
  /** Reads pairwise apps' sector identifier documents (over HTTP in the server). */
  sectorDocuments?: SectorIdentifierDocuments;
  /** Whether owners and admins may review public apps they submitted themselves (apps.selfApproval, default false). */
  appSelfApproval?: boolean;
  /** The organization (by name) that open dynamic registration registers into; absent when open registration is off. */
  openRegistrationOrganization?: string;
  /** Open registrations one client address may attempt per hour (registration.openPerAddressPerHour, default 20). */
  openRegistrationsPerAddressPerHour?: number;
}

/** The use cases behind the management API, the console and the CLI, wired once. */
export interface Registry {
  authorizer: Authorizer;
  apps: AppService;
  credentials: CredentialService;
  preAuthorizations: PreAuthorizationService;
  /** Initial access tokens for dynamic client registration, issued by organization admins. */
  initialAccessTokens: InitialAccessTokens;
  /** Dynamic client registration and management (RFC 7591, RFC 7592). */
  registration: DynamicRegistration;
  apis: ApiService;
  orgs: OrgService;
  users: UserService;
  tokens: PersonalAccessTokens;
  consents: ConsentService;
  /** What a signed-in user changes about their own account (the account page). */
  accounts: AccountService;
  /** Password sign-in with its throttles and lockout: the one every form that checks a password uses. */
  signIn: SignIn;
  /** Authenticator apps and recovery codes, and what other second factors report. */
  secondFactors: SecondFactors;
  audit: AuditLog;
  firstRun: FirstRun;
  invitationSignUp: InvitationSignUp;
  /** Connections to upstream OpenID providers (management). */
  connections: ConnectionService;
  /** The accounts behind upstream sign-ins: linking, just-in-time users, unlinking. */
  federatedAccounts: FederatedAccounts;
  /** The server's signing keys (server administrators). */
  keys: KeyService;
  /** Each app's log of back-channel logout deliveries. */
  logoutDeliveries: LogoutDeliveries;
}

export function createRegistry(deps: RegistryDependencies): Registry {
  const { storage, clock, events } = deps;
  const limiter = deps.limiter ?? storage.rateLimits;
  const authorizer = new Authorizer(storage);
  const consents = new ConsentService(storage, clock, events);
  const lockout = new AccountLockout({ storage, clock, events }, limiter, deps.issuer, deps.lockout);
  const signIn = new SignIn(storage.users, deps.passwordHasher, limiter, clock, undefined, lockout);
  const apps = new AppService({
    storage,
    clock,
    authorizer,
    secretHasher: deps.clientSecretHasher,
    bounds: deps.bounds,
    events,
    builtInApis: deps.builtInApis ?? [],
    ...(deps.deviceFlow ? { deviceFlow: deps.deviceFlow } : {}),
    signingAlgorithms: deps.signingAlgorithms,
    loopbackIssuer: isLoopbackHost(new URL(deps.issuer).hostname),
    selfApproval: deps.appSelfApproval ?? false,
    ...(deps.sectorDocuments ? { sectorDocuments: deps.sectorDocuments } : {}),
    ...(deps.assetSigningKeys ? { assetKeySealer: deps.assetSigningKeys } : {}),
  });
  const initialAccessTokens = new InitialAccessTokens({ storage, clock, events, authorizer, hasher: deps.tokenHasher });
  const registration = new DynamicRegistration({
    storage,
    clock,
    events,
    apps,
    initialTokens: initialAccessTokens,
    hasher: deps.tokenHasher,
    registrationEndpoint: deps.issuer.replace(/\/+$/, '') + paths.registration,
    openOrganization: deps.openRegistrationOrganization ?? null,
    limiter,
    openPerAddressPerHour: deps.openRegistrationsPerAddressPerHour ?? 20,
  });
  const secondFactors = new SecondFactors({
    storage,
    clock,
    events,
    sealer: deps.factorSecrets,
    codeHasher: deps.tokenHasher,
    limiter,
    issuerName: deps.serverName ?? 'Latchkey',
    sources: deps.secondFactorSources ?? [],
  });
  return {
    authorizer,
    apps,
    credentials: new CredentialService(storage, authorizer, apps),
    initialAccessTokens,
    registration,
    preAuthorizations: new PreAuthorizationService({ storage, clock, authorizer, events, builtInApis: deps.builtInApis ?? [] }),
    apis: new ApiService({
      storage,
      clock,
      authorizer,
      events,
      accessTokenTtlMinutes: deps.bounds.accessTokenTtlMinutes,
      signingAlgorithms: deps.signingAlgorithms,
    }),
    orgs: new OrgService({
      storage,
      clock,
      authorizer,
      secretHasher: deps.tokenHasher,
      events,
      selfService: deps.orgSelfService ?? true,
      ...(deps.invitationLink ? { invitationLink: deps.invitationLink } : {}),
    }),
    users: new UserService(storage, clock, authorizer, deps.passwordHasher, events, deps.issuer, secondFactors, deps.removeOtherSecondFactors),
    tokens: new PersonalAccessTokens(storage, clock, authorizer, deps.tokenHasher, events),
    consents,
    accounts: new AccountService({
      storage,
      clock,
      events,
      passwords: deps.passwordHasher,
      consents,
      signIn,
    }),
    audit: new AuditLog(storage, authorizer),
    firstRun: new FirstRun({ storage, clock, events, passwords: deps.passwordHasher }),
    invitationSignUp: new InvitationSignUp({ storage, clock, events, secretHasher: deps.tokenHasher, passwords: deps.passwordHasher }),
    signIn,
    secondFactors,
    connections: new ConnectionService({ storage, clock, events, authorizer, secrets: deps.connectionSecrets }),
    federatedAccounts: new FederatedAccounts({ storage, clock, events }),
    keys: new KeyService({ storage, clock, events, authorizer, signingKeys: deps.signingKeys }),
    logoutDeliveries: new LogoutDeliveries(storage, apps),
  };
}
