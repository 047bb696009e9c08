import { confidentialAuthMethods, grantTypeNames, type GrantType, type TokenEndpointAuthMethod } from './algorithms.js';

export const appStatuses = ['draft', 'submitted', 'active', 'disabled'] as const;
export type AppStatus = (typeof appStatuses)[number];
export const appVisibilities = ['private', 'public'] as const;
export type AppVisibility = (typeof appVisibilities)[number];
export type AppType = 'native' | 'spa' | 'web' | 'm2m' | 'device';
/** How an app's users are named in ID tokens and userinfo (OIDC Core §8): the same everywhere, or per sector. */
export const subjectTypes = ['public', 'pairwise'] as const;
export type SubjectType = (typeof subjectTypes)[number];

export type ClientKind = 'public' | 'confidential';

export interface AppTypeRules {
  label: string;
  /** Public clients can't keep a secret (RFC 6749 §2.1). */
  clientKind: ClientKind;
  defaultAuthMethod: TokenEndpointAuthMethod;
  authMethods: readonly TokenEndpointAuthMethod[];
  grantTypes: readonly GrantType[];
  defaultGrantTypes: readonly GrantType[];
  /** Which redirect URIs are legal: none at all, or the kinds below. */
  redirectUris: 'none' | { customScheme: boolean };
  /**
   * Whether a loopback redirect URI (http://127.0.0.1, http://[::1], http://localhost) may carry any
   * port at request time. Only native apps: the OS gives their listener a port when they run
   * (RFC 8252 §7.3); every other app's redirect URIs match exactly (RFC 9700 §2.1, §4.1).
   */
  loopbackRedirectAnyPort: boolean;
  defaultScopes: readonly string[];
}

/** An app's type fixes its client kind, the grants it may enable, its auth methods and its redirect URIs. */
export const appTypeRules: Record<AppType, AppTypeRules> = {
  native: {
    label: 'native/mobile app',
    clientKind: 'public',
    defaultAuthMethod: 'none',
    authMethods: ['none'],
    // No token exchange: a public client can't authenticate, so it can't be the party trusted to act for a user (RFC 8693 §2.1).
    grantTypes: [grantTypeNames.authorizationCode, grantTypeNames.refreshToken, grantTypeNames.deviceCode],
    defaultGrantTypes: [grantTypeNames.authorizationCode],
    redirectUris: { customScheme: true },
    loopbackRedirectAnyPort: true,
    defaultScopes: ['openid', 'profile', 'email'],
  },
  spa: {
    label: 'single-page app',
    clientKind: 'public',
    defaultAuthMethod: 'none',
    authMethods: ['none'],
    grantTypes: [grantTypeNames.authorizationCode, grantTypeNames.refreshToken],
    defaultGrantTypes: [grantTypeNames.authorizationCode],
    redirectUris: { customScheme: false },
    loopbackRedirectAnyPort: false,
    defaultScopes: ['openid', 'profile', 'email'],
  },
  web: {
    label: 'web app',
    clientKind: 'confidential',
    defaultAuthMethod: 'client_secret_basic',
    authMethods: confidentialAuthMethods,
    grantTypes: [
      grantTypeNames.authorizationCode,
      grantTypeNames.refreshToken,
      grantTypeNames.clientCredentials,
      grantTypeNames.deviceCode,
      grantTypeNames.jwtBearer,
      grantTypeNames.tokenExchange,
    ],
    defaultGrantTypes: [grantTypeNames.authorizationCode],
    redirectUris: { customScheme: false },
    loopbackRedirectAnyPort: false,
    defaultScopes: ['openid', 'profile', 'email'],
  },
  m2m: {
    label: 'machine-to-machine app',
    clientKind: 'confidential',
    defaultAuthMethod: 'client_secret_basic',
    authMethods: confidentialAuthMethods,
    grantTypes: [grantTypeNames.clientCredentials, grantTypeNames.jwtBearer, grantTypeNames.tokenExchange],
    defaultGrantTypes: [grantTypeNames.clientCredentials],
    redirectUris: 'none',
    loopbackRedirectAnyPort: false,
    defaultScopes: [],
  },
  device: {
    label: 'device/input-limited app',
    clientKind: 'public',
    defaultAuthMethod: 'none',
    authMethods: ['none'],
    grantTypes: [grantTypeNames.deviceCode, grantTypeNames.refreshToken],
    defaultGrantTypes: [grantTypeNames.deviceCode],
    redirectUris: { customScheme: false },
    loopbackRedirectAnyPort: false,
    defaultScopes: ['openid', 'profile'],
  },
};

export const appTypes = Object.keys(appTypeRules) as [AppType, ...AppType[]];

/** Why a machine-to-machine app is not created without an audience + scope pair; the server and the console say it alike. */
export const m2mNeedsApiGrants =
  'a machine-to-machine app needs at least one audience + scope pair: it acts for no user, so its tokens are only for the APIs it names';

export function clientKindOf(type: AppType): ClientKind {
  return appTypeRules[type].clientKind;
}
