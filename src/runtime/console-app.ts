import { defaultSettings } from '../domain/apps/app-settings.js';
import { consoleClientId } from '../domain/apps/built-in.js';
import { allManagementScopes } from '../domain/access/actor.js';
import { issuerBase } from '../protocol/endpoints.js';
import type { AppRecord } from '../ports/app-repositories.js';
import { managementApiRecord } from './protocol.js';
import type { Runtime } from './runtime.js';

export const consolePath = '/console';

/** What the console asks for when it signs in: the user's identity and the management API scopes. */
export const consoleScopes = ['openid', 'profile', 'email', 'offline_access', ...allManagementScopes];

/** What the console app must look like for this issuer: a first-party public client with PKCE, allowed the management API. */
export function consoleAppSettings(issuer: string, refreshTtlMinutes: number): AppRecord['settings'] {
  const base = issuerBase(issuer);
  const defaults = defaultSettings('spa');
  return {
    ...defaults,
    redirectUris: [`${base}${consolePath}/auth/callback`],
    postLogoutRedirectUris: [`${base}${consolePath}/`],
    grantTypes: ['authorization_code', 'refresh_token'],
    scopes: [...consoleScopes],
    defaultAudience: managementApiRecord(issuer).identifier,
    refreshToken: { ...defaults.refreshToken, ttlMinutes: refreshTtlMinutes },
    security: { ...defaults.security, firstParty: true, managementApiAccess: true },
  };
}

/** Creates the console app on first start, and keeps it in step with the issuer afterwards. */
export async function ensureConsoleApp(runtime: Runtime): Promise<void> {
  const { storage, config, clock } = runtime;
  const settings = consoleAppSettings(config.issuer, config.tokens.refreshTokenTtlMinutes.max);
  const existing = await storage.apps.get(consoleClientId);
  const now = clock.now();
  if (!existing) {
    const org = await runtime.registry.orgs.ensureDefault();
    try {
      await storage.apps.insert({
        clientId: consoleClientId,
        orgId: org.id,
        ownerUserId: null,
        name: 'Latchkey console',
        description: 'Built in: the developer console signs in with this app.',
        type: 'spa',
        visibility: 'private',
        status: 'active',
        settings,
        review: null,
        createdBy: 'latchkey',
        createdAt: now,
        updatedAt: now,
      });
    } catch (error) {
      // Another node created it at the same moment.
      if (!(await storage.apps.get(consoleClientId))) throw error;
    }
    return;
  }
  if (JSON.stringify(existing.settings) !== JSON.stringify(settings) || existing.status !== 'active') {
    await storage.apps.update({ ...existing, settings, status: 'active', updatedAt: now });
    runtime.events.publish({ type: 'app.updated', orgId: existing.orgId, clientId: consoleClientId });
  }
}
