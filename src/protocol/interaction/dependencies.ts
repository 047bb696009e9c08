import type { SubjectIdentifiers } from '../../domain/apps/subject-identifiers.js';
import type { Clock } from '../../ports/clock.js';
import type { ClientDirectory, ResourceDirectory, UserDirectory } from '../../ports/directories.js';
import type { DomainEvents } from '../../ports/domain-events.js';
import type { Storage } from '../../ports/storage.js';
import type { SecretHasher } from '../../shared/opaque-secret.js';
import type { CookiePolicy, EndpointUrls, OrganizationDirectory } from '../context.js';
import type { SecondFactorDirectory } from './login-method.js';

/** The ports the interaction engine uses, and only those; the protocol's dependencies satisfy it. */
export interface InteractionDependencies {
  issuer: string;
  endpoints: Pick<EndpointUrls, 'interaction'>;
  clock: Clock;
  storage: Pick<Storage, 'interactions' | 'sessions' | 'consents' | 'preAuthorizations' | 'grants' | 'transaction'>;
  clients: Pick<ClientDirectory, 'getClient'>;
  resources: Pick<ResourceDirectory, 'getApi'>;
  users: Pick<UserDirectory, 'getUser'>;
  organizations: Pick<OrganizationDirectory, 'isMember' | 'acceptInvitation' | 'roleOf'>;
  /** Keyed hash of codes, session ids and browser bindings. */
  tokenHasher: SecretHasher;
  events: DomainEvents;
  secondFactors: SecondFactorDirectory;
  /** The `sub` the app knows a user by: what a requested subject (claims id_token.sub.value) is compared with. */
  subjects: Pick<SubjectIdentifiers, 'of'>;
  cookies: Pick<CookiePolicy, 'session' | 'accounts' | 'interaction' | 'path'>;
  sessionTtlMs: number;
  /** A session unused this long ends (sessions.idleMinutes). */
  sessionIdleMs?: number;
}
