import { operatorActor } from '../../src/domain/access/actor.js';
import type { RequestContext } from '../../src/domain/audit/audit-log.js';
import type { AppInput } from '../../src/domain/apps/app-settings.js';
import { createLogger } from '../../src/observability/logger.js';
import type { OAuthClient } from '../../src/ports/directories.js';
import type { UserRecord } from '../../src/ports/identity-repositories.js';
import type { ProtocolDependencies } from '../../src/protocol/context.js';
import { createProtocol, type Protocol } from '../../src/runtime/protocol.js';
import { openRuntime, type Runtime } from '../../src/runtime/runtime.js';
import { LogCapture, temporaryDirectory, testConfig } from './server.js';

export interface TestClock {
  now(): number;
  advance(ms: number): void;
}

/** A clock that stands still until the test moves it. */
export function fakeClock(start = Date.UTC(2026, 5, 1)): TestClock {
  let now = start;
  return { now: () => now, advance: (ms) => void (now += ms) };
}

export interface TestProtocol {
  runtime: Runtime;
  protocol: Protocol;
  deps: ProtocolDependencies;
  clock: TestClock;
  operator: RequestContext;
  orgId: string;
  /** An app of the default organization, created through the domain as the console would. */
  createApp(input: AppInput): Promise<{ client: OAuthClient; secret: string | null }>;
  createUser(email?: string): Promise<UserRecord>;
  /** A user who is a member (viewer) of the default organization, so its private apps serve them. */
  createMember(email?: string): Promise<UserRecord>;
  close(): Promise<void>;
}

let users = 0;

/**
 * The protocol engine wired as the server wires it (runtime/protocol.ts), over an in-memory
 * SQLite database and the given clock, without HTTP: for table-driven tests of grants, client
 * authentication and tokens.
 */
export async function createTestProtocol(options: { clock?: TestClock } = {}): Promise<TestProtocol> {
  const clock = options.clock ?? fakeClock();
  const dir = temporaryDirectory();
  const config = testConfig(dir.path, {
    LATCHKEY_ISSUER: 'http://127.0.0.1:9',
    LATCHKEY_DATABASE_URL: 'sqlite::memory:',
    LATCHKEY_DATA_DIR: dir.path,
    LATCHKEY_SECRET: 'test-secret-of-the-protocol-tests-0123456789',
    LATCHKEY_LOG_LEVEL: 'silent',
  });
  const logger = createLogger({ level: 'silent', destination: new LogCapture() });
  const runtime = await openRuntime({ config, logger, cwd: dir.path, clock, migrate: true });
  const protocol = createProtocol(runtime);
  const operator: RequestContext = { actor: operatorActor };
  const org = await runtime.registry.orgs.ensureDefault();
  const createUser = (email?: string) => {
    users += 1;
    return runtime.registry.users.create(operator, { email: email ?? `user-${users}@example.com`, name: `User ${users}` });
  };
  return {
    runtime,
    protocol,
    deps: protocol.deps,
    clock,
    operator,
    orgId: org.id,
    async createApp(input) {
      const { app, clientSecret } = await runtime.registry.apps.createParsed(operator, org.id, { status: 'active', ...input }, null);
      const client = await protocol.deps.clients.getClient(app.clientId);
      return { client: client!, secret: clientSecret };
    },
    createUser,
    async createMember(email) {
      const user = await createUser(email);
      await runtime.registry.orgs.putMember(operator, org.id, { userId: user.id, role: 'viewer' });
      return user;
    },
    async close() {
      await runtime.close();
      dir.remove();
    },
  };
}
