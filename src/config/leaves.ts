import { z } from 'zod';
import { configSchema } from './schema.js';

/** One settable value of the configuration, with the names it goes by in each source. */
export interface ConfigLeaf {
  path: readonly string[];
  /** Dotted path, e.g. `listen.port`. */
  key: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'array';
  description: string;
  defaultValue: unknown;
  enumValues?: readonly string[];
  itemEnumValues?: readonly string[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  format?: string;
  /** Overrides the generated description of accepted values. */
  accepts?: string;
  secret: boolean;
  sensitiveUrl: boolean;
  env: string;
  /** `<env>_FILE`: for secrets, read the value from a file (Docker/Kubernetes secrets). */
  fileEnv?: string;
  /** Long CLI flag derived from the path; absent for secrets. */
  flag?: string;
  shortFlag?: string;
}

interface JsonSchemaNode {
  type?: string;
  properties?: Record<string, JsonSchemaNode>;
  items?: JsonSchemaNode;
  enum?: string[];
  default?: unknown;
  description?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  format?: string;
  accepts?: string;
  secret?: boolean;
  sensitiveUrl?: boolean;
  flag?: string;
}

export const envPrefix = 'LATCHKEY_';

function snake(segment: string): string {
  return segment.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

function kebab(segment: string): string {
  return segment.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

export function envNameFor(path: readonly string[]): string {
  return envPrefix + path.map(snake).join('_');
}

function collect(node: JsonSchemaNode, path: string[], out: ConfigLeaf[]): void {
  if (node.type === 'object' && node.properties) {
    for (const [name, child] of Object.entries(node.properties)) collect(child, [...path, name], out);
    return;
  }
  const type = node.type as ConfigLeaf['type'] | undefined;
  if (!type) throw new Error(`config leaf ${path.join('.')} has no JSON Schema type`);
  const secret = node.secret === true;
  const sensitiveUrl = node.sensitiveUrl === true;
  const env = envNameFor(path);
  out.push({
    path,
    key: path.join('.'),
    type,
    description: node.description ?? '',
    defaultValue: node.default,
    ...(node.enum ? { enumValues: node.enum } : {}),
    ...(node.items?.enum ? { itemEnumValues: node.items.enum } : {}),
    ...(node.minimum !== undefined ? { minimum: node.minimum } : {}),
    ...(node.maximum !== undefined ? { maximum: node.maximum } : {}),
    ...(node.minLength !== undefined ? { minLength: node.minLength } : {}),
    ...(node.format !== undefined ? { format: node.format } : {}),
    ...(node.accepts !== undefined ? { accepts: node.accepts } : {}),
    secret,
    sensitiveUrl,
    env,
    ...(secret || sensitiveUrl ? { fileEnv: `${env}_FILE` } : {}),
    ...(secret ? {} : { flag: `--${path.map(kebab).join('-')}` }),
    ...(node.flag && !secret && `--${node.flag}` !== `--${path.map(kebab).join('-')}` ? { shortFlag: `--${node.flag}` } : {}),
  });
}

let cachedLeaves: ConfigLeaf[] | undefined;

/** Every leaf of the configuration schema, in schema order. */
export function configLeaves(): ConfigLeaf[] {
  if (!cachedLeaves) {
    const jsonSchema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchemaNode;
    const leaves: ConfigLeaf[] = [];
    collect(jsonSchema, [], leaves);
    cachedLeaves = leaves;
  }
  return cachedLeaves;
}

/** What a leaf accepts, in words, for error messages and the reference. */
export function describeExpected(leaf: ConfigLeaf): string {
  if (leaf.accepts) return leaf.accepts;
  if (leaf.enumValues) return `one of ${leaf.enumValues.join(', ')}`;
  if (leaf.type === 'array') {
    return leaf.itemEnumValues ? `a comma-separated list of ${leaf.itemEnumValues.join(', ')}` : 'a comma-separated list';
  }
  if (leaf.type === 'boolean') return 'true or false';
  if (leaf.type === 'integer' || leaf.type === 'number') {
    const noun = leaf.type === 'integer' ? 'an integer' : 'a number';
    if (leaf.minimum !== undefined && leaf.maximum !== undefined) return `${noun} from ${leaf.minimum} to ${leaf.maximum}`;
    if (leaf.minimum !== undefined) return `${noun} of at least ${leaf.minimum}`;
    if (leaf.maximum !== undefined) return `${noun} of at most ${leaf.maximum}`;
    return noun;
  }
  if (leaf.format === 'uri') return 'an http(s) URL';
  if (leaf.minLength === 1) return 'a non-empty string';
  if (leaf.minLength !== undefined) return `a string of at least ${leaf.minLength} characters`;
  return 'a string';
}

export function leafByKey(key: string): ConfigLeaf | undefined {
  return configLeaves().find((leaf) => leaf.key === key);
}
