import { allManagementScopes, operatorActor, type ManagementScope } from '../../src/domain/access/actor.js';
import type { Role } from '../../src/ports/org-repositories.js';
import type { TestServer } from './server.js';

export interface ApiResponse<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: Headers;
  text: string;
}

/** Calls the management API over HTTP with a bearer token; every response text is kept for scans. */
export class ApiCaller {
  readonly base: string;
  readonly token: string;
  readonly transcript: string[];
  readonly #fetch: TestServer['fetch'];

  constructor(server: TestServer, token: string, transcript: string[] = []) {
    this.base = `${server.issuer}/api/v1`;
    this.#fetch = server.fetch;
    this.token = token;
    this.transcript = transcript;
  }

  async call<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<ApiResponse<T>> {
    const response = await this.#fetch(this.base + path, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    this.transcript.push(text, JSON.stringify([...response.headers]));
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T, headers: response.headers, text };
  }

  get<T = Record<string, unknown>>(path: string) {
    return this.call<T>('GET', path);
  }
  post<T = Record<string, unknown>>(path: string, body: unknown = {}) {
    return this.call<T>('POST', path, body);
  }
  patch<T = Record<string, unknown>>(path: string, body: unknown) {
    return this.call<T>('PATCH', path, body);
  }
  delete<T = Record<string, unknown>>(path: string) {
    return this.call<T>('DELETE', path);
  }
}

let counter = 0;

/**
 * A user with a role in an organization (the default one unless named) and a personal access
 * token carrying the given scopes (all by default), ready to call the API.
 */
export async function userWithToken(
  server: TestServer,
  options: { role?: Role; org?: string; scopes?: ManagementScope[]; email?: string; transcript?: string[] } = {},
): Promise<{ api: ApiCaller; userId: string; email: string; token: string }> {
  counter += 1;
  const registry = server.server.runtime.registry;
  const operator = { actor: operatorActor };
  const email = options.email ?? `user-${counter}-${Date.now()}@example.com`;
  const user = await registry.users.create(operator, { email, name: `User ${counter}` });
  if (options.role) await registry.orgs.putMember(operator, options.org ?? 'default', { userId: user.id, role: options.role });
  const { token } = await registry.tokens.create(operator, user.id, { name: 'test', scopes: options.scopes ?? allManagementScopes });
  return { api: new ApiCaller(server, token, options.transcript), userId: user.id, email, token };
}
