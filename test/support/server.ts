import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig, formatConfigProblems } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { createLogger } from '../../src/observability/logger.js';
import { startServer, type RunningServer, type StartServerOptions } from '../../src/runtime/server.js';
import { inProcessOrigin, injectFetch, type Fetch } from './inject.js';

/** A socket listening on a port the system chose (port 0), kept open until a server takes it over. */
export async function boundSocket(): Promise<{ socket: Server; port: number }> {
  const socket = createServer();
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.listen(0, '127.0.0.1', resolve);
  });
  const address = socket.address();
  if (!address || typeof address !== 'object') throw new Error('the socket has no port');
  return { socket, port: address.port };
}

/** Listens on port 0 and answers the port the system chose. */
export async function listenOnFreePort(server: Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  if (!address || typeof address !== 'object') throw new Error('the server has no port');
  return address.port;
}

/**
 * A port nobody is listening on right now, for a child process (the CLI) that must be told its
 * port: a socket cannot be handed to it. In-process servers use boundSocket or listenOnFreePort.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export function temporaryDirectory(prefix = 'latchkey-test-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Collects JSON log lines in memory so a test can read them back. */
export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    callback();
  }
  get text(): string {
    return this.lines.join('\n');
  }
  entries(): Record<string, unknown>[] {
    return this.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  }
}

export interface TestServerOptions {
  /** sqlite:... or postgres://...; defaults to a SQLite file in a fresh directory. */
  databaseUrl?: string;
  /** Extra LATCHKEY_* variables. */
  env?: Record<string, string>;
  dir?: string;
  logLevel?: string;
  configureApp?: StartServerOptions['configureApp'];
  /** A path for the issuer, e.g. `/tenant-a`. */
  issuerPath?: string;
  /** The issuer's host name (127.0.0.1 unless given): WebAuthn needs a domain such as `localhost`, never an IP address. */
  issuerHost?: string;
  /** A clock the test moves (expiry tests). */
  clock?: { now(): number };
  /**
   * No socket: the app answers `fetch` through `app.inject`, at an issuer nothing listens on. For
   * tests of single requests (status, headers, body); interop, browser, raw-socket, slow-client and
   * multi-node tests need the listener.
   */
  inProcess?: boolean;
  /** Tunes the outbox worker: short polls and backoff. */
  mailWorker?: StartServerOptions['mailWorker'];
}

export interface TestServer {
  issuer: string;
  config: Config;
  dir: string;
  logs: LogCapture;
  server: RunningServer;
  /** Calls this server: the global fetch over its socket, or `app.inject` when it is in process. */
  fetch: Fetch;
  stop(): Promise<void>;
}

/** A config built the way the CLI builds it, from LATCHKEY_* variables, rooted in `dir`. */
export function testConfig(dir: string, env: Record<string, string>): Config {
  const loaded = loadConfig({ env, cwd: dir });
  if (!loaded.ok) throw new Error(formatConfigProblems(loaded.problems));
  return loaded.config;
}

function configOrClose(closeSocket: () => void, build: () => Config): Config {
  try {
    return build();
  } catch (error) {
    closeSocket();
    throw error;
  }
}

/** Starts a real Latchkey on a port the system chose (or in process, with no port), logging into memory. */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const ownDir = options.dir ? undefined : temporaryDirectory();
  const dir = options.dir ?? ownDir!.path;
  const bound = options.inProcess ? undefined : await boundSocket();
  const origin = bound ? `http://${options.issuerHost ?? '127.0.0.1'}:${bound.port}` : inProcessOrigin;
  const issuer = `${origin}${options.issuerPath ?? ''}`;
  const closeSocket = () => bound?.socket.close();
  const config = configOrClose(closeSocket, () =>
    testConfig(dir, {
      LATCHKEY_ISSUER: issuer,
      LATCHKEY_LISTEN_HOST: '127.0.0.1',
      LATCHKEY_LISTEN_PORT: String(new URL(origin).port),
      LATCHKEY_DATABASE_URL: options.databaseUrl ?? `sqlite:${join(dir, 'latchkey.db')}`,
      LATCHKEY_DATA_DIR: join(dir, 'data'),
      LATCHKEY_LOG_LEVEL: options.logLevel ?? 'info',
      LATCHKEY_DATABASE_MIGRATE_ON_START: 'true',
      LATCHKEY_KEYS_REFRESH_INTERVAL_SECONDS: '1',
      ...options.env,
    }),
  );
  const logs = new LogCapture();
  const logger = createLogger({ level: config.log.level, destination: logs });
  let server: RunningServer;
  try {
    server = await startServer({
      config,
      logger,
      cwd: dir,
      ...(bound ? { listener: bound.socket } : { withoutListener: true }),
      ...(options.configureApp ? { configureApp: options.configureApp } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.mailWorker ? { mailWorker: options.mailWorker } : {}),
    });
  } catch (error) {
    closeSocket();
    throw error;
  }
  return {
    issuer,
    config,
    dir,
    logs,
    server,
    fetch: bound ? fetch : injectFetch(server.app, origin),
    stop: async () => {
      await server.stop();
      ownDir?.remove();
    },
  };
}
