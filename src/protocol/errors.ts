/**
 * OAuth error codes as they travel on the wire (RFC 6749 §4.1.2.1, §5.2; RFC 6750 §3.1;
 * RFC 7009 §2.2.1; RFC 8628 §3.5; RFC 9449 §12.2; OIDC Core §3.1.2.6).
 */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'unsupported_response_type'
  | 'invalid_scope'
  | 'invalid_target'
  | 'access_denied'
  | 'server_error'
  | 'temporarily_unavailable'
  | 'unsupported_token_type'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'login_required'
  | 'consent_required'
  | 'interaction_required'
  | 'account_selection_required'
  | 'unmet_authentication_requirements'
  | 'invalid_request_uri'
  | 'invalid_request_object'
  | 'request_not_supported'
  | 'request_uri_not_supported'
  | 'registration_not_supported'
  | 'authorization_pending'
  | 'slow_down'
  | 'expired_token'
  | 'invalid_dpop_proof'
  | 'use_dpop_nonce';

const defaultStatus: Partial<Record<OAuthErrorCode, number>> = {
  invalid_client: 401,
  invalid_token: 401,
  insufficient_scope: 403,
  server_error: 500,
  temporarily_unavailable: 503,
};

/**
 * An error the protocol reports to the client. `code` is the wire string; `description` is public
 * and names the rule that was broken (never a secret); `status` is the HTTP status to answer with.
 */
export class OAuthError extends Error {
  override readonly name = 'OAuthError';
  readonly code: OAuthErrorCode;
  readonly description: string;
  readonly status: number;
  /** Extra response headers, e.g. WWW-Authenticate on 401 invalid_client (RFC 6749 §5.2). */
  readonly headers: Readonly<Record<string, string>>;

  constructor(code: OAuthErrorCode, description: string, options: { status?: number; headers?: Record<string, string> } = {}) {
    super(`${code}: ${description}`);
    this.code = code;
    this.description = description;
    this.status = options.status ?? defaultStatus[code] ?? 400;
    // RFC 9110 §15.5.2: a 401 carries a challenge; for client authentication it is Basic (RFC 6749 §5.2).
    this.headers =
      this.status === 401 && code === 'invalid_client' && !options.headers?.['www-authenticate']
        ? { ...options.headers, 'www-authenticate': 'Basic realm="latchkey", charset="UTF-8"' }
        : (options.headers ?? {});
  }

  /** The JSON body of an error response (RFC 6749 §5.2). */
  toJSON(): { error: OAuthErrorCode; error_description: string } {
    return { error: this.code, error_description: this.description };
  }
}

export function isOAuthError(value: unknown): value is OAuthError {
  return value instanceof OAuthError;
}
