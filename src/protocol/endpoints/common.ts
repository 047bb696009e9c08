import type { OAuthClient } from '../../ports/directories.js';
import { isOAuthError, OAuthError } from '../errors.js';
import type { ProtocolRequest, ProtocolResponse } from '../messages.js';

/** RFC 6749 §5.1: token responses must not be cached. */
export const noStore = { 'cache-control': 'no-store', pragma: 'no-cache' } as const;

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): ProtocolResponse {
  return { kind: 'json', status, body, headers: { ...noStore, ...headers } };
}

export function errorResponse(error: unknown, extraHeaders: Record<string, string> = {}): ProtocolResponse {
  if (!isOAuthError(error)) throw error;
  return jsonResponse(error.status, error.toJSON(), { ...error.headers, ...extraHeaders });
}

/**
 * Credentials travel in the body or headers, never in the URL (RFC 9700 §4.3.2): the
 * token, introspection and revocation endpoints refuse any query parameter.
 */
export function rejectQueryParameters(request: ProtocolRequest): void {
  if (request.query.size > 0) {
    throw new OAuthError(
      'invalid_request',
      `parameters must be sent in the form body, not the query string, so that no secret or token lands in a URL (${[...request.query.keys()].join(', ')}) (RFC 9700 §4.3)`,
    );
  }
}

export function requireFormBody(request: ProtocolRequest, endpoint: string): void {
  if (request.method !== 'POST') throw new OAuthError('invalid_request', `the ${endpoint} endpoint takes POST requests`, { status: 405 });
  if (request.contentType !== 'application/x-www-form-urlencoded') {
    throw new OAuthError('invalid_request', `the ${endpoint} endpoint takes an application/x-www-form-urlencoded body (RFC 6749 §3.2)`);
  }
}

/**
 * CORS headers for a browser request from one of the app's own origins; none otherwise. A
 * browser client reads the DPoP nonce and the resource's challenge only when they are exposed.
 */
export function corsHeaders(request: ProtocolRequest, client: OAuthClient | undefined): Record<string, string> {
  const origin = request.headers.origin;
  if (!origin || !client?.allowedOrigins.has(origin)) return {};
  return { 'access-control-allow-origin': origin, 'access-control-expose-headers': 'DPoP-Nonce, WWW-Authenticate', vary: 'Origin' };
}

/** Drafts and disabled apps get no tokens: only an active app is one users and APIs deal with. */
export function requireActiveClient(client: OAuthClient): void {
  if (client.app.status !== 'active') {
    throw new OAuthError('unauthorized_client', `the app is ${client.app.status}: only active apps get tokens`);
  }
}
