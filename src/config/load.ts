import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { isLoopbackHost } from '../domain/apps/redirect-uris.js';
import { configLeaves, describeExpected, type ConfigLeaf } from './leaves.js';
import { configSchema, type Config } from './schema.js';

export const defaultConfigFile = 'latchkey.yaml';

/** Where a value came from: shown next to errors and by `latchkey config`. */
export type ConfigOrigin = { kind: 'default' } | { kind: 'file'; file: string } | { kind: 'env'; name: string } | { kind: 'flag'; name: string };

export interface ConfigSources {
  /** Process environment (LATCHKEY_* variables and their _FILE variants). */
  env: Record<string, string | undefined>;
  /** CLI flag values by dotted config key, as strings. */
  flags?: Record<string, string>;
  /** Explicit config file (from --config or LATCHKEY_CONFIG); must exist when given. */
  file?: string;
  cwd?: string;
}

export interface ConfigProblem {
  key: string;
  message: string;
  expected?: string;
  given?: string;
  origin?: ConfigOrigin;
  env?: string;
}

export type LoadedConfig = { ok: true; config: Config; origins: Map<string, ConfigOrigin>; file?: string } | { ok: false; problems: ConfigProblem[] };

type Tree = Record<string, unknown>;

function setAt(tree: Tree, path: readonly string[], value: unknown): void {
  let node = tree;
  for (const segment of path.slice(0, -1)) {
    const next = node[segment];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[segment] = {};
    node = node[segment] as Tree;
  }
  node[path[path.length - 1]!] = value;
}

function getAt(tree: unknown, path: readonly (string | number | symbol)[]): unknown {
  let node: unknown = tree;
  for (const segment of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string | number | symbol, unknown>)[segment];
  }
  return node;
}

/** Turns a string from env or a flag into the leaf's type; leaves it alone when it doesn't parse, so zod reports it. */
export function coerceLeafValue(leaf: ConfigLeaf, raw: unknown): unknown {
  if (typeof raw !== 'string') return raw;
  const text = raw.trim();
  switch (leaf.type) {
    case 'integer':
    case 'number':
      return /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : raw;
    case 'boolean': {
      const lowered = text.toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(lowered)) return true;
      if (['false', '0', 'no', 'off'].includes(lowered)) return false;
      return raw;
    }
    case 'array':
      return text === ''
        ? []
        : text
            .split(',')
            .map((item) => item.trim())
            .filter(Boolean);
    default:
      return raw;
  }
}

export function maskUrlPassword(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:/@]+:)([^@]*)@/i, '$1********@');
}

/** A value as it may be shown: secrets hidden, URL passwords masked. */
export function displayValue(leaf: ConfigLeaf | undefined, value: unknown): string {
  if (value === undefined) return '(unset)';
  if (leaf?.secret) return typeof value === 'string' ? `******** (${value.length} characters)` : '********';
  if (leaf?.sensitiveUrl && typeof value === 'string') return maskUrlPassword(value);
  if (Array.isArray(value)) return value.join(',');
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function describeOrigin(origin: ConfigOrigin): string {
  switch (origin.kind) {
    case 'default':
      return 'default';
    case 'file':
      return `file ${origin.file}`;
    case 'env':
      return `env ${origin.name}`;
    case 'flag':
      return `flag ${origin.name}`;
  }
}

function expectedFor(issue: z.core.$ZodIssue, leaf: ConfigLeaf | undefined): string | undefined {
  if (leaf) return describeExpected(leaf);
  if (issue.code === 'unrecognized_keys') return 'no such key (see docs/configuration.md)';
  return undefined;
}

/**
 * Reads the configuration from its sources, lowest precedence first:
 * defaults < latchkey.yaml < LATCHKEY_* environment < CLI flags.
 */
export function loadConfig(sources: ConfigSources): LoadedConfig {
  const cwd = sources.cwd ?? process.cwd();
  const leaves = configLeaves();
  const input: Tree = {};
  const origins = new Map<string, ConfigOrigin>();
  const problems: ConfigProblem[] = [];

  const explicitFile = sources.file ?? sources.env.LATCHKEY_CONFIG;
  const filePath = explicitFile ? resolve(cwd, explicitFile) : resolve(cwd, defaultConfigFile);
  let usedFile: string | undefined;
  if (explicitFile && !existsSync(filePath)) {
    problems.push({ key: '(file)', message: `config file ${filePath} does not exist` });
  } else if (existsSync(filePath)) {
    usedFile = filePath;
    try {
      const parsed: unknown = parseYaml(readFileSync(filePath, 'utf8'));
      if (parsed != null && (typeof parsed !== 'object' || Array.isArray(parsed))) {
        problems.push({ key: '(file)', message: `${filePath} must hold a YAML mapping of settings` });
      } else if (parsed) {
        Object.assign(input, structuredClone(parsed));
        for (const leaf of leaves) {
          const value = getAt(parsed, leaf.path);
          if (value !== undefined) {
            setAt(input, leaf.path, coerceLeafValue(leaf, value));
            origins.set(leaf.key, { kind: 'file', file: filePath });
          }
        }
      }
    } catch (error) {
      problems.push({ key: '(file)', message: `${filePath} is not valid YAML: ${(error as Error).message}` });
    }
  }

  for (const leaf of leaves) {
    const direct = sources.env[leaf.env];
    const fromFileName = leaf.fileEnv ? sources.env[leaf.fileEnv] : undefined;
    if (direct !== undefined && direct !== '' && fromFileName) {
      problems.push({
        key: leaf.key,
        message: `both ${leaf.env} and ${leaf.fileEnv} are set; set only one`,
        env: leaf.env,
      });
      continue;
    }
    if (fromFileName) {
      try {
        setAt(input, leaf.path, readFileSync(resolve(cwd, fromFileName), 'utf8').trim());
        origins.set(leaf.key, { kind: 'env', name: leaf.fileEnv! });
      } catch (error) {
        problems.push({
          key: leaf.key,
          message: `cannot read ${leaf.fileEnv}=${fromFileName}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
          env: leaf.fileEnv!,
        });
      }
    } else if (direct !== undefined && direct !== '') {
      setAt(input, leaf.path, coerceLeafValue(leaf, direct));
      origins.set(leaf.key, { kind: 'env', name: leaf.env });
    }
  }

  for (const [key, raw] of Object.entries(sources.flags ?? {})) {
    const leaf = leaves.find((candidate) => candidate.key === key);
    if (!leaf) continue;
    setAt(input, leaf.path, coerceLeafValue(leaf, raw));
    origins.set(leaf.key, { kind: 'flag', name: leaf.flag ?? key });
  }

  const result = configSchema.safeParse(input);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const key = issue.path.map(String).join('.') || '(root)';
      const leaf = leaves.find((candidate) => candidate.key === key);
      const origin = origins.get(key) ?? (leaf ? undefined : originOfSubtree(origins, key));
      const given = getAt(input, issue.path);
      const unknownKeys = issue.code === 'unrecognized_keys' ? issue.keys : undefined;
      problems.push({
        key: unknownKeys ? unknownKeys.map((name) => (key === '(root)' ? name : `${key}.${name}`)).join(', ') : key,
        message: unknownKeys ? `unknown setting ${unknownKeys.join(', ')}` : issue.message,
        ...withDefined('expected', expectedFor(issue, leaf)),
        ...(unknownKeys ? {} : withDefined('given', given === undefined ? undefined : displayValue(leaf, given))),
        ...withDefined('origin', origin),
        ...withDefined('env', leaf?.env),
      });
    }
  }
  if (problems.length > 0) return { ok: false, problems };
  for (const leaf of leaves) if (!origins.has(leaf.key)) origins.set(leaf.key, { kind: 'default' });
  const config = result.data as Config;
  // An issuer left unset follows the listen port: `start --port 4000` must not advertise :3000.
  if (origins.get('issuer')?.kind === 'default' && config.listen.port !== 0) config.issuer = `http://localhost:${config.listen.port}`;
  return { ok: true, config, origins, ...(usedFile ? { file: usedFile } : {}) };
}

function withDefined<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return value === undefined ? {} : ({ [key]: value } as { [P in K]: V });
}

function originOfSubtree(origins: Map<string, ConfigOrigin>, key: string): ConfigOrigin | undefined {
  for (const [leafKey, origin] of origins) if (leafKey.startsWith(`${key}.`)) return origin;
  return undefined;
}

/** A configuration that loaded but may not be started with; its message lists the problems. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    super(formatConfigProblems(problems));
    this.problems = problems;
  }
}

export interface IssuerTransportCheck {
  /** Why the server must not start with this issuer (empty when it may). */
  problems: ConfigProblem[];
  /** What to warn about when it starts, or null. */
  warning: string | null;
}

/**
 * A plain http issuer on a loopback host is reached directly, not through a proxy: its port must
 * be the one the server listens on, or every URL in discovery points at another process. Behind
 * a proxy on the same machine (http.trustProxy) the ports may differ; port 0 picks one at start.
 */
export function checkIssuerPort(config: Pick<Config, 'issuer' | 'listen' | 'http'>): ConfigProblem[] {
  const issuer = new URL(config.issuer);
  if (issuer.protocol !== 'http:' || !isLoopbackHost(issuer.hostname) || config.http.trustProxy || config.listen.port === 0) return [];
  const issuerPort = Number(issuer.port || 80);
  if (issuerPort === config.listen.port) return [];
  return [
    {
      key: 'issuer',
      message: `the issuer ${config.issuer} names port ${issuerPort} but the server listens on ${config.listen.port}: discovery and every redirect would point elsewhere; set the issuer's port to ${config.listen.port} (or leave the issuer unset: it follows the port), or set http.trustProxy when a proxy on this machine forwards to it`,
      given: config.issuer,
      env: configLeaves().find((leaf) => leaf.key === 'issuer')!.env,
    },
  ];
}

/**
 * Production issuers are https (RFC 8414 §2; RFC 6749 §3.1 and §3.2 put every endpoint behind TLS).
 * Plain http is for development on one machine: an http issuer on a loopback host (localhost,
 * 127.0.0.1, [::1]) starts with a warning; an http issuer on any other host is refused, unless
 * `http.allowInsecureIssuer` is on, and then it starts with a warning.
 */
export function checkIssuerTransport(config: Pick<Config, 'issuer' | 'http'>, origins?: ReadonlyMap<string, ConfigOrigin>): IssuerTransportCheck {
  const issuer = new URL(config.issuer);
  if (issuer.protocol !== 'http:') return { problems: [], warning: null };
  if (isLoopbackHost(issuer.hostname)) {
    return {
      problems: [],
      warning: `the issuer ${config.issuer} uses plain http: acceptable only for development on this machine; use an https issuer in production`,
    };
  }
  const allowEnv = configLeaves().find((leaf) => leaf.key === 'http.allowInsecureIssuer')!.env;
  if (config.http.allowInsecureIssuer) {
    return {
      problems: [],
      warning: `the issuer ${config.issuer} uses plain http on a host other than localhost because http.allowInsecureIssuer is on: passwords, codes and tokens cross the network unencrypted; use https outside development`,
    };
  }
  const origin = origins?.get('issuer');
  return {
    problems: [
      {
        key: 'issuer',
        message: `plain http is allowed only for an issuer on localhost, 127.0.0.1 or [::1] (development); set an https issuer, or set ${allowEnv}=true (http.allowInsecureIssuer) to start anyway`,
        expected: 'an https URL, or http on localhost, 127.0.0.1 or [::1]',
        given: config.issuer,
        ...(origin ? { origin } : {}),
        env: configLeaves().find((leaf) => leaf.key === 'issuer')!.env,
      },
    ],
    warning: null,
  };
}

/** The problems as lines a person can act on: path, what was expected, what was given, where from. */
export function formatConfigProblems(problems: readonly ConfigProblem[]): string {
  const lines = [`Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):`];
  for (const problem of problems) {
    lines.push(`  - ${problem.key}: ${problem.message}`);
    if (problem.expected) lines.push(`      expected: ${problem.expected}`);
    if (problem.given !== undefined) lines.push(`      given:    ${problem.given}`);
    if (problem.origin) lines.push(`      from:     ${describeOrigin(problem.origin)}`);
    if (problem.env) lines.push(`      env:      ${problem.env}`);
  }
  return lines.join('\n');
}

/** The effective configuration as plain data with every secret masked, for `latchkey config`. */
export function maskedConfig(config: Config): Record<string, unknown> {
  const masked: Tree = structuredClone(config);
  for (const leaf of configLeaves()) {
    const value = getAt(config, leaf.path);
    if ((leaf.secret || leaf.sensitiveUrl) && value !== undefined) setAt(masked, leaf.path, displayValue(leaf, value));
  }
  return masked;
}
