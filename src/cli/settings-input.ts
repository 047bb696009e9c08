import { CliError } from './context.js';

/** Collects a repeatable option into a list: `--redirect-uri a --redirect-uri b`. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Parses a value as JSON when it is JSON (numbers, booleans, null, arrays, objects), else keeps the string. */
export function parseValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/**
 * Turns `--set path=value` pairs into a nested object: `accessToken.ttlMinutes=60` becomes
 * `{ accessToken: { ttlMinutes: 60 } }`. Values are JSON where they parse as JSON.
 */
export function settingsFromPairs(pairs: readonly string[]): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new CliError(`--set expects path=value, got ${pair}`);
    const path = pair.slice(0, eq).split('.');
    let node = result;
    for (const segment of path.slice(0, -1)) {
      const next = node[segment];
      if (typeof next !== 'object' || next === null || Array.isArray(next)) node[segment] = {};
      node = node[segment] as Record<string, unknown>;
    }
    node[path[path.length - 1]!] = parseValue(pair.slice(eq + 1));
  }
  return result;
}

/** Merges b into a, nested objects included (b wins). */
export function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [key, value] of Object.entries(b)) {
    const current = out[key];
    out[key] =
      typeof value === 'object' && value !== null && !Array.isArray(value) && typeof current === 'object' && current !== null && !Array.isArray(current)
        ? deepMerge(current as Record<string, unknown>, value as Record<string, unknown>)
        : value;
  }
  return out;
}
