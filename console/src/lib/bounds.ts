/**
 * Lifetime bounds of app settings. The operator may widen them server-wide, so the console reads
 * them from the management API (GET /limits) and falls back to a server's defaults (src/contracts).
 */

import { defaultAppLimits, type AppLimits, type Bounds } from '@contracts/limits';
import { get } from './api';

export type { Bounds };

export type AppBounds = Pick<
  AppLimits,
  | 'accessTokenTtlMinutes'
  | 'refreshTokenTtlMinutes'
  | 'idTokenTtlMinutes'
  | 'refreshReuseIntervalSeconds'
  | 'apiAccessTokenTtlMinutes'
  | 'deviceCodeLifetimeSeconds'
  | 'devicePollIntervalSeconds'
>;

export const defaultBounds: AppBounds = {
  accessTokenTtlMinutes: defaultAppLimits.accessTokenTtlMinutes,
  refreshTokenTtlMinutes: defaultAppLimits.refreshTokenTtlMinutes,
  idTokenTtlMinutes: defaultAppLimits.idTokenTtlMinutes,
  refreshReuseIntervalSeconds: defaultAppLimits.refreshReuseIntervalSeconds,
  apiAccessTokenTtlMinutes: defaultAppLimits.apiAccessTokenTtlMinutes,
  deviceCodeLifetimeSeconds: defaultAppLimits.deviceCodeLifetimeSeconds,
  devicePollIntervalSeconds: defaultAppLimits.devicePollIntervalSeconds,
};

function isBounds(value: unknown): value is Bounds {
  const candidate = value as Partial<Bounds> | null;
  return typeof candidate?.min === 'number' && typeof candidate.max === 'number' && typeof candidate.default === 'number';
}

let cached: Promise<AppBounds> | undefined;

export function loadBounds(): Promise<AppBounds> {
  cached ??= get<Partial<Record<keyof AppBounds, unknown>>>('/limits').then(
    (limits) => {
      const loaded = { ...defaultBounds };
      for (const name of Object.keys(defaultBounds) as (keyof AppBounds)[]) {
        const value = limits[name];
        if (isBounds(value)) loaded[name] = value;
      }
      return loaded;
    },
    () => {
      cached = undefined;
      return defaultBounds;
    },
  );
  return cached;
}

/** The message the server uses for a lifetime out of bounds, shown before anything is sent. */
export function checkWhole(value: string, bounds: Bounds, unit = 'minutes'): string | null {
  const message = `must be a whole number of ${unit} from ${bounds.min} to ${bounds.max}`;
  if (value.trim() === '') return message;
  const number = Number(value);
  if (!Number.isInteger(number) || number < bounds.min || number > bounds.max) return message;
  return null;
}
