import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import type { FastifyInstance } from 'fastify';
import { paths } from '../contracts/paths.js';
import { operatorKeyHeader } from '../http/api/management-api.js';
import { buildHttpApp } from '../http/app.js';
import { issuerPath } from '../protocol/endpoints.js';
import { createProtocol } from '../runtime/protocol.js';
import { openRuntime, type Runtime } from '../runtime/runtime.js';
import { CliError, commandLogger, configFromCommand } from './context.js';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export interface CallOptions {
  body?: unknown;
  query?: Record<string, string | number | boolean | undefined>;
}

/**
 * The CLI's way to the management API. Every command goes through the same HTTP API as the
 * console and automation: in-process on the configured database (as the operator), or over the
 * network with `--url` and a token.
 */
export interface ManagementClient {
  readonly mode: 'local' | 'remote';
  /** Calls an operation (path below /api/v1); returns the JSON body, or throws a CliError with the problem. */
  call<T = unknown>(method: HttpMethod, path: string, options?: CallOptions): Promise<T>;
  close(): Promise<void>;
}

interface Problem {
  title?: string;
  detail?: string;
  errors?: { field: string; message: string }[];
}

/** A problem+json body as lines a person can act on. */
export function formatProblem(status: number, body: unknown): string {
  const problem = (typeof body === 'object' && body !== null ? body : {}) as Problem;
  const lines = [`${problem.title ?? `HTTP ${status}`}: ${problem.detail ?? 'the request failed'}`];
  if (problem.errors && problem.errors.length > 1) {
    for (const error of problem.errors) lines.push(`  - ${error.field}: ${error.message}`);
  }
  return lines.join('\n');
}

function queryString(query: CallOptions['query']): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query ?? {})) if (value !== undefined) params.set(name, String(value));
  const text = params.toString();
  return text ? `?${text}` : '';
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

class RemoteClient implements ManagementClient {
  readonly mode = 'remote';
  readonly #base: string;
  readonly #token: string;

  constructor(url: string, token: string) {
    this.#base = url.replace(/\/+$/, '') + paths.managementApi;
    this.#token = token;
  }

  async call<T>(method: HttpMethod, path: string, options: CallOptions = {}): Promise<T> {
    let response: Response;
    try {
      response = await fetch(this.#base + path + queryString(options.query), {
        method,
        headers: {
          authorization: `Bearer ${this.#token}`,
          ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      });
    } catch (error) {
      throw new CliError(`cannot reach ${this.#base}: ${((error as Error).cause as Error | undefined)?.message ?? (error as Error).message}`);
    }
    const body = parseBody(await response.text());
    if (!response.ok) throw new CliError(formatProblem(response.status, body));
    return body as T;
  }

  async close(): Promise<void> {}
}

class LocalClient implements ManagementClient {
  readonly mode = 'local';
  readonly #runtime: Runtime;
  readonly #app: FastifyInstance;
  readonly #operatorKey: string;
  readonly #prefix: string;

  constructor(runtime: Runtime, app: FastifyInstance, operatorKey: string) {
    this.#runtime = runtime;
    this.#app = app;
    this.#operatorKey = operatorKey;
    this.#prefix = issuerPath(runtime.config.issuer) + paths.managementApi;
  }

  async call<T>(method: HttpMethod, path: string, options: CallOptions = {}): Promise<T> {
    const response = await this.#app.inject({
      method,
      url: this.#prefix + path + queryString(options.query),
      headers: {
        [operatorKeyHeader]: this.#operatorKey,
        ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(options.body !== undefined ? { payload: JSON.stringify(options.body) } : {}),
    });
    const body = parseBody(response.body);
    if (response.statusCode >= 400) throw new CliError(formatProblem(response.statusCode, body));
    return body as T;
  }

  async close(): Promise<void> {
    await this.#app.close();
    await this.#runtime.close();
  }
}

/** Global options that choose remote mode. */
export function addRemoteOptions(command: Command): Command {
  return command
    .option('--url <url>', 'work against a running server at this URL instead of the local database [LATCHKEY_URL]')
    .option('--token <token>', 'personal access token for --url [LATCHKEY_TOKEN]');
}

/** Connects the way the command asks: `--url` + token for a remote server, otherwise the configured database. */
export async function connectManagement(command: Command): Promise<ManagementClient> {
  const options = command.optsWithGlobals<{ url?: string; token?: string }>();
  const url = options.url ?? process.env.LATCHKEY_URL;
  if (url) {
    const token = options.token ?? process.env.LATCHKEY_TOKEN;
    if (!token) throw new CliError('--url needs a token: pass --token or set LATCHKEY_TOKEN (make one with `latchkey tokens create`)');
    return new RemoteClient(url, token);
  }
  const { config } = configFromCommand(command);
  const runtime = await openRuntime({ config, logger: commandLogger(config), ensureKeys: false });
  try {
    const operatorKey = randomBytes(32).toString('base64url');
    const app = await buildHttpApp({
      config: { ...config, log: { ...config.log, requests: false } },
      logger: runtime.logger,
      signingKeys: runtime.signingKeys,
      registry: runtime.registry,
      protocol: createProtocol(runtime),
      pingDatabase: () => runtime.database.ping(),
      consoleSealingKey: runtime.keys.consoleSessionKey,
      operatorKey,
    });
    await app.ready();
    return new LocalClient(runtime, app, operatorKey);
  } catch (error) {
    await runtime.close();
    throw error;
  }
}

/** Runs `work` with a client and always closes it. */
export async function withManagement<T>(command: Command, work: (client: ManagementClient) => Promise<T>): Promise<T> {
  const client = await connectManagement(command);
  try {
    return await work(client);
  } finally {
    await client.close();
  }
}
