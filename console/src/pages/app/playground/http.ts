/** What the playground's flows send and show: the server's endpoints, the requests made, and how an app authenticates. */
import { messageOf } from '../../../lib/api';
import type { App } from '../../../lib/types';

/** The parts of the discovery document (OpenID Connect Discovery §3, RFC 8414 §2) the playground uses. */
export interface Discovery {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  userinfo_endpoint?: string;
  introspection_endpoint?: string;
  device_authorization_endpoint?: string;
  prompt_values_supported?: string[];
  grant_types_supported?: string[];
}

export interface HttpExchange {
  request: { method: string; url: string; headers: Record<string, string>; body?: string };
  status: number | null;
  body: unknown;
  error?: string;
}

export type TokenSet = {
  access_token?: string;
  id_token?: string;
  refresh_token?: string;
  scope?: string;
  expires_in?: number;
  token_type?: string;
  issued_token_type?: string;
};

/** A token endpoint error (RFC 6749 §5.2), when that is what the body is. */
export function oauthErrorOf(exchange: HttpExchange): { error: string; error_description?: string } | null {
  const body = exchange.body as { error?: unknown; error_description?: unknown } | null;
  if (!body || typeof body !== 'object' || typeof body.error !== 'string') return null;
  return { error: body.error, ...(typeof body.error_description === 'string' ? { error_description: body.error_description } : {}) };
}

/** RFC 6749 §2.3.1: the client id and secret are form-encoded before they are joined and base64-encoded. */
export function basicAuth(clientId: string, secret: string): string {
  const encode = (value: string) => encodeURIComponent(value).replace(/%20/g, '+');
  return `Basic ${btoa(`${encode(clientId)}:${encode(secret)}`)}`;
}

/** Hides most of a secret in what the playground shows; the request itself carries it whole. */
export function masked(value: string): string {
  return value.length <= 10 ? '••••' : `${value.slice(0, 6)}…${'•'.repeat(6)}`;
}

/** The start of a long credential (a token, a device code), enough to recognise it. */
export function shortened(value: string, length = 10): string {
  return value.length <= length ? value : `${value.slice(0, length)}…`;
}

export interface AuthenticatedForm {
  form: Record<string, string>;
  headers: Record<string, string>;
  /** The form as shown: the secret masked. */
  display: Record<string, string>;
}

/**
 * The form and headers of a request by this app (RFC 6749 §2.3): a confidential app with its
 * secret in the Authorization header (client_secret_basic) or the body (client_secret_post), a
 * public app naming itself with client_id (§2.3, RFC 8628 §3.1).
 */
export function authenticated(app: App, secret: string, form: Record<string, string>): AuthenticatedForm {
  const headers: Record<string, string> = {};
  const body = { ...form };
  if (app.clientType !== 'confidential') body.client_id = app.clientId;
  else if (app.tokenEndpointAuthMethod === 'client_secret_post') Object.assign(body, { client_id: app.clientId, client_secret: secret });
  else headers.authorization = basicAuth(app.clientId, secret);
  const display = { ...body, ...(body.client_secret ? { client_secret: masked(body.client_secret) } : {}) };
  return { form: body, headers, display };
}

/** POSTs a form to one of the server's endpoints and records what went and what came back. */
export async function postForm(
  url: string,
  form: Record<string, string>,
  headers: Record<string, string>,
  display: Record<string, string> = form,
  signal?: AbortSignal,
): Promise<HttpExchange> {
  const shownHeaders = {
    'content-type': 'application/x-www-form-urlencoded',
    ...Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, name === 'authorization' ? `${value.slice(0, 12)}…` : value])),
  };
  // Shown decoded, for reading; the request itself is form-encoded (application/x-www-form-urlencoded).
  const request = {
    method: 'POST',
    url,
    headers: shownHeaders,
    body: Object.entries(display)
      .map(([name, value]) => `${name}=${value}`)
      .join('&'),
  };
  try {
    const response = await fetch(url, {
      method: 'POST',
      credentials: 'omit',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(form),
      ...(signal ? { signal } : {}),
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: show the text
    }
    return { request, status: response.status, body };
  } catch (error) {
    return { request, status: null, body: null, error: messageOf(error) };
  }
}

/** Whether the app can keep a secret for the flows that need it authenticated with a secret. */
export function usesSecret(app: App): boolean {
  return app.clientType === 'confidential' && app.tokenEndpointAuthMethod !== 'private_key_jwt';
}
