import type { ConnectionRecord } from './federation-repositories.js';

/** The upstream leg's first half: where to send the browser, and what its callback must match. */
export interface UpstreamAuthorization {
  url: string;
  state: string;
  nonce: string;
  codeVerifier: string;
}

/** Why the upstream leg failed, each said in words on the hosted error page. */
export type UpstreamFailure = 'unreachable' | 'exchange_failed' | 'invalid_id_token';

export type UpstreamResult = { ok: true; claims: Record<string, unknown> } | { ok: false; reason: UpstreamFailure; detail: string };

/**
 * The OpenID Connect relying party Latchkey is towards each upstream provider: discovery, the
 * authorization code flow with PKCE S256, state and nonce, and the ID token validated.
 */
export interface UpstreamProviders {
  begin(
    connection: ConnectionRecord,
    request: { redirectUri: string; loginHint: string | null },
  ): Promise<{ ok: true; authorization: UpstreamAuthorization } | { ok: false; reason: 'unreachable'; detail: string }>;
  /** Redeems the code the upstream sent to `callbackUrl` (with its query), checking state, nonce, PKCE and the ID token. */
  complete(connection: ConnectionRecord, callbackUrl: URL, checks: { state: string; nonce: string; codeVerifier: string }): Promise<UpstreamResult>;
}
