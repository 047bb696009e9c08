import type { Kysely } from 'kysely';
import type { Clock } from '../../ports/clock.js';
import type { Storage } from '../../ports/storage.js';
import type { DatabaseSchema } from './schema.js';
import { SqlAccountTokenRepository } from './account-token-repository.js';
import { SqlRecoveryCodeRepository, SqlTotpFactorRepository } from './second-factor-repositories.js';
import { SqlApiRepository } from './api-repository.js';
import { SqlAppRepository } from './app-repository.js';
import { SqlAuditRepository } from './audit-repository.js';
import { SqlConsoleSessionRepository } from './console-session-repository.js';
import { SqlConnectionRepository, SqlFederationStateRepository, SqlLinkedIdentityRepository } from './federation-repository.js';
import { SqlDeviceCodeRepository } from './device-code-repository.js';
import { SqlPersonalAccessTokenRepository, SqlUserRepository } from './identity-repositories.js';
import {
  SqlAccessTokenRepository,
  SqlConsentRepository,
  SqlGrantRepository,
  SqlInteractionRepository,
  SqlRevokedJtiRepository,
  SqlSessionRepository,
} from './oauth-repositories.js';
import { SqlOrganizationRepository } from './org-repository.js';
import { SqlOutboxRepository } from './outbox-repository.js';
import { SqlPasskeyRepository } from './passkey-repository.js';
import { SqlPreAuthorizationRepository } from './preauthorization-repository.js';
import { SqlPushedAuthorizationRequestRepository } from './pushed-authorization-repository.js';
import { SqlDpopProofRepository } from './dpop-proof-repository.js';
import { SqlRateLimitRepository } from './rate-limit-repository.js';
import { SqlClientRegistrationRepository, SqlInitialAccessTokenRepository } from './registration-repositories.js';
import { SqlSettingsRepository } from './settings-repository.js';
import { SqlSigningKeyRepository } from './signing-key-repository.js';

/** The Storage port on Kysely: the same queries on SQLite and PostgreSQL. */
export class SqlStorage implements Storage {
  readonly signingKeys: SqlSigningKeyRepository;
  readonly settings: SqlSettingsRepository;
  readonly users: SqlUserRepository;
  readonly personalAccessTokens: SqlPersonalAccessTokenRepository;
  readonly organizations: SqlOrganizationRepository;
  readonly apis: SqlApiRepository;
  readonly apps: SqlAppRepository;
  readonly preAuthorizations: SqlPreAuthorizationRepository;
  readonly audit: SqlAuditRepository;
  readonly sessions: SqlSessionRepository;
  readonly interactions: SqlInteractionRepository;
  readonly consents: SqlConsentRepository;
  readonly grants: SqlGrantRepository;
  readonly accessTokens: SqlAccessTokenRepository;
  readonly revokedJtis: SqlRevokedJtiRepository;
  readonly deviceCodes: SqlDeviceCodeRepository;
  readonly consoleSessions: SqlConsoleSessionRepository;
  readonly rateLimits: SqlRateLimitRepository;
  readonly outbox: SqlOutboxRepository;
  readonly accountTokens: SqlAccountTokenRepository;
  readonly passkeys: SqlPasskeyRepository;
  readonly totpFactors: SqlTotpFactorRepository;
  readonly recoveryCodes: SqlRecoveryCodeRepository;
  readonly connections: SqlConnectionRepository;
  readonly linkedIdentities: SqlLinkedIdentityRepository;
  readonly federationStates: SqlFederationStateRepository;
  readonly pushedAuthorizationRequests: SqlPushedAuthorizationRequestRepository;
  readonly dpopProofs: SqlDpopProofRepository;
  readonly initialAccessTokens: SqlInitialAccessTokenRepository;
  readonly clientRegistrations: SqlClientRegistrationRepository;
  readonly #db: Kysely<DatabaseSchema>;
  readonly #clock: Clock;
  readonly #isTransaction: boolean;

  /**
   * Outside a transaction, the hot reads of concurrent requests (grants, opaque access tokens,
   * sessions) share one statement (ReadBatcher), and so do their grant and token inserts
   * (InsertBatcher). Inside one, every statement runs on the transaction's connection at once.
   */
  constructor(db: Kysely<DatabaseSchema>, clock: Clock, isTransaction = false) {
    const batching = { batched: !isTransaction };
    this.#db = db;
    this.#clock = clock;
    this.#isTransaction = isTransaction;
    const inTransaction = <T>(work: (tx: Kysely<DatabaseSchema>) => Promise<T>): Promise<T> =>
      this.#isTransaction ? work(this.#db) : this.#db.transaction().execute(work);
    this.signingKeys = new SqlSigningKeyRepository(db, inTransaction);
    this.settings = new SqlSettingsRepository(db, clock);
    this.users = new SqlUserRepository(db);
    this.personalAccessTokens = new SqlPersonalAccessTokenRepository(db);
    this.organizations = new SqlOrganizationRepository(db);
    this.apis = new SqlApiRepository(db);
    this.apps = new SqlAppRepository(db);
    this.preAuthorizations = new SqlPreAuthorizationRepository(db);
    this.audit = new SqlAuditRepository(db);
    this.sessions = new SqlSessionRepository(db, batching);
    this.interactions = new SqlInteractionRepository(db);
    this.consents = new SqlConsentRepository(db);
    this.grants = new SqlGrantRepository(db, batching);
    this.accessTokens = new SqlAccessTokenRepository(db, batching);
    this.revokedJtis = new SqlRevokedJtiRepository(db);
    this.deviceCodes = new SqlDeviceCodeRepository(db);
    this.consoleSessions = new SqlConsoleSessionRepository(db);
    this.rateLimits = new SqlRateLimitRepository(db, inTransaction);
    this.outbox = new SqlOutboxRepository(db);
    this.accountTokens = new SqlAccountTokenRepository(db);
    this.passkeys = new SqlPasskeyRepository(db);
    this.totpFactors = new SqlTotpFactorRepository(db);
    this.recoveryCodes = new SqlRecoveryCodeRepository(db, inTransaction);
    this.connections = new SqlConnectionRepository(db);
    this.linkedIdentities = new SqlLinkedIdentityRepository(db);
    this.federationStates = new SqlFederationStateRepository(db);
    this.pushedAuthorizationRequests = new SqlPushedAuthorizationRequestRepository(db);
    this.dpopProofs = new SqlDpopProofRepository(db);
    this.initialAccessTokens = new SqlInitialAccessTokenRepository(db);
    this.clientRegistrations = new SqlClientRegistrationRepository(db);
  }

  transaction<T>(work: (tx: Storage) => Promise<T>): Promise<T> {
    // Kysely has no nested transactions: inside one, the work joins it.
    if (this.#isTransaction) return work(this);
    return this.#db.transaction().execute((trx) => work(new SqlStorage(trx, this.#clock, true)));
  }
}
