import { appChange } from '../domain/apps/app-service.js';
import { defaultSettings } from '../domain/apps/app-settings.js';
import { diffChanges } from '../domain/audit/audit-log.js';
import { commitChange } from '../domain/audit/unit-of-work.js';
import { paths, consolePaths } from '../contracts/paths.js';
import { consoleClientId, consoleScopes } from '../domain/apps/built-in.js';
import { issuerBase } from '../protocol/endpoints.js';
import type { AppRecord } from '../ports/app-repositories.js';
import { managementApiRecord } from './protocol.js';
import type { Runtime } from './runtime.js';

/** What the console app must look like for this issuer: a first-party public client with PKCE, allowed the management API. */
export function consoleAppSettings(issuer: string, refreshTtlMinutes: number): AppRecord['settings'] {
  const base = issuerBase(issuer);
  const defaults = defaultSettings('spa');
  return {
    ...defaults,
    redirectUris: [`${base}${paths.console}${consolePaths.callback}`],
    postLogoutRedirectUris: [`${base}${paths.console}/`],
    grantTypes: ['authorization_code', 'refresh_token'],
    scopes: [...consoleScopes],
    defaultAudience: managementApiRecord(issuer).identifier,
    refreshToken: { ...defaults.refreshToken, ttlMinutes: refreshTtlMinutes },
    security: { ...defaults.security, firstParty: true, managementApiAccess: true },
  };
}

/**
 * Creates the console app on first start, and keeps it in step with the issuer afterwards. Both
 * are changes Latchkey makes itself: audited and published like any other.
 */
export async function ensureConsoleApp(runtime: Runtime): Promise<void> {
  const { storage, config, clock } = runtime;
  const settings = consoleAppSettings(config.issuer, config.tokens.refreshTokenTtlMinutes.max);
  const existing = await storage.apps.get(consoleClientId);
  const now = clock.now();
  if (!existing) {
    const org = await runtime.registry.orgs.ensureDefault();
    const app: AppRecord = {
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
    };
    try {
      await commitChange(runtime, 'latchkey', async (tx) => {
        await tx.apps.insert(app);
        return { result: undefined, changes: [appChange(app, 'created', { changes: { name: app.name } })] };
      });
    } catch (error) {
      // Another node created it at the same moment.
      if (!(await storage.apps.get(consoleClientId))) throw error;
    }
    return;
  }
  const next: AppRecord = { ...existing, settings, status: 'active', updatedAt: now };
  const changes = diffChanges({ status: existing.status, settings: existing.settings }, { status: next.status, settings: next.settings });
  if (Object.keys(changes).length === 0) return;
  await commitChange(runtime, 'latchkey', async (tx) => {
    await tx.apps.update(next);
    return { result: undefined, changes: [appChange(next, 'updated', { changes })] };
  });
}
