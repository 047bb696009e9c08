import type { OAuthClient } from '../../ports/directories.js';
import type { AuthenticatedClient } from '../client-auth/authenticate-client.js';
import type { ProtocolDependencies } from '../context.js';
import type { ProtocolRequest } from '../messages.js';

/** A successful token response (RFC 6749 §5.1). */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer' | 'N_A';
  expires_in: number;
  scope?: string;
  refresh_token?: string;
  id_token?: string;
  issued_token_type?: string;
}

export interface GrantContext {
  request: ProtocolRequest;
  authenticated: AuthenticatedClient;
  client: OAuthClient;
  now: number;
  deps: ProtocolDependencies;
}

/** One grant type of the token endpoint. One file per grant, in one registry. */
export interface GrantHandler {
  readonly grantType: string;
  /** Whether a confidential app may redeem this grant without its credentials (app settings decide). */
  mayOmitSecret?(client: OAuthClient): boolean;
  handle(context: GrantContext): Promise<TokenResponse>;
}
