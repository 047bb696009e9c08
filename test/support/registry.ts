import { SigningKeys } from '../../src/domain/keys/signing-keys.js';
import { KeyEncryption } from '../../src/domain/keys/key-encryption.js';
import { allManagementScopes, operatorActor, type Actor } from '../../src/domain/access/actor.js';
import { createRegistry, type Registry } from '../../src/domain/registry.js';
import type { RequestContext } from '../../src/domain/audit/audit-log.js';
import { InProcessEvents } from '../../src/ports/domain-events.js';
import type { PasswordHasher } from '../../src/ports/password-hasher.js';
import type { Role } from '../../src/ports/org-repositories.js';
import { SecretHasher } from '../../src/shared/opaque-secret.js';
import { migrateToLatest, openDatabase, type SqlDatabase } from '../../src/storage/sql/database.js';
import { SqlStorage } from '../../src/storage/sql/sql-storage.js';

/** Passwords in unit tests: not argon2, so tests stay fast; the real hasher is tested over HTTP. */
export const plainPasswordHasher: PasswordHasher = {
  hash: (password) => Promise.resolve(`plain:${password}`),
  verify: (hash, password) => Promise.resolve(hash === `plain:${password}`),
};

export interface TestRegistry {
  registry: Registry;
  storage: SqlStorage;
  database: SqlDatabase;
  events: InProcessEvents;
  clock: { now(): number; advance(ms: number): void };
  operator: RequestContext;
  close(): Promise<void>;
}

/** The domain on an in-memory SQLite database, with a clock the test moves. */
export async function createTestRegistry(databaseUrl = 'sqlite::memory:'): Promise<TestRegistry> {
  const database = await openDatabase(databaseUrl);
  await migrateToLatest(database);
  let now = Date.UTC(2026, 5, 1);
  const clock = { now: () => now, advance: (ms: number) => void (now += ms) };
  const storage = new SqlStorage(database.db, clock);
  const events = new InProcessEvents();
  const registry = createRegistry({
    storage,
    signingKeys: new SigningKeys(storage.signingKeys, storage.settings, new KeyEncryption(new Uint8Array(32).fill(3)), clock, {
      algorithms: ['RS256', 'ES256', 'EdDSA'],
      retireAfterMs: 3600_000,
    }),
    clock,
    events,
    clientSecretHasher: new SecretHasher(new Uint8Array(32).fill(7)),
    tokenHasher: new SecretHasher(new Uint8Array(32).fill(9)),
    passwordHasher: plainPasswordHasher,
    bounds: {
      accessTokenTtlMinutes: { min: 1, max: 300 },
      refreshTokenTtlMinutes: { min: 1, max: 300 },
      idTokenTtlMinutes: { min: 1, max: 720 },
    },
    signingAlgorithms: ['RS256', 'ES256', 'EdDSA'],
    issuer: 'https://id.example.test',
    factorSecrets: new KeyEncryption(new Uint8Array(32).fill(5)),
    connectionSecrets: new KeyEncryption(new Uint8Array(32).fill(5)),
  });
  await registry.orgs.ensureDefault();
  return { registry, storage, database, events, clock, operator: { actor: operatorActor }, close: () => database.close() };
}

let counter = 0;

/** A user with a role in the organization, and a context acting as them with every management scope. */
export async function memberWithRole(test: TestRegistry, orgId: string, role: Role): Promise<RequestContext & { actor: Extract<Actor, { kind: 'user' }> }> {
  counter += 1;
  const email = `${role}-${counter}@example.com`;
  const user = await test.registry.users.create(test.operator, { email, name: `${role} ${counter}` });
  await test.registry.orgs.putMember(test.operator, orgId, { userId: user.id, role });
  return { actor: { kind: 'user', userId: user.id, email, scopes: new Set(allManagementScopes) } };
}
