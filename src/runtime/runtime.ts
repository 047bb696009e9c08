import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { consolePaths, paths } from '../contracts/paths.js';
import { issuerBase } from '../protocol/endpoints.js';
import { createRegistry, type Registry } from '../domain/registry.js';
import { passkeySecondFactor, passkeysPossible, relyingPartyOf } from '../domain/identity/passkeys.js';
import { InProcessEvents } from '../ports/domain-events.js';
import { deriveKeys, type DerivedKeys } from './derived-keys.js';
import { argon2PasswordHasher } from './password-hasher.js';
import { managementApiRecord } from './protocol.js';
import { SigningKeys } from '../domain/keys/signing-keys.js';
import { loadSubjectIdentifiers, type SubjectIdentifiers } from '../domain/apps/subject-identifiers.js';
import { systemClock, type Clock } from '../ports/clock.js';
import { migrateToLatest, openDatabase, pendingMigrations, DatabaseOpenError, type SqlDatabase } from '../storage/sql/database.js';
import { SqlStorage } from '../storage/sql/sql-storage.js';
import type { RateLimiter } from '../ports/rate-limiter.js';
import { connectRedis } from '../storage/redis/redis-connection.js';
import { RedisRateLimiter } from '../storage/redis/redis-rate-limiter.js';
import { singleNode, type NodeCoordination } from '../ports/node-coordination.js';
import { PostgresCoordination } from '../storage/sql/postgres-coordination.js';
import { ClientUsageRecorder } from './client-usage.js';
import { StaleCacheFeed } from './stale-feed.js';
import { resolveServerSecret, type ServerSecret } from './server-secret.js';
import { distinctPreviousSecrets, recordSecretActivation, resealWithCurrentSecret } from './secret-rotation.js';
import { HttpSectorIdentifierDocuments } from './sector-identifier-documents.js';

/** Everything a running Latchkey holds, wired once; the CLI and the HTTP server both use it. */
export interface Runtime {
  readonly config: Config;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly database: SqlDatabase;
  readonly storage: SqlStorage;
  readonly signingKeys: SigningKeys;
  readonly serverSecret: ServerSecret;
  readonly events: InProcessEvents;
  readonly registry: Registry;
  /** What the nodes sharing the database tell each other, and the locks only one of them holds. */
  readonly coordination: NodeCoordination;
  /** What makes cached entries stale, from this node and the others. */
  readonly staleFeed: StaleCacheFeed;
  /** The attempt counters every throttle uses: Redis when `redis.url` is set, else the database. */
  readonly limiter: RateLimiter;
  /** Every key derived from the server secret. */
  readonly keys: DerivedKeys;
  /** The `sub` each app sees for a user: public or pairwise. */
  readonly subjects: SubjectIdentifiers;
  /** When apps and their secrets last authenticated, written in batches off the request path. */
  readonly clientUsage: ClientUsageRecorder;
  close(): Promise<void>;
}

export interface OpenRuntimeOptions {
  config: Config;
  logger: Logger;
  cwd?: string;
  clock?: Clock;
  /** Overrides `database.migrateOnStart`. */
  migrate?: boolean;
  /** Create missing signing keys (true for the server; false for read-only CLI commands). */
  ensureKeys?: boolean;
}

/**
 * How long a rotated-out key stays published: the longest lifetime an app may give a token the key
 * signs, plus the time other nodes need to notice the rotation, plus a minute of clock skew.
 */
export function retireAfterMs(config: Config): number {
  const longestTokenMinutes = Math.max(config.tokens.accessTokenTtlMinutes.max, config.tokens.idTokenTtlMinutes.max);
  return longestTokenMinutes * 60_000 + config.keys.refreshIntervalSeconds * 1000 + 60_000;
}

export async function openRuntime(options: OpenRuntimeOptions): Promise<Runtime> {
  const { config, logger } = options;
  const cwd = options.cwd ?? process.cwd();
  const clock = options.clock ?? systemClock;
  const serverSecret = resolveServerSecret(config, cwd, logger);

  const database = await openDatabase(config.database.url, { poolSize: config.database.poolSize, cwd });
  let closeRedis: (() => Promise<void>) | undefined;
  let closeCoordination: (() => Promise<void>) | undefined;
  try {
    const migrate = options.migrate ?? config.database.migrateOnStart ?? database.dialect === 'sqlite';
    if (migrate) {
      const { applied } = await migrateToLatest(database);
      if (applied.length > 0) logger.info({ migrations: applied, database: database.description }, 'applied migrations');
    } else {
      const pending = await pendingMigrations(database);
      if (pending.length > 0) {
        throw new DatabaseOpenError(
          `${database.description} has ${pending.length} pending migration(s) (${pending.join(', ')}); run \`latchkey migrate\` or set LATCHKEY_DATABASE_MIGRATE_ON_START=true`,
        );
      }
    }

    const storage = new SqlStorage(database.db, clock);
    const redis = config.redis.url
      ? await connectRedis(config.redis.url, (error) => logger.warn({ error: error.message }, 'Redis connection error'))
      : undefined;
    closeRedis = redis ? () => redis.quit().then(() => undefined) : undefined;
    const limiter = redis ? new RedisRateLimiter(redis, config.redis.keyPrefix) : storage.rateLimits;
    const keys = deriveKeys(serverSecret.value, distinctPreviousSecrets(serverSecret.value, config.previousSecrets));
    const signingKeys = new SigningKeys(storage.signingKeys, storage.settings, keys.signingKeyEncryption, clock, {
      algorithms: config.keys.algorithms,
      retireAfterMs: retireAfterMs(config),
    });
    if (options.ensureKeys ?? true) {
      const { created, resealed } = await signingKeys.initialize();
      if (resealed > 0) logger.info({ keys: resealed }, 're-encrypted signing keys with the current server secret');
      for (const key of created) logger.info({ kid: key.kid, alg: key.alg }, 'generated signing key');
    } else {
      await signingKeys.verifyEncryptionSecret();
      await signingKeys.refresh();
    }

    await recordSecretActivation(storage.settings, serverSecret.value, clock.now());
    if ((options.ensureKeys ?? true) && keys.factorSecretEncryption.hasPrevious) {
      const resealedSecrets = await resealWithCurrentSecret(database.db, keys);
      if (resealedSecrets.totpSecrets + resealedSecrets.connectionSecrets + resealedSecrets.assetSigningKeys > 0) {
        logger.info(resealedSecrets, 're-encrypted authenticator app and connection secrets with the current server secret');
      }
    }

    const events = new InProcessEvents();
    const coordination =
      database.dialect === 'postgres'
        ? new PostgresCoordination(config.database.url, database.db, (error) => logger.warn({ error: error.message }, 'node coordination connection error'))
        : singleNode;
    closeCoordination = () => coordination.close();
    const staleFeed = new StaleCacheFeed(events, coordination, (error) =>
      logger.warn({ error: error.message }, 'announcing a change to the other nodes failed'),
    );
    const registry = createRegistry({
      storage,
      limiter,
      signingKeys,
      clock,
      events,
      clientSecretHasher: keys.clientSecretHasher,
      tokenHasher: keys.tokenHasher,
      connectionSecrets: keys.connectionSecretEncryption,
      assetSigningKeys: keys.assetSigningKeyEncryption,
      passwordHasher: argon2PasswordHasher,
      bounds: config.tokens,
      deviceFlow: config.grants.deviceCode,
      signingAlgorithms: config.keys.algorithms,
      builtInApis: [managementApiRecord(config.issuer)],
      orgSelfService: config.orgs.selfService,
      appSelfApproval: config.apps.selfApproval,
      invitationLink: (token) => `${issuerBase(config.issuer)}${paths.console}${consolePaths.invitation}?token=${encodeURIComponent(token)}`,
      issuer: config.issuer.replace(/\/+$/, ''),
      lockout: config.signIn.lockout,
      factorSecrets: keys.factorSecretEncryption,
      serverName: config.mail.serverName,
      // An issuer at an IP address has no passkeys (no RP ID), so none can be asked for.
      secondFactorSources: passkeysPossible(relyingPartyOf(config.issuer, config.mail.serverName)) ? [passkeySecondFactor(storage)] : [],
      // An administrator's reset of a user's second factors removes their passkeys too.
      removeOtherSecondFactors: (tx, userId) => tx.passkeys.deleteForUser(userId),
      ...(config.registration.open && config.registration.openOrganization ? { openRegistrationOrganization: config.registration.openOrganization } : {}),
      openRegistrationsPerAddressPerHour: config.registration.openPerAddressPerHour,
      sectorDocuments: new HttpSectorIdentifierDocuments(),
    });
    await registry.orgs.ensureDefault();
    const subjects = await loadSubjectIdentifiers(storage.settings);
    const clientUsage = new ClientUsageRecorder(storage, clock, {
      onError: (error) => logger.warn({ error: error.message }, 'recording when apps last authenticated failed'),
    });

    return {
      config,
      logger,
      clock,
      database,
      storage,
      signingKeys,
      serverSecret,
      keys,
      subjects,
      events,
      registry,
      limiter,
      coordination,
      staleFeed,
      clientUsage,
      close: async () => {
        await clientUsage.flush();
        await staleFeed.flush();
        await coordination.close();
        await closeRedis?.();
        await database.close();
      },
    };
  } catch (error) {
    await closeCoordination?.().catch(() => undefined);
    await closeRedis?.().catch(() => undefined);
    await database.close().catch(() => undefined);
    throw error;
  }
}
