/**
 * The console's only way to the server: the management API as the signed-in user
 * (/console/api/v1/*, cookie + CSRF header), the session endpoint and the sign-in/out routes.
 */

import { consolePaths } from '@contracts/paths';

/**
 * Where the console lives: the server says so in a meta tag (the issuer may have a path, such as
 * /tenant-a/console); the build's base is the fallback for the Vite dev server.
 */
export const consoleRoot = (document.querySelector<HTMLMetaElement>('meta[name="latchkey-console-root"]')?.content ?? import.meta.env.BASE_URL).replace(
  /\/+$/,
  '',
);

export interface FieldProblem {
  field: string;
  message: string;
}

/** RFC 9457 problem details, as the management API sends them. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldProblem[];
}

export class ApiError extends Error {
  readonly problem: Problem;
  constructor(problem: Problem) {
    super(problem.detail || problem.title);
    this.name = 'ApiError';
    this.problem = problem;
  }
  get status(): number {
    return this.problem.status;
  }
  get fieldErrors(): FieldProblem[] {
    return this.problem.errors ?? [];
  }
}

export interface SessionUser {
  id: string;
  email: string;
  name: string;
  isAdmin: boolean;
}

export interface ConsoleSession {
  user: SessionUser;
  csrfToken: string;
  expiresAt: string;
  issuer: string;
}

let csrfToken = '';

export function signInUrl(returnTo = window.location.pathname + window.location.search): string {
  const target = returnTo.startsWith(`${consoleRoot}/`) ? returnTo : `${consoleRoot}/`;
  return `${consoleRoot}${consolePaths.login}?returnTo=${encodeURIComponent(target)}`;
}

/** Sends the browser to the hosted sign-in pages, to come back where it is now. */
export function redirectToSignIn(): void {
  window.location.assign(signInUrl());
}

async function problemOf(response: Response): Promise<Problem> {
  const text = await response.text();
  try {
    const body = JSON.parse(text) as Partial<Problem> & { error?: string; error_description?: string };
    return {
      type: body.type ?? 'about:blank',
      title: body.title ?? response.statusText,
      status: body.status ?? response.status,
      detail: body.detail ?? body.error_description ?? body.error ?? `the server answered ${response.status}`,
      ...(body.errors ? { errors: body.errors } : {}),
    };
  } catch {
    return {
      type: 'about:blank',
      title: response.statusText || 'Error',
      status: response.status,
      detail: text.slice(0, 300) || `the server answered ${response.status}`,
    };
  }
}

/** GET /console/api/session: null when signed out. */
export async function loadSession(): Promise<ConsoleSession | null> {
  const response = await fetch(`${consoleRoot}${consolePaths.session}`, { headers: { accept: 'application/json' }, credentials: 'same-origin' });
  if (response.status === 401) return null;
  if (!response.ok) throw new ApiError(await problemOf(response));
  const session = (await response.json()) as ConsoleSession;
  csrfToken = session.csrfToken;
  return session;
}

export type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/** One call to the management API. Throws ApiError with the problem; a lost session goes to sign-in. */
export async function api<T>(method: Method, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json, application/problem+json' };
  if (method !== 'GET') headers['x-csrf-token'] = csrfToken;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(`${consoleRoot}${consolePaths.managementApi}${path}`, {
      method,
      headers,
      credentials: 'same-origin',
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch {
    throw new ApiError({
      type: 'about:blank',
      title: 'Network error',
      status: 0,
      detail: 'the server could not be reached; check your connection and try again',
    });
  }
  if (response.status === 401) {
    redirectToSignIn();
    throw new ApiError(await problemOf(response));
  }
  if (!response.ok) throw new ApiError(await problemOf(response));
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

export const get = <T>(path: string) => api<T>('GET', path);

/** Ends the console session, then the Latchkey sign-in session (RP-initiated logout). */
export async function signOut(): Promise<void> {
  const response = await fetch(`${consoleRoot}${consolePaths.logout}`, { method: 'POST', headers: { 'x-csrf-token': csrfToken }, credentials: 'same-origin' });
  const body = response.ok ? ((await response.json()) as { logoutUrl?: string }) : {};
  window.location.assign(body.logoutUrl ?? `${consoleRoot}/`);
}

/** Query strings without empty values. */
export function query(parameters: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(parameters)) {
    if (value !== undefined && value !== null && value !== '') search.set(name, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

export const enc = encodeURIComponent;

export function messageOf(error: unknown): string {
  if (error instanceof ApiError) return error.problem.detail || error.problem.title;
  if (error instanceof Error) return error.message;
  return String(error);
}
