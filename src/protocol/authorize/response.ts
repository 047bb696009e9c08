import type { OAuthError } from '../errors.js';
import type { CookieInstruction, ProtocolResponse } from '../messages.js';
import type { ResponseMode } from './request.js';

export interface ResponseTarget {
  redirectUri: string;
  responseMode: ResponseMode;
  state: string | null;
}

/**
 * An authorization response, success or error, to the proven redirect URI: as query parameters
 * or an auto-posting form (OAuth 2.0 Form Post Response Mode), always with `iss` (RFC 9207 §2).
 */
export function authorizationResponse(
  target: ResponseTarget,
  values: Record<string, string>,
  issuer: string,
  status: 302 | 303,
  cookies: CookieInstruction[] = [],
): ProtocolResponse {
  const fields = { ...values, ...(target.state !== null ? { state: target.state } : {}), iss: issuer };
  if (target.responseMode === 'form_post') {
    return {
      kind: 'page',
      status: 200,
      page: { template: 'form-post', data: { action: target.redirectUri, fields: Object.entries(fields) } },
      headers: { 'cache-control': 'no-store' },
      cookies,
    };
  }
  // RFC 6749 §3.1.2: keep the redirect URI's own query and add to it.
  const separator = target.redirectUri.includes('?') ? '&' : '?';
  const query = new URLSearchParams(fields).toString();
  return { kind: 'redirect', status, location: target.redirectUri + separator + query, headers: { 'cache-control': 'no-store' }, cookies };
}

export function authorizationError(
  target: ResponseTarget,
  error: OAuthError,
  issuer: string,
  status: 302 | 303,
  cookies: CookieInstruction[] = [],
): ProtocolResponse {
  return authorizationResponse(target, { error: error.code, error_description: error.description }, issuer, status, cookies);
}

/** A page saying what went wrong, for errors that must not be redirected (RFC 9700 §4.11). */
export function errorPage(status: number, title: string, error: { code: string; description: string }): ProtocolResponse {
  return {
    kind: 'page',
    status,
    page: { template: 'error', data: { title, error: error.code, description: error.description } },
    headers: { 'cache-control': 'no-store' },
  };
}
