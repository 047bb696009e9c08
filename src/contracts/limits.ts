/**
 * Limits and defaults the server enforces and the CLI and console check before they send. The
 * operator may widen the token lifetime bounds server-wide (config `tokens.*`); GET /limits
 * reports the bounds in force, and these are what a server has out of the box.
 */
import { grantTypeNames, type GrantType } from './algorithms.js';
import type { AppType } from './app-types.js';

export interface MinutesBounds {
  min: number;
  max: number;
}

/** Lifetimes an app or API gets unless it sets its own, in minutes. */
export const defaultLifetimes = {
  accessTokenTtlMinutes: 30,
  refreshTokenTtlMinutes: 30,
  idTokenTtlMinutes: 2,
} as const;

/** The default server-wide bounds of those lifetimes, in minutes. */
export const defaultLifetimeBounds = {
  accessTokenTtlMinutes: { min: 1, max: 300 },
  refreshTokenTtlMinutes: { min: 1, max: 300 },
  idTokenTtlMinutes: { min: 1, max: 720 },
} as const satisfies Record<keyof typeof defaultLifetimes, MinutesBounds>;

/**
 * The device flow (RFC 8628 §3.2): how long a device code lives and how often the device may
 * poll, in seconds. An app may set its own within these bounds; the server's settings
 * (grants.deviceCode.*) apply otherwise.
 */
export const deviceCodeBounds = {
  lifetimeSeconds: { min: 60, max: 3600, default: 600 },
  pollIntervalSeconds: { min: 1, max: 60, default: 5 },
} as const;

/** How long after a rotation a refresh token may be presented again (concurrent requests), in seconds. */
export const refreshReuseIntervalMaxSeconds = 60;
export const customClaimsMaxBytes = 4096;
export const certificateMaxBytes = 4096;
/** Bounds of an app's trust relationships with external issuers (RFC 7523, RFC 8693). */
export const trustedIssuerLimits = {
  perApp: 20,
  issuerMaxCharacters: 255,
  /** An issuer's JWKS holds several keys, each larger than an uploaded certificate's. */
  keysMaxBytes: 16_384,
  keys: 10,
  subjects: 100,
} as const;
/** The old client secret works on for at most 7 days after a rotation. */
export const maxSecretGracePeriodSeconds = 7 * 24 * 3600;
/** Sum of the lengths of all of an app's redirect URIs (their characters only, no separators). */
export const redirectUrisTotalLimit = 2000;

/** Personal access tokens: how long one lives unless asked otherwise, and at most, in days. */
export const defaultPersonalTokenLifetimeDays = 30;
export const maxPersonalTokenLifetimeDays = 365;

/** Initial access tokens for dynamic registration (RFC 7591 §3): lifetime in days, and uses. */
export const defaultInitialTokenLifetimeDays = 7;
export const maxInitialTokenLifetimeDays = 90;
export const maxInitialTokenUses = 10_000;
/** What a token issued without a policy allows: apps that act for users, never client credentials. */
export const defaultRegistrationAppTypes: readonly AppType[] = ['native', 'spa', 'web'];
export const defaultRegistrationGrantTypes: readonly GrantType[] = [grantTypeNames.authorizationCode, grantTypeNames.refreshToken];

/** Lists of the management API come in pages of at most this many items. */
export const maxPageSize = 100;

/** A bound as GET /limits reports it: the range and the value used when none is set. */
export interface Bounds {
  min: number;
  max: number;
  default: number;
}

/** The bounds of app and API settings (the body of GET /limits). */
export interface AppLimits {
  accessTokenTtlMinutes: Bounds;
  refreshTokenTtlMinutes: Bounds;
  idTokenTtlMinutes: Bounds;
  refreshReuseIntervalSeconds: Bounds;
  apiAccessTokenTtlMinutes: Bounds;
  redirectUrisTotalCharacters: number;
  secretGracePeriodMaxSeconds: number;
  certificateMaxBytes: number;
  customClaimsMaxBytes: number;
  deviceCodeLifetimeSeconds: Bounds;
  devicePollIntervalSeconds: Bounds;
}

/** GET /limits for the lifetime bounds in force. */
export function appLimits(
  bounds: Record<keyof typeof defaultLifetimes, MinutesBounds>,
  deviceFlow: { lifetimeSeconds: number; pollIntervalSeconds: number } = {
    lifetimeSeconds: deviceCodeBounds.lifetimeSeconds.default,
    pollIntervalSeconds: deviceCodeBounds.pollIntervalSeconds.default,
  },
): AppLimits {
  return {
    accessTokenTtlMinutes: { ...bounds.accessTokenTtlMinutes, default: defaultLifetimes.accessTokenTtlMinutes },
    refreshTokenTtlMinutes: { ...bounds.refreshTokenTtlMinutes, default: defaultLifetimes.refreshTokenTtlMinutes },
    idTokenTtlMinutes: { ...bounds.idTokenTtlMinutes, default: defaultLifetimes.idTokenTtlMinutes },
    refreshReuseIntervalSeconds: { min: 0, max: refreshReuseIntervalMaxSeconds, default: 0 },
    apiAccessTokenTtlMinutes: { ...bounds.accessTokenTtlMinutes, default: defaultLifetimes.accessTokenTtlMinutes },
    redirectUrisTotalCharacters: redirectUrisTotalLimit,
    secretGracePeriodMaxSeconds: maxSecretGracePeriodSeconds,
    certificateMaxBytes,
    customClaimsMaxBytes,
    deviceCodeLifetimeSeconds: { ...deviceCodeBounds.lifetimeSeconds, default: deviceFlow.lifetimeSeconds },
    devicePollIntervalSeconds: { ...deviceCodeBounds.pollIntervalSeconds, default: deviceFlow.pollIntervalSeconds },
  };
}

/** The limits of a server whose operator widened nothing. */
export const defaultAppLimits: AppLimits = appLimits(defaultLifetimeBounds);
