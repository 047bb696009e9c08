import { z } from 'zod';
import { defaultSigningAlgorithm, signingAlgorithms, tokenEndpointAuthMethods, type SigningAlgorithm } from '../../contracts/algorithms.js';
import { assetAttributesMaxBytes, assetAudiencesMax, assetTokenLabels, assetTokenValidityMinutes, reservedAssetClaims } from '../../contracts/asset-tokens.js';
import { customClaimsMaxBytes, defaultLifetimes, deviceCodeBounds, refreshReuseIntervalMaxSeconds, type MinutesBounds } from '../../contracts/limits.js';
import { subjectTypes } from '../../contracts/app-types.js';
import type { ApiRecord } from '../../ports/api-repository.js';
import {
  grantTypeNames,
  type AppSettings,
  type AppStatus,
  type AppType,
  type AppVisibility,
  type GrantType,
  type JsonValue,
} from '../../ports/app-repositories.js';
import type { FieldProblem } from '../errors.js';
import { isStandardScope, problemsFromZod, scopeTokenPattern } from '../validation.js';
import { appTypeRules, appTypes, m2mNeedsApiGrants, type AppTypeRules } from './app-types.js';
import { checkRedirectUris, isLoopbackHost } from './redirect-uris.js';
import { redirectHosts } from './subject-identifiers.js';

export { customClaimsMaxBytes, defaultLifetimes, refreshReuseIntervalMaxSeconds, type MinutesBounds } from '../../contracts/limits.js';

/** Server-wide bounds of app token lifetimes; the operator may widen them in config. */
export interface LifetimeBounds {
  accessTokenTtlMinutes: MinutesBounds;
  refreshTokenTtlMinutes: MinutesBounds;
  idTokenTtlMinutes: MinutesBounds;
}

const allGrantTypes = Object.values(grantTypeNames) as [GrantType, ...GrantType[]];

function minutes(bounds: MinutesBounds) {
  const message = `must be a whole number of minutes from ${bounds.min} to ${bounds.max}`;
  return z.number({ error: message }).int({ error: message }).min(bounds.min, { error: message }).max(bounds.max, { error: message });
}

function seconds(bounds: { min: number; max: number }) {
  const message = `must be a whole number of seconds from ${bounds.min} to ${bounds.max}`;
  return z.number({ error: message }).int({ error: message }).min(bounds.min, { error: message }).max(bounds.max, { error: message });
}

function webUrl() {
  return z
    .string()
    .max(2000)
    .refine(
      (value) => {
        try {
          const url = new URL(value);
          return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
        } catch {
          return false;
        }
      },
      { error: 'must be an https URL (plain http only for localhost)' },
    );
}

/** An absolute http(s) URL without a fragment (Back-Channel Logout §2.2, Front-Channel Logout §2). */
function logoutUri() {
  return z
    .string()
    .max(2000, { error: 'must be at most 2000 characters' })
    .refine(
      (value) => {
        try {
          const url = new URL(value);
          return (url.protocol === 'https:' || url.protocol === 'http:') && url.hash === '' && !value.includes('#');
        } catch {
          return false;
        }
      },
      { error: 'must be an absolute https URL without a fragment' },
    );
}

/** RFC 8707 §2: an absolute URI, without a fragment, as an API identifier is. */
function isAbsoluteUriWithoutFragment(value: string): boolean {
  if (/\s/.test(value) || value.includes('#')) return false;
  try {
    return new URL(value).protocol.length > 1;
  } catch {
    return false;
  }
}

const audienceUri = z
  .string()
  .min(1)
  .max(255)
  .refine(isAbsoluteUriWithoutFragment, { error: 'must be an absolute URI without a fragment, as an API identifier is (RFC 8707 §2)' });

const scopeToken = z
  .string()
  .min(1)
  .max(200)
  .regex(scopeTokenPattern, { error: 'is not a valid scope token (RFC 6749 §3.3: no spaces, quotes or backslashes)' });

const jsonValue: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(jsonValue), z.record(z.string(), jsonValue)]),
);

/** Collision-resistant claim names (OIDC Core §5.1.2): an http(s) URI or a URN of the app's own. */
function isNamespacedClaimName(name: string): boolean {
  if (/^urn:[a-z0-9][a-z0-9-]{0,31}:\S+$/i.test(name)) return true;
  try {
    const url = new URL(name);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.hostname.includes('.');
  } catch {
    return false;
  }
}

const customClaimsSchema = z.record(z.string(), jsonValue).superRefine((claims, context) => {
  for (const name of Object.keys(claims)) {
    if (!isNamespacedClaimName(name)) {
      context.addIssue({
        code: 'custom',
        path: [name],
        message: 'custom claim names must be namespaced: a URI such as https://example.com/roles (OIDC Core §5.1.2)',
      });
    }
  }
});

const assetLabel = assetTokenLabels;
const reservedAssetClaimNames: ReadonlySet<string> = new Set(reservedAssetClaims);

/** The asset token settings; each problem starts with the console's label of its field. */
const assetTokensSchema = z
  .object({
    enabled: z.boolean({ error: `${assetLabel.enabled} must be true or false` }),
    validityMinutes: (() => {
      const { min, max } = assetTokenValidityMinutes;
      const message = `${assetLabel.validityMinutes} must be a whole number of minutes from ${min} to ${max}`;
      return z.number({ error: message }).int({ error: message }).min(min, { error: message }).max(max, { error: message });
    })(),
    audiences: z
      .array(
        z
          .string({ error: `each of the ${assetLabel.audiences} must be a string` })
          .max(255, { error: `each of the ${assetLabel.audiences} must be at most 255 characters` })
          .refine(isAbsoluteUriWithoutFragment, { error: `each of the ${assetLabel.audiences} must be an absolute URI without a fragment (RFC 7519 §4.1.3)` }),
        { error: `${assetLabel.audiences} must be a list of absolute URIs` },
      )
      .max(assetAudiencesMax, { error: `${assetLabel.audiences}: at most ${assetAudiencesMax}` }),
    signing: z.enum(['server', 'certificate'], {
      error: `${assetLabel.signing} must be server (the server's signing keys) or certificate (the app's asset signing certificate)`,
    }),
    customAttributes: z.record(z.string(), jsonValue, { error: `${assetLabel.customAttributes} must be a JSON object` }).superRefine((attributes, context) => {
      for (const name of Object.keys(attributes)) {
        if (reservedAssetClaimNames.has(name)) {
          context.addIssue({
            code: 'custom',
            path: [name],
            message: `${assetLabel.customAttributes}: ${name} is a claim the server sets or that JWT processing gives a meaning (RFC 7519 §4.1); pick another name`,
          });
        }
      }
      const size = Buffer.byteLength(JSON.stringify(attributes));
      if (size > assetAttributesMaxBytes) {
        context.addIssue({ code: 'custom', message: `${assetLabel.customAttributes} take ${size} bytes; the limit is ${assetAttributesMaxBytes}` });
      }
    }),
  })
  .strict()
  .partial();

/**
 * What a create or update request may say about an app. Every field is optional: a create fills
 * the gaps from the type's defaults, an update from the app as it is. Unknown fields are refused.
 */
export function appInputSchema(bounds: LifetimeBounds, serverAlgorithms: readonly SigningAlgorithm[] = signingAlgorithms) {
  const idTokenAlgorithms = serverAlgorithms as [SigningAlgorithm, ...SigningAlgorithm[]];
  return z
    .object({
      name: z.string().trim().min(1, { error: 'must not be empty' }).max(100, { error: 'must be at most 100 characters' }),
      description: z.string().max(1000, { error: 'must be at most 1000 characters' }),
      type: z.enum(appTypes, { error: `must be one of ${appTypes.join(', ')}` }),
      visibility: z.enum(['private', 'public'], { error: 'must be private or public' }),
      status: z.enum(['draft', 'active'], { error: 'a new app starts as draft or active' }),
      logoUri: webUrl().nullable(),
      homepageUri: webUrl().nullable(),
      privacyPolicyUri: webUrl().nullable(),
      termsOfServiceUri: webUrl().nullable(),
      redirectUris: z.array(z.string().max(2000)).max(100),
      postLogoutRedirectUris: z.array(z.string().max(2000)).max(100),
      // The scheme and host rules need the issuer: checkLogoutUris.
      backchannelLogoutUri: logoutUri().nullable(),
      backchannelLogoutSessionRequired: z.boolean({ error: 'must be true or false' }),
      frontchannelLogoutUri: logoutUri().nullable(),
      frontchannelLogoutSessionRequired: z.boolean({ error: 'must be true or false' }),
      grantTypes: z.array(z.enum(allGrantTypes, { error: `must be one of ${allGrantTypes.join(', ')}` })).max(10),
      tokenEndpointAuthMethod: z.enum(tokenEndpointAuthMethods, { error: `must be one of ${tokenEndpointAuthMethods.join(', ')}` }),
      scopes: z.array(scopeToken).max(200),
      apiGrants: z.array(z.object({ audience: z.string().min(1).max(255), scopes: z.array(scopeToken).max(200) }).strict()).max(50),
      defaultAudience: z.string().min(1).max(255).nullable(),
      accessToken: z
        .object({ ttlMinutes: minutes(bounds.accessTokenTtlMinutes).nullable() })
        .strict()
        .partial(),
      refreshToken: z
        .object({
          ttlMinutes: minutes(bounds.refreshTokenTtlMinutes),
          rotation: z.boolean(),
          reuseIntervalSeconds: z
            .number()
            .int()
            .min(0, { error: `must be from 0 to ${refreshReuseIntervalMaxSeconds} seconds` })
            .max(refreshReuseIntervalMaxSeconds, { error: `must be from 0 to ${refreshReuseIntervalMaxSeconds} seconds` }),
          requireSecret: z.boolean(),
        })
        .strict()
        .partial(),
      idToken: z
        .object({
          ttlMinutes: minutes(bounds.idTokenTtlMinutes),
          audiences: z.array(audienceUri).max(10, { error: 'at most 10 extra ID token audiences' }),
          includeStandardClaims: z.boolean(),
          includeCustomClaims: z.boolean(),
          signingAlg: z.enum(idTokenAlgorithms, {
            error: `must be one of ${idTokenAlgorithms.join(', ')}: the algorithms this server keeps a signing key for`,
          }),
          subjectType: z.enum(subjectTypes, { error: 'must be public or pairwise (OpenID Connect Core §8)' }),
          // OIDC Dynamic Client Registration §2: an https URL; plain http only for localhost, in development.
          sectorIdentifierUri: webUrl().nullable(),
        })
        .strict()
        .partial(),
      deviceCode: z
        .object({
          lifetimeSeconds: seconds(deviceCodeBounds.lifetimeSeconds).nullable(),
          pollIntervalSeconds: seconds(deviceCodeBounds.pollIntervalSeconds).nullable(),
        })
        .strict()
        .partial(),
      customClaims: customClaimsSchema,
      assetTokens: assetTokensSchema,
      security: z
        .object({
          requirePkce: z.boolean(),
          requireSecretForWebServerFlow: z.boolean(),
          introspectAllTokens: z.boolean(),
          firstParty: z.boolean(),
          managementApiAccess: z.boolean(),
          requireVerifiedEmail: z.boolean(),
          requireMfa: z.boolean(),
          requirePushedAuthorizationRequests: z.boolean(),
          requireDpop: z.boolean(),
          tokenExchangeImpersonation: z.boolean(),
        })
        .strict()
        .partial(),
    })
    .strict()
    .partial();
}

export type AppInput = z.output<ReturnType<typeof appInputSchema>>;

/** The top-level field a problem is about: `idToken` for `idToken.audiences[1]`. */
export function topField(field: string): string {
  return field.split(/[.[]/)[0] ?? field;
}

/**
 * Parses a create or update body and keeps what is well formed: the top-level fields with a
 * problem are left out, so that the rules across fields (the type's grants, redirect URIs, APIs)
 * can still be checked on the rest and every problem of the request is reported at once.
 */
export function parseAppInput(schema: ReturnType<typeof appInputSchema>, input: unknown): { parsed: AppInput; problems: FieldProblem[] } {
  const first = schema.safeParse(input);
  if (first.success) return { parsed: first.data, problems: [] };
  const problems = problemsFromZod(first.error);
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return { parsed: {}, problems };
  const malformed = new Set(problems.map((problem) => topField(problem.field)));
  const rest = Object.fromEntries(Object.entries(input).filter(([key]) => !malformed.has(key)));
  const second = schema.safeParse(rest);
  return { parsed: second.success ? second.data : {}, problems };
}

/** Settings of a new app of a type, before the request's own values. */
export function defaultSettings(type: AppType): AppSettings {
  const rules = appTypeRules[type];
  const isPublic = rules.clientKind === 'public';
  return {
    logoUri: null,
    homepageUri: null,
    privacyPolicyUri: null,
    termsOfServiceUri: null,
    redirectUris: [],
    postLogoutRedirectUris: [],
    backchannelLogoutUri: null,
    backchannelLogoutSessionRequired: false,
    frontchannelLogoutUri: null,
    frontchannelLogoutSessionRequired: false,
    grantTypes: [...rules.defaultGrantTypes],
    tokenEndpointAuthMethod: rules.defaultAuthMethod,
    scopes: [...rules.defaultScopes],
    apiGrants: [],
    defaultAudience: null,
    // Empty: the tokens live as long as the API they are for says (token-issuer accessTokenTtlSeconds).
    accessToken: { ttlMinutes: null },
    refreshToken: {
      ttlMinutes: defaultLifetimes.refreshTokenTtlMinutes,
      rotation: true,
      reuseIntervalSeconds: 0,
      requireSecret: !isPublic,
    },
    idToken: {
      ttlMinutes: defaultLifetimes.idTokenTtlMinutes,
      audiences: [],
      includeStandardClaims: true,
      includeCustomClaims: true,
      signingAlg: defaultSigningAlgorithm,
      subjectType: 'public',
      sectorIdentifierUri: null,
    },
    deviceCode: { lifetimeSeconds: null, pollIntervalSeconds: null },
    customClaims: {},
    assetTokens: { enabled: false, validityMinutes: assetTokenValidityMinutes.default, audiences: [], signing: 'server', customAttributes: {} },
    security: {
      requirePkce: true,
      requireSecretForWebServerFlow: !isPublic,
      introspectAllTokens: false,
      firstParty: false,
      managementApiAccess: false,
      requireVerifiedEmail: false,
      requireMfa: false,
      requirePushedAuthorizationRequests: false,
      requireDpop: false,
      tokenExchangeImpersonation: false,
    },
  };
}

/** The settings after applying an input: nested groups merge, lists and maps are replaced. */
export function mergeSettings(current: AppSettings, input: AppInput): AppSettings {
  return {
    logoUri: input.logoUri !== undefined ? input.logoUri : current.logoUri,
    homepageUri: input.homepageUri !== undefined ? input.homepageUri : current.homepageUri,
    privacyPolicyUri: input.privacyPolicyUri !== undefined ? input.privacyPolicyUri : current.privacyPolicyUri,
    termsOfServiceUri: input.termsOfServiceUri !== undefined ? input.termsOfServiceUri : current.termsOfServiceUri,
    redirectUris: input.redirectUris ?? current.redirectUris,
    postLogoutRedirectUris: input.postLogoutRedirectUris ?? current.postLogoutRedirectUris,
    ...mergeLogoutSettings(current, input),
    grantTypes: input.grantTypes ? [...new Set(input.grantTypes)] : current.grantTypes,
    tokenEndpointAuthMethod: input.tokenEndpointAuthMethod ?? current.tokenEndpointAuthMethod,
    scopes: input.scopes ? [...new Set(input.scopes)] : current.scopes,
    apiGrants: input.apiGrants ?? current.apiGrants,
    defaultAudience: input.defaultAudience !== undefined ? input.defaultAudience : current.defaultAudience,
    accessToken: mergeGroup(current.accessToken, input.accessToken),
    refreshToken: mergeGroup(current.refreshToken, input.refreshToken),
    idToken: mergeGroup(current.idToken, input.idToken),
    deviceCode: mergeGroup(current.deviceCode, input.deviceCode),
    customClaims: input.customClaims ?? current.customClaims,
    assetTokens: mergeGroup(current.assetTokens, input.assetTokens),
    security: mergeGroup(current.security, input.security),
  };
}

type LogoutSettings = Pick<
  AppSettings,
  'backchannelLogoutUri' | 'backchannelLogoutSessionRequired' | 'frontchannelLogoutUri' | 'frontchannelLogoutSessionRequired'
>;

function mergeLogoutSettings(current: LogoutSettings, input: AppInput): LogoutSettings {
  return {
    backchannelLogoutUri: input.backchannelLogoutUri !== undefined ? input.backchannelLogoutUri : current.backchannelLogoutUri,
    backchannelLogoutSessionRequired: input.backchannelLogoutSessionRequired ?? current.backchannelLogoutSessionRequired,
    frontchannelLogoutUri: input.frontchannelLogoutUri !== undefined ? input.frontchannelLogoutUri : current.frontchannelLogoutUri,
    frontchannelLogoutSessionRequired: input.frontchannelLogoutSessionRequired ?? current.frontchannelLogoutSessionRequired,
  };
}

/** A settings group with the fields the input gives; a field given as undefined keeps its value. */
function mergeGroup<Group extends object>(current: Group, input: { [Key in keyof Group]?: Group[Key] | undefined } | undefined): Group {
  const merged = { ...current };
  for (const [key, value] of Object.entries(input ?? {})) {
    if (value !== undefined) (merged as Record<string, unknown>)[key] = value;
  }
  return merged;
}

export interface AppRuleContext {
  type: AppType;
  status: AppStatus;
  visibility: AppVisibility;
  /** The APIs of the app's organization: the scopes and audiences it may name. */
  apis: readonly ApiRecord[];
  /**
   * APIs that are not the organization's to give: Latchkey's own management API. Only an app a
   * server administrator allowed (security.managementApiAccess) may name them.
   */
  reservedApis?: readonly ApiRecord[];
  /** Per-user client credentials: only client credentials with API grants. */
  isUserCredential?: boolean;
  /**
   * Whether a machine-to-machine app must name an audience + scope pair: when it is created. An
   * update may take them all away (say, with security.managementApiAccess); the app then gets no token.
   */
  requireApiGrants?: boolean;
  /**
   * The server's issuer is itself on a loopback host (development): logout URIs may then be plain
   * http on a loopback host too. Otherwise they must be https.
   */
  loopbackIssuer?: boolean;
  /** Whether the app has an asset signing certificate; unknown (not checked) when absent. */
  hasAssetSigningKey?: boolean;
}

/** Every rule that spans fields, the type and the organization's APIs. Empty when the settings are acceptable. */
export function checkAppRules(settings: AppSettings, context: AppRuleContext): FieldProblem[] {
  const rules = appTypeRules[context.type];
  const label = rules.label;
  const typeRules: TypeRuleView = { rules, label, article: /^[aeiou]/.test(label) ? 'an' : 'a', isPublic: rules.clientKind === 'public' };
  return [
    ...checkGrantTypes(settings, typeRules),
    ...checkAuthMethod(settings, typeRules),
    ...checkRedirects(settings, context, typeRules),
    ...(typeRules.isPublic ? checkPublicClientSecurity(settings) : []),
    ...checkApiAccess(settings, context),
    ...checkCustomClaimsSize(settings),
    ...checkLogoutUris(settings, context, typeRules),
    ...checkSubjectType(settings, typeRules),
    ...checkAssetTokens(settings, context, typeRules),
  ];
}

/**
 * Pairwise subjects (OIDC Core §8.1) are for apps that sign users in, and need one sector: the
 * host of a sector identifier URI, or the one host every redirect URI points to.
 */
function checkSubjectType(settings: AppSettings, { rules, label, article }: TypeRuleView): FieldProblem[] {
  if (settings.idToken.subjectType !== 'pairwise') return [];
  if (rules.redirectUris === 'none') {
    return [{ field: 'idToken.subjectType', message: `${article} ${label} signs no users in: it has no subjects to make pairwise` }];
  }
  const hosts = redirectHosts(settings);
  if (settings.idToken.sectorIdentifierUri === null && hosts.length > 1) {
    return [
      {
        field: 'idToken.sectorIdentifierUri',
        message: `pairwise subjects need a sector identifier URI when the redirect URIs are on more than one host (${hosts.join(', ')}), OpenID Connect Core §8.1`,
      },
    ];
  }
  return [];
}

/** The app type's rules with the words the problem messages name it by. */
interface TypeRuleView {
  rules: AppTypeRules;
  label: string;
  article: 'a' | 'an';
  isPublic: boolean;
}

function checkGrantTypes(settings: AppSettings, { rules, label, article }: TypeRuleView): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (settings.grantTypes.length === 0) problems.push({ field: 'grantTypes', message: 'must name at least one grant type' });
  for (const grant of settings.grantTypes) {
    if (!rules.grantTypes.includes(grant)) {
      problems.push({
        field: 'grantTypes',
        message: `${grant} is not available to ${article} ${label} (it may use ${rules.grantTypes.join(', ')})`,
      });
    }
  }
  return problems;
}

function checkAuthMethod(settings: AppSettings, { rules, label, article, isPublic }: TypeRuleView): FieldProblem[] {
  if (rules.authMethods.includes(settings.tokenEndpointAuthMethod)) return [];
  return [
    {
      field: 'tokenEndpointAuthMethod',
      message: isPublic
        ? `${article} ${label} is a public client: it can't keep a secret, so tokenEndpointAuthMethod must be none (RFC 6749 §2.1)`
        : `${article} ${label} is a confidential client and must authenticate with ${rules.authMethods.join(', ')}`,
    },
  ];
}

function checkRedirects(settings: AppSettings, context: AppRuleContext, { rules, label, article }: TypeRuleView): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const allowPlaceholders = context.status === 'draft';
  for (const field of ['redirectUris', 'postLogoutRedirectUris'] as const) {
    const uris = settings[field];
    if (rules.redirectUris === 'none') {
      if (uris.length > 0) {
        problems.push({ field, message: `${article} ${label} uses client credentials only and has no ${field}` });
      }
      continue;
    }
    problems.push(...checkRedirectUris(field, uris, { customScheme: rules.redirectUris.customScheme, allowPlaceholders }));
  }
  if (context.status !== 'draft' && settings.grantTypes.includes(grantTypeNames.authorizationCode) && settings.redirectUris.length === 0) {
    problems.push({ field: 'redirectUris', message: 'an app that uses the authorization code flow needs at least one redirect URI' });
  }
  return problems;
}

/** A public client has no secret: no secret to require, PKCE always, rotating refresh tokens. */
function checkPublicClientSecurity(settings: AppSettings): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (!settings.security.requirePkce) {
    problems.push({ field: 'security.requirePkce', message: 'PKCE is always required for public apps (RFC 9700 §2.1.1)' });
  }
  if (settings.security.requireSecretForWebServerFlow) {
    problems.push({ field: 'security.requireSecretForWebServerFlow', message: 'public apps have no client secret to require' });
  }
  if (settings.refreshToken.requireSecret) {
    problems.push({ field: 'refreshToken.requireSecret', message: 'public apps have no client secret to require' });
  }
  if (!settings.refreshToken.rotation) {
    problems.push({
      field: 'refreshToken.rotation',
      message: 'refresh tokens of public apps must rotate (RFC 9700 §4.14.2)',
    });
  }
  if (settings.security.introspectAllTokens) {
    problems.push({
      field: 'security.introspectAllTokens',
      message: 'only confidential apps, which authenticate, may introspect all tokens',
    });
  }
  return problems;
}

/** The APIs an app's settings may name, and how to explain an audience that is not one of them. */
interface UsableApis {
  reserved: readonly ApiRecord[];
  byIdentifier: Map<string, ApiRecord>;
  scopes: Set<string>;
  unknownAudience: (audience: string) => string;
}

function usableApisOf(settings: AppSettings, context: AppRuleContext): UsableApis {
  const reserved = context.reservedApis ?? [];
  const mayUseReserved = settings.security.managementApiAccess && !context.isUserCredential;
  const usableApis = mayUseReserved ? [...context.apis, ...reserved] : context.apis;
  return {
    reserved,
    byIdentifier: new Map(usableApis.map((api) => [api.identifier, api])),
    scopes: new Set(usableApis.flatMap((api) => api.scopes.map((scope) => scope.name))),
    unknownAudience: (audience) =>
      reserved.some((api) => api.identifier === audience)
        ? `${audience} is the Latchkey management API: only apps a server administrator allows (security.managementApiAccess) may get tokens for it`
        : `${audience} is not the identifier of an API in this organization`,
  };
}

function checkApiAccess(settings: AppSettings, context: AppRuleContext): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (settings.security.managementApiAccess && context.isUserCredential) {
    problems.push({
      field: 'security.managementApiAccess',
      message: 'per-user client credentials can never reach the Latchkey management API (use a personal access token)',
    });
  }
  const apis = usableApisOf(settings, context);
  problems.push(...checkScopes(settings, apis), ...checkApiGrants(settings, apis));
  if (settings.apiGrants.length === 0) {
    if (context.isUserCredential) problems.push({ field: 'apiGrants', message: 'client credentials need at least one audience + scope pair' });
    else if (context.type === 'm2m' && context.requireApiGrants) {
      problems.push({ field: 'apiGrants', message: m2mNeedsApiGrants });
    }
  }
  if (settings.defaultAudience !== null && !apis.byIdentifier.has(settings.defaultAudience)) {
    problems.push({ field: 'defaultAudience', message: apis.unknownAudience(settings.defaultAudience) });
  }
  return problems;
}

function checkScopes(settings: AppSettings, apis: UsableApis): FieldProblem[] {
  const problems: FieldProblem[] = [];
  settings.scopes.forEach((scope, index) => {
    if (!isStandardScope(scope) && !apis.scopes.has(scope)) {
      problems.push({
        field: `scopes[${index}]`,
        message: apis.reserved.some((api) => api.scopes.some((candidate) => candidate.name === scope))
          ? `${scope} is a scope of the Latchkey management API: only apps a server administrator allows (security.managementApiAccess) may ask for it`
          : `${scope} is neither an OpenID Connect scope nor a scope of an API in this organization`,
      });
    }
  });
  return problems;
}

function checkApiGrants(settings: AppSettings, apis: UsableApis): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const audiences = new Set<string>();
  settings.apiGrants.forEach((grant, index) => {
    const api = apis.byIdentifier.get(grant.audience);
    if (audiences.has(grant.audience)) {
      problems.push({ field: `apiGrants[${index}].audience`, message: `${grant.audience} is listed twice` });
    }
    audiences.add(grant.audience);
    if (!api) {
      problems.push({ field: `apiGrants[${index}].audience`, message: apis.unknownAudience(grant.audience) });
      return;
    }
    if (grant.scopes.length === 0) {
      problems.push({ field: `apiGrants[${index}].scopes`, message: 'name at least one scope of the API' });
    }
    grant.scopes.forEach((scope, scopeIndex) => {
      if (!api.scopes.some((candidate) => candidate.name === scope)) {
        problems.push({ field: `apiGrants[${index}].scopes[${scopeIndex}]`, message: `${scope} is not a scope of ${api.identifier}` });
      }
    });
  });
  return problems;
}

/**
 * Logout URIs are called with the user's session: by the server (back-channel) or by the browser
 * in an iframe of the logout page (front-channel). Both must be https (Back-Channel Logout §2.2
 * says so; a front-channel page loaded over http would be mixed content on the https logout page),
 * except on loopback while the server itself runs on loopback. No app without a user flow has any.
 */
function checkLogoutUris(settings: AppSettings, context: AppRuleContext, { rules, label, article }: TypeRuleView): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const field of ['backchannelLogoutUri', 'frontchannelLogoutUri'] as const) {
    const uri = settings[field];
    if (uri === null) continue;
    if (rules.redirectUris === 'none') {
      problems.push({ field, message: `${article} ${label} uses client credentials only: it has no sessions to be signed out of` });
      continue;
    }
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      continue;
    }
    if (url.protocol === 'https:') continue;
    if (!(context.loopbackIssuer === true && isLoopbackHost(url.hostname))) {
      problems.push({
        field,
        message: context.loopbackIssuer ? 'must be an https URL (plain http only for a loopback host while this server runs on one)' : 'must be an https URL',
      });
    }
  }
  return problems;
}

function checkCustomClaimsSize(settings: AppSettings): FieldProblem[] {
  const claimsSize = Buffer.byteLength(JSON.stringify(settings.customClaims));
  if (claimsSize <= customClaimsMaxBytes) return [];
  return [{ field: 'customClaims', message: `custom claims take ${claimsSize} bytes; the limit is ${customClaimsMaxBytes}` }];
}

/**
 * Asset tokens come only through token exchange: an app type that can never use it can never
 * turn them on, and one that can must enable the grant and name where its asset tokens go.
 */
function checkAssetTokens(settings: AppSettings, context: AppRuleContext, { rules, label, article }: TypeRuleView): FieldProblem[] {
  const asset = settings.assetTokens;
  if (!asset.enabled) return [];
  if (!rules.grantTypes.includes(grantTypeNames.tokenExchange)) {
    return [
      {
        field: 'assetTokens.enabled',
        message: `${assetTokenLabels.enabled}: ${article} ${label} can't use token exchange (RFC 8693 §2.1 needs a client that authenticates), so it can't get asset tokens`,
      },
    ];
  }
  const problems: FieldProblem[] = [];
  if (!settings.grantTypes.includes(grantTypeNames.tokenExchange)) {
    problems.push({
      field: 'assetTokens.enabled',
      message: `${assetTokenLabels.enabled}: asset tokens are issued through token exchange; add ${grantTypeNames.tokenExchange} to the grant types`,
    });
  }
  if (asset.audiences.length === 0) {
    problems.push({
      field: 'assetTokens.audiences',
      message: `${assetTokenLabels.audiences}: name at least one, the aud of every asset token (RFC 7519 §4.1.3)`,
    });
  }
  if (asset.signing === 'certificate' && context.hasAssetSigningKey === false) {
    problems.push({
      field: 'assetTokens.signing',
      message: `${assetTokenLabels.signing}: upload an ${assetTokenLabels.certificate} with its ${assetTokenLabels.privateKey} first, or sign with the server's signing keys`,
    });
  }
  return problems;
}
