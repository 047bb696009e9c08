import { authorizationCodeGrant } from './authorization-code.js';
import { clientCredentialsGrant } from './client-credentials.js';
import { deviceCodeGrant } from './device-code.js';
import { jwtBearerGrant } from './jwt-bearer.js';
import type { GrantHandler } from './grant-handler.js';
import { refreshTokenGrant } from './refresh-token.js';
import { tokenExchangeGrant } from './token-exchange.js';

/** Every grant the token endpoint serves; discovery's grant_types_supported is exactly this list. */
export const grantHandlers: readonly GrantHandler[] = [
  authorizationCodeGrant,
  refreshTokenGrant,
  clientCredentialsGrant,
  deviceCodeGrant,
  jwtBearerGrant,
  tokenExchangeGrant,
];

const byType = new Map(grantHandlers.map((handler) => [handler.grantType, handler]));

export function grantHandlerFor(grantType: string): GrantHandler | undefined {
  return byType.get(grantType);
}
