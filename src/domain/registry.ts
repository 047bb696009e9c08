import type { ApiRecord } from '../ports/api-repository.js';
import type { Clock } from '../ports/clock.js';
import type { DomainEvents } from '../ports/domain-events.js';
import type { PasswordHasher } from '../ports/password-hasher.js';
import type { Storage } from '../ports/storage.js';
import type { SecretHasher } from '../shared/opaque-secret.js';
import { Authorizer } from './access/authorizer.js';
import { ApiService } from './apis/api-service.js';
import { AppService } from './apps/app-service.js';
import type { LifetimeBounds } from './apps/app-settings.js';
import { CredentialService } from './apps/credential-service.js';
import { PreAuthorizationService } from './apps/preauthorization-service.js';
import { AuditLog } from './audit/audit-log.js';
import { ConsentService } from './identity/consents.js';
import { PersonalAccessTokens } from './identity/personal-access-tokens.js';
import { UserService } from './identity/user-service.js';
import type { SigningAlgorithm } from './keys/signing-keys.js';
import { OrgService } from './orgs/org-service.js';
import { FirstRun } from './identity/first-run.js';
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
  signingAlgorithms: readonly SigningAlgorithm[];
  /** APIs no organization owns: Latchkey's own management API, for the apps a server administrator allows. */
  builtInApis?: readonly ApiRecord[];
  /** Whether every user may create organizations (default true); otherwise only server administrators. */
  orgSelfService?: boolean;
  /** The absolute URL of the invitation page for a token (invitation mails link to it). */
  invitationLink?: (token: string) => string;
}

/** The use cases behind the management API, the console and the CLI, wired once. */
export interface Registry {
  authorizer: Authorizer;
  apps: AppService;
  credentials: CredentialService;
  preAuthorizations: PreAuthorizationService;
  apis: ApiService;
  orgs: OrgService;
  users: UserService;
  tokens: PersonalAccessTokens;
  consents: ConsentService;
  audit: AuditLog;
  firstRun: FirstRun;
  invitationSignUp: InvitationSignUp;
}

export function createRegistry(deps: RegistryDependencies): Registry {
  const { storage, clock, events } = deps;
  const authorizer = new Authorizer(storage);
  const apps = new AppService({
    storage,
    clock,
    authorizer,
    secretHasher: deps.clientSecretHasher,
    bounds: deps.bounds,
    events,
    builtInApis: deps.builtInApis ?? [],
  });
  return {
    authorizer,
    apps,
    credentials: new CredentialService(storage, authorizer, apps),
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
    users: new UserService(storage, clock, authorizer, deps.passwordHasher, events),
    tokens: new PersonalAccessTokens(storage, clock, authorizer, deps.tokenHasher, events),
    consents: new ConsentService(storage, clock, events),
    audit: new AuditLog(storage, authorizer),
    firstRun: new FirstRun({ storage, clock, events, passwords: deps.passwordHasher }),
    invitationSignUp: new InvitationSignUp({ storage, clock, events, secretHasher: deps.tokenHasher, passwords: deps.passwordHasher }),
  };
}
