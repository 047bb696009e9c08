import { allManagementScopes } from '../../contracts/scopes.js';

/** The developer console signs in as this first-party app; Latchkey creates and maintains it. */
export const consoleClientId = 'latchkey-console';

/** Apps Latchkey maintains itself: they can't be changed, rotated, disabled or deleted through the registry. */
export function isBuiltInApp(clientId: string): boolean {
  return clientId === consoleClientId;
}

/** What the console asks for when it signs in: the user's identity and the management API scopes. */
export const consoleScopes: readonly string[] = ['openid', 'profile', 'email', 'offline_access', ...allManagementScopes];
