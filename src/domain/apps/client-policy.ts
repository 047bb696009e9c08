import { z } from 'zod';
import { signingAlgorithms } from '../../contracts/algorithms.js';
import { subjectTypes } from '../../contracts/app-types.js';
import { grantTypeNames, type AppRecord, type AppSettings, type AppType, type GrantType, type JsonValue } from '../../ports/app-repositories.js';
import type { ClientPolicy } from '../../ports/directories.js';
import { defaultSettings } from './app-settings.js';

const allGrantTypes = Object.values(grantTypeNames) as [GrantType, ...GrantType[]];

/**
 * One stored setting: absent, or of the wrong shape, reads as absent, so that the type's default
 * applies. Bounds are not checked here: they belong to the write path, and the operator may move
 * them after an app was saved.
 */
function stored<T extends z.ZodType>(schema: T) {
  return schema.optional().catch(undefined);
}

const jsonValue: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(jsonValue), z.record(z.string(), jsonValue)]),
);
const strings = z.array(z.string());
const nullableString = z.string().nullable();

/** The settings document as any version of Latchkey may have written it: every key optional. */
const storedSettingsSchema = z
  .object({
    logoUri: stored(nullableString),
    homepageUri: stored(nullableString),
    privacyPolicyUri: stored(nullableString),
    termsOfServiceUri: stored(nullableString),
    redirectUris: stored(strings),
    postLogoutRedirectUris: stored(strings),
    backchannelLogoutUri: stored(nullableString),
    backchannelLogoutSessionRequired: stored(z.boolean()),
    frontchannelLogoutUri: stored(nullableString),
    frontchannelLogoutSessionRequired: stored(z.boolean()),
    grantTypes: stored(z.array(z.enum(allGrantTypes))),
    tokenEndpointAuthMethod: stored(z.enum(['none', 'client_secret_basic', 'client_secret_post', 'private_key_jwt'])),
    scopes: stored(strings),
    apiGrants: stored(z.array(z.object({ audience: z.string(), scopes: strings }))),
    defaultAudience: stored(nullableString),
    accessToken: stored(z.object({ ttlMinutes: stored(z.number().nullable()) })),
    refreshToken: stored(
      z.object({
        ttlMinutes: stored(z.number()),
        rotation: stored(z.boolean()),
        reuseIntervalSeconds: stored(z.number()),
        requireSecret: stored(z.boolean()),
      }),
    ),
    idToken: stored(
      z.object({
        ttlMinutes: stored(z.number()),
        audiences: stored(strings),
        includeStandardClaims: stored(z.boolean()),
        includeCustomClaims: stored(z.boolean()),
        signingAlg: stored(z.enum(signingAlgorithms)),
        subjectType: stored(z.enum(subjectTypes)),
        sectorIdentifierUri: stored(nullableString),
      }),
    ),
    deviceCode: stored(z.object({ lifetimeSeconds: stored(z.number().nullable()), pollIntervalSeconds: stored(z.number().nullable()) })),
    customClaims: stored(z.record(z.string(), jsonValue)),
    assetTokens: stored(
      z.object({
        enabled: stored(z.boolean()),
        validityMinutes: stored(z.number()),
        audiences: stored(strings),
        signing: stored(z.enum(['server', 'certificate'])),
        customAttributes: stored(z.record(z.string(), jsonValue)),
      }),
    ),
    security: stored(
      z.object({
        requirePkce: stored(z.boolean()),
        requireSecretForWebServerFlow: stored(z.boolean()),
        introspectAllTokens: stored(z.boolean()),
        firstParty: stored(z.boolean()),
        managementApiAccess: stored(z.boolean()),
        requireVerifiedEmail: stored(z.boolean()),
        requireMfa: stored(z.boolean()),
        requirePushedAuthorizationRequests: stored(z.boolean()),
        requireDpop: stored(z.boolean()),
        tokenExchangeImpersonation: stored(z.boolean()),
      }),
    ),
  })
  .catch({});

/** The groups of settings whose members are completed one by one rather than replaced whole. */
const settingGroups = ['accessToken', 'refreshToken', 'idToken', 'deviceCode', 'assetTokens', 'security'] as const;

function definedEntries(value: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, member]) => member !== undefined));
}

/**
 * A settings document read back from storage, completed with the app type's defaults: a setting
 * added after the app was saved reads as its default, never as undefined.
 */
export function completeSettings(type: AppType, document: unknown): AppSettings {
  const parsed = definedEntries(storedSettingsSchema.parse(document ?? {}));
  const defaults = defaultSettings(type);
  const settings: Record<string, unknown> = { ...defaults, ...parsed };
  for (const group of settingGroups) {
    const members = parsed[group];
    settings[group] = { ...defaults[group], ...(members ? definedEntries(members) : {}) };
  }
  return settings as unknown as AppSettings;
}

/**
 * The policy the protocol applies to an app: its settings, which the repository completed with
 * the app type's defaults when it read the row, so they are not parsed a second time here.
 */
export function clientPolicyOf(app: AppRecord): ClientPolicy {
  return app.settings;
}
