/**
 * Lifetime bounds of app settings. The operator may widen them server-wide, so the console reads
 * them from the management API (GET /limits) and falls back to the product defaults (PRODUCT A4).
 */

import { get } from './api';

export interface Bounds {
  min: number;
  max: number;
  default: number;
}

export interface AppBounds {
  accessTokenTtlMinutes: Bounds;
  refreshTokenTtlMinutes: Bounds;
  idTokenTtlMinutes: Bounds;
  refreshReuseIntervalSeconds: Bounds;
  apiAccessTokenTtlMinutes: Bounds;
}

export const defaultBounds: AppBounds = {
  accessTokenTtlMinutes: { min: 1, max: 300, default: 30 },
  refreshTokenTtlMinutes: { min: 1, max: 300, default: 30 },
  idTokenTtlMinutes: { min: 1, max: 720, default: 2 },
  refreshReuseIntervalSeconds: { min: 0, max: 60, default: 0 },
  apiAccessTokenTtlMinutes: { min: 1, max: 300, default: 30 },
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
