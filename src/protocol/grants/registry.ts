import { authorizationCodeGrant, type AuthorizationCodeDependencies } from './authorization-code.js';
import { clientCredentialsGrant, type ClientCredentialsDependencies } from './client-credentials.js';
import { deviceCodeGrant, type DeviceCodeDependencies } from './device-code.js';
import { jwtBearerGrant, type JwtBearerDependencies } from './jwt-bearer.js';
import type { Authorization, GrantHandler, OwnTokenIssue } from './grant-handler.js';
import { refreshTokenGrant, type RefreshTokenDependencies } from './refresh-token.js';
import { tokenExchangeGrant, type TokenExchangeDependencies } from './token-exchange.js';

/** What every grant together reads: the token endpoint's share of the dependencies. */
export type GrantDependencies = AuthorizationCodeDependencies &
  RefreshTokenDependencies &
  ClientCredentialsDependencies &
  DeviceCodeDependencies &
  JwtBearerDependencies &
  TokenExchangeDependencies;

/** Every grant the token endpoint serves; discovery's grant_types_supported is exactly this list. */
export const grantHandlers: readonly GrantHandler<GrantDependencies, Authorization | OwnTokenIssue>[] = [
  authorizationCodeGrant,
  refreshTokenGrant,
  clientCredentialsGrant,
  deviceCodeGrant,
  jwtBearerGrant,
  tokenExchangeGrant,
];

const byType = new Map(grantHandlers.map((handler) => [handler.grantType, handler]));

export function grantHandlerFor(grantType: string): GrantHandler<GrantDependencies, Authorization | OwnTokenIssue> | undefined {
  return byType.get(grantType);
}
