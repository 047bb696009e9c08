import type { JWK } from 'jose';
import { clientPolicyOf } from '../domain/apps/client-policy.js';
import { clientKindOf } from '../domain/apps/app-types.js';
import type { ApiRecord } from '../ports/api-repository.js';
import type { AppRecord, TrustedIssuerRecord } from '../ports/app-repositories.js';
import type { Clock } from '../ports/clock.js';
import type { ClientDirectory, ClientPolicy, OAuthClient, ResourceDirectory, UserDirectory } from '../ports/directories.js';
import { unhandledEvent, type DomainEvent } from '../ports/domain-events.js';
import type { UserRecord } from '../ports/identity-repositories.js';
import type { Storage } from '../ports/storage.js';
import type { SecretHasher } from '../shared/opaque-secret.js';
import { isStorableText } from '../shared/text.js';
import type { ClientUsageRecorder } from './client-usage.js';

/** What an event makes stale in the caches: apps' clients, APIs, a user, the signing keys. */
export interface StaleEntries {
  clientIds: readonly string[];
  apiIdentifiers: readonly string[];
  userId: string | null;
  /** The signing keys changed (rotation): nodes reload them rather than wait for their refresh. */
  signingKeys: boolean;
}

const nothingStale: StaleEntries = { clientIds: [], apiIdentifiers: [], userId: null, signingKeys: false };

/**
 * The one place that decides, for every event, which cache entries it makes stale; a new variant
 * of the union does not compile until it is decided here. Per-user credentials are OAuth clients
 * too.
 */
export function staleAfter(event: DomainEvent): StaleEntries {
  switch (event.type) {
    case 'app.created':
    case 'app.updated':
    case 'app.deleted':
    case 'app.secret_rotated':
    case 'app.previous_secret_ended':
    case 'credential.created':
    case 'credential.updated':
    case 'credential.deleted':
    case 'credential.secret_rotated':
    case 'credential.previous_secret_ended':
      return { ...nothingStale, clientIds: [event.clientId] };
    case 'org.deleted':
      return { ...nothingStale, clientIds: event.clientIds, apiIdentifiers: event.apiIdentifiers };
    case 'api.created':
    case 'api.updated':
    case 'api.deleted':
      return { ...nothingStale, apiIdentifiers: [event.identifier] };
    case 'user.updated':
    case 'user.deleted':
    case 'user.disabled':
    case 'user.enabled':
    case 'user.locked':
    case 'user.unlocked':
      return { ...nothingStale, userId: event.userId };
    case 'key.rotated':
    case 'key.rotation_scheduled':
    case 'key.revoked':
      return { ...nothingStale, signingKeys: true };
    // Protocol events change no registered app, API or user; memberships, invitations, consents
    // and tokens are read from storage where they matter.
    case 'code.issued':
    case 'code.replay_detected':
    case 'token.issued':
    case 'token.revoked':
    case 'refresh.reuse_detected':
    case 'signin.succeeded':
    case 'signin.failed':
    case 'signin.throttled':
    case 'mfa.enrolled':
    case 'mfa.removed':
    case 'mfa.recovery_codes_generated':
    case 'mfa.reset':
    case 'session.ended':
    case 'org.created':
    case 'org.updated':
    case 'member.added':
    case 'member.updated':
    case 'member.removed':
    case 'invitation.created':
    case 'invitation.accepted':
    case 'invitation.revoked':
    case 'user.created':
    case 'user.password_reset_sent':
    case 'user.email_change_requested':
    case 'consent.revoked':
    case 'pat.created':
    case 'pat.revoked':
    case 'registration_token.created':
    case 'registration_token.revoked':
    case 'passkey.registered':
    case 'passkey.renamed':
    case 'passkey.removed':
    case 'connection.created':
    case 'connection.updated':
    case 'connection.deleted':
    case 'identity.linked':
    case 'identity.unlinked':
    case 'user.provisioned':
      return nothingStale;
    default:
      return unhandledEvent(event);
  }
}

/**
 * What the caches hear: the entries a change made stale, on this node or another, or
 * `everything` when changes may have gone unheard (another node's announcements were lost).
 */
export type StaleNotice = StaleEntries | 'everything';

export interface StaleFeed {
  subscribe(listener: (notice: StaleNotice) => void): () => void;
}

interface Cached<T> {
  value: T;
  expiresAt: number;
}

/**
 * A small time-bounded cache. Changes invalidate entries at once through the stale feed (this
 * node's domain events and, on PostgreSQL, the other nodes' announcements); the TTL bounds what a
 * lost announcement can leave stale.
 */
class TtlCache<T> {
  readonly #entries = new Map<string, Cached<T>>();
  readonly #ttlMs: number;
  readonly #clock: Clock;
  readonly #maxEntries: number;

  constructor(ttlMs: number, clock: Clock, maxEntries = 10_000) {
    this.#ttlMs = ttlMs;
    this.#clock = clock;
    this.#maxEntries = maxEntries;
  }

  async get(key: string, load: () => Promise<T>): Promise<T> {
    const now = this.#clock.now();
    const hit = this.#entries.get(key);
    if (hit && hit.expiresAt > now) return hit.value;
    const value = await load();
    if (this.#entries.size >= this.#maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(key, { value, expiresAt: now + this.#ttlMs });
    return value;
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }
}

/** Origins of an app's redirect URIs: the browser origins its own code may call from (CORS). */
function originsOf(policy: ClientPolicy): Set<string> {
  const origins = new Set<string>();
  for (const uri of policy.redirectUris) {
    try {
      const url = new URL(uri);
      if (url.protocol === 'https:' || url.protocol === 'http:') origins.add(url.origin);
    } catch {
      // Custom schemes have no web origin.
    }
  }
  return origins;
}

/** The client of an app, with its policy parsed once: the cache keeps it until the app changes. */
export function toOAuthClient(app: AppRecord): OAuthClient {
  const policy = clientPolicyOf(app);
  return { app, clientId: app.clientId, kind: clientKindOf(app.type), policy, allowedOrigins: originsOf(policy) };
}

/** Apps, their secrets and keys, cached: a token request does not read the client from the database. */
export class CachedClientDirectory implements ClientDirectory {
  readonly #storage: Storage;
  readonly #clock: Clock;
  readonly #hasher: SecretHasher;
  readonly #clients: TtlCache<OAuthClient | undefined>;
  readonly #secrets: TtlCache<{ id: string; hash: string; expiresAt: number | null }[]>;
  readonly #keys: TtlCache<JWK[]>;
  readonly #trustedIssuers: TtlCache<TrustedIssuerRecord[]>;
  readonly #origins: TtlCache<Set<string>>;

  readonly #usage: Pick<ClientUsageRecorder, 'record'> | undefined;

  constructor(storage: Storage, clock: Clock, hasher: SecretHasher, stale: StaleFeed, ttlMs: number, usage?: Pick<ClientUsageRecorder, 'record'>) {
    this.#storage = storage;
    this.#usage = usage;
    this.#clock = clock;
    this.#hasher = hasher;
    this.#clients = new TtlCache(ttlMs, clock);
    this.#secrets = new TtlCache(ttlMs, clock);
    this.#keys = new TtlCache(ttlMs, clock);
    this.#trustedIssuers = new TtlCache(ttlMs, clock);
    this.#origins = new TtlCache(Math.max(ttlMs, 30_000), clock, 1);
    stale.subscribe((notice) => {
      if (notice === 'everything') {
        for (const cache of [this.#clients, this.#secrets, this.#keys, this.#trustedIssuers, this.#origins]) cache.clear();
        return;
      }
      for (const clientId of notice.clientIds) this.#forget(clientId);
    });
  }

  #forget(clientId: string): void {
    this.#clients.delete(clientId);
    this.#secrets.delete(clientId);
    this.#keys.delete(clientId);
    this.#trustedIssuers.delete(clientId);
    this.#origins.clear();
  }

  getClient(clientId: string): Promise<OAuthClient | undefined> {
    // No client_id is that long or holds a NUL: answer "unknown" without asking the store.
    if (clientId.length > 100 || !isStorableText(clientId)) return Promise.resolve(undefined);
    return this.#clients.get(clientId, async () => {
      const app = await this.#storage.apps.get(clientId);
      return app ? toOAuthClient(app) : undefined;
    });
  }

  async verifySecret(clientId: string, secret: string): Promise<boolean> {
    const now = this.#clock.now();
    const secrets = await this.#secrets.get(clientId, async () =>
      (await this.#storage.apps.listLiveSecrets(clientId, now)).map((record) => ({ id: record.id, hash: record.hash, expiresAt: record.expiresAt })),
    );
    // Every candidate is compared, so the time taken doesn't say which one matched.
    let matched: string | null = null;
    for (const candidate of secrets) {
      if ((candidate.expiresAt === null || candidate.expiresAt > now) && this.#hasher.matches(secret, candidate.hash)) matched = candidate.id;
    }
    if (matched !== null) this.#usage?.record(clientId, matched);
    return matched !== null;
  }

  clientKeys(clientId: string): Promise<JWK[]> {
    return this.#keys.get(clientId, async () => {
      const now = this.#clock.now();
      return (await this.#storage.apps.listCertificates(clientId))
        .filter((certificate) => certificate.expiresAt === null || certificate.expiresAt > now)
        .map((certificate) => certificate.publicJwk);
    });
  }

  async trustedIssuers(clientId: string): Promise<TrustedIssuerRecord[]> {
    const all = await this.#trustedIssuers.get(clientId, () => this.#storage.apps.listTrustedIssuers(clientId));
    const now = this.#clock.now();
    return all.filter((relationship) => relationship.expiresAt === null || relationship.expiresAt > now);
  }

  async isKnownOrigin(origin: string): Promise<boolean> {
    const origins = await this.#origins.get('all', async () => {
      const all = new Set<string>();
      const { items } = await this.#storage.apps.list({ kind: 'apps', offset: 0, limit: 100_000 });
      for (const app of items) for (const candidate of originsOf(clientPolicyOf(app))) all.add(candidate);
      return all;
    });
    return origins.has(origin);
  }
}

/** Registered APIs, cached, plus the built-in management API every organization may name. */
export class CachedResourceDirectory implements ResourceDirectory {
  readonly #storage: Storage;
  readonly #builtIn: ApiRecord;
  readonly #byIdentifier: TtlCache<ApiRecord | undefined>;
  readonly #byOrg: TtlCache<ApiRecord[]>;

  constructor(storage: Storage, clock: Clock, stale: StaleFeed, ttlMs: number, builtIn: ApiRecord) {
    this.#storage = storage;
    this.#builtIn = builtIn;
    this.#byIdentifier = new TtlCache(ttlMs, clock);
    this.#byOrg = new TtlCache(ttlMs, clock);
    stale.subscribe((notice) => {
      if (notice !== 'everything' && notice.apiIdentifiers.length === 0) return;
      if (notice === 'everything') this.#byIdentifier.clear();
      else for (const identifier of notice.apiIdentifiers) this.#byIdentifier.delete(identifier);
      this.#byOrg.clear();
    });
  }

  getApi(identifier: string): Promise<ApiRecord | undefined> {
    if (identifier === this.#builtIn.identifier) return Promise.resolve(this.#builtIn);
    return this.#byIdentifier.get(identifier, () => this.#storage.apis.getByIdentifier(identifier));
  }

  apisOfOrg(orgId: string): Promise<readonly ApiRecord[]> {
    return this.#byOrg.get(orgId, async () => [...(await this.#storage.apis.list({ orgId, offset: 0, limit: 10_000 })).items, this.#builtIn]);
  }
}

/**
 * Users, cached by id: userinfo, introspection, refresh and the code exchange each read the user,
 * and on PostgreSQL a read is a round trip. Changes apply at once through the stale feed, on
 * every node; a lost announcement within the TTL. Sign-in reads by
 * email, never from the cache, so it always checks the current password hash.
 */
export class CachedUserDirectory implements UserDirectory {
  readonly #storage: Storage;
  readonly #byId: TtlCache<UserRecord | undefined>;

  constructor(storage: Storage, clock: Clock, stale: StaleFeed, ttlMs: number) {
    this.#storage = storage;
    this.#byId = new TtlCache(ttlMs, clock);
    stale.subscribe((notice) => {
      if (notice === 'everything') this.#byId.clear();
      else if (notice.userId !== null) this.#byId.delete(notice.userId);
    });
  }

  getUser(id: string): Promise<UserRecord | undefined> {
    if (id.length > 100 || !isStorableText(id)) return Promise.resolve(undefined);
    return this.#byId.get(id, () => this.#storage.users.get(id));
  }

  getUserByEmail(email: string): Promise<UserRecord | undefined> {
    if (!isStorableText(email)) return Promise.resolve(undefined);
    return this.#storage.users.getByEmail(email.toLowerCase());
  }
}
