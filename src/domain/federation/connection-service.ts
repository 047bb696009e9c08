import type { SecretSealer } from '../../ports/secret-sealer.js';
import { z } from 'zod';
import type { Clock } from '../../ports/clock.js';
import type { DomainEvents } from '../../ports/domain-events.js';
import { mappedProfileFields, type ClaimMapping, type ConnectionRecord, type MappedProfileField } from '../../ports/federation-repositories.js';
import type { Storage } from '../../ports/storage.js';
import { randomId } from '../../shared/random.js';
import type { Authorizer } from '../access/authorizer.js';
import type { AuditEntry, RequestContext } from '../audit/audit-log.js';
import { commitChange, serverChange, type Change } from '../audit/unit-of-work.js';
import { DomainError } from '../errors.js';
import { parseOrThrow, scopeTokenPattern } from '../validation.js';

export const defaultConnectionScopes = ['openid', 'email', 'profile'];

const loopbackHosts = new Set(['127.0.0.1', '[::1]', 'localhost']);

/** Whether an issuer is plain http on this machine: the one case a connection may skip TLS (tests, development). */
export function isLoopbackHttp(issuer: string): boolean {
  try {
    const url = new URL(issuer);
    return url.protocol === 'http:' && loopbackHosts.has(url.hostname);
  } catch {
    return false;
  }
}

/** OpenID Connect Discovery §4.3: the issuer is an https URL without query or fragment. */
const issuerSchema = z
  .string()
  .max(500, { error: 'must be at most 500 characters' })
  .superRefine((value, context) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      context.addIssue({ code: 'custom', message: 'must be an absolute URL, such as https://idp.example.com/realms/main' });
      return;
    }
    if (url.search || url.hash || value.includes('#')) {
      context.addIssue({ code: 'custom', message: 'must have no query or fragment (OpenID Connect Discovery §4.3)' });
    } else if (url.protocol === 'http:' && !loopbackHosts.has(url.hostname)) {
      context.addIssue({ code: 'custom', message: 'must use https; plain http is allowed only on loopback hosts (127.0.0.1, ::1, localhost)' });
    } else if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      context.addIssue({ code: 'custom', message: 'must use https' });
    }
  });

const claimName = z.string().regex(/^[A-Za-z0-9_.:/-]{1,100}$/, { error: 'must be a claim name (letters, digits, _ . : / -; at most 100 characters)' });

const domainSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, { error: 'must be a domain name, such as example.com' });

const connectionFields = {
  name: z.string().regex(/^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$/, { error: 'must be a slug: lower-case letters, digits and hyphens, at most 64 characters' }),
  displayName: z.string().trim().min(1, { error: 'must not be empty' }).max(100, { error: 'must be at most 100 characters' }),
  issuer: issuerSchema,
  clientId: z.string().min(1, { error: 'must not be empty' }).max(255, { error: 'must be at most 255 characters' }),
  clientSecret: z.string().min(1, { error: 'must not be empty' }).max(1000, { error: 'must be at most 1000 characters' }),
  scopes: z
    .array(z.string().regex(scopeTokenPattern, { error: 'is not a valid scope token (RFC 6749 §3.3)' }))
    .max(50, { error: 'at most 50 scopes' })
    .refine((scopes) => scopes.includes('openid'), { error: 'must include openid: the sign-in needs an ID token' }),
  claimMapping: z
    .object(Object.fromEntries(mappedProfileFields.map((field) => [field, claimName])) as Record<MappedProfileField, typeof claimName>)
    .strict()
    .partial()
    .transform((mapping): ClaimMapping => Object.fromEntries(Object.entries(mapping).filter(([, claim]) => claim !== undefined))),
  domains: z.array(domainSchema).max(100, { error: 'at most 100 domains' }),
  trustUpstreamMfa: z.boolean({ error: 'must be true or false' }),
  enabled: z.boolean({ error: 'must be true or false' }),
};

const connectionInputSchema = z.object(connectionFields).strict().partial();
export type ConnectionInput = z.input<typeof connectionInputSchema>;

type ConnectionEventKind = 'created' | 'updated' | 'deleted';

function connectionChange(connection: ConnectionRecord, kind: ConnectionEventKind, changes: NonNullable<AuditEntry['changes']>): Change {
  const event = { type: `connection.${kind}`, orgId: connection.orgId, connectionId: connection.id } as const;
  const audit = { action: `connection.${kind}`, targetType: 'connection', targetId: connection.id, changes };
  return connection.orgId === null ? serverChange(event, audit) : { audit: { orgId: connection.orgId, ...audit }, event };
}

/** What the audit row of a change records: every field given, the secret only as "changed". */
function auditedFields(parsed: z.infer<typeof connectionInputSchema>): Record<string, string | boolean | string[]> {
  const { clientSecret, claimMapping, ...rest } = parsed;
  return {
    ...Object.fromEntries(Object.entries(rest).filter(([, value]) => value !== undefined)),
    ...(claimMapping ? { claimMapping: Object.entries(claimMapping).map(([field, claim]) => `${field}=${claim}`) } : {}),
    ...(clientSecret !== undefined ? { clientSecret: 'changed' } : {}),
  };
}

export interface ConnectionServiceDependencies {
  storage: Storage;
  clock: Clock;
  events: DomainEvents;
  authorizer: Authorizer;
  secrets: SecretSealer;
}

/**
 * The connections to upstream OpenID providers: the server's own (server administrators), and
 * each organization's (its owners and admins). The client secret is write-only: given once,
 * sealed at rest, never returned.
 */
export class ConnectionService {
  readonly #deps: ConnectionServiceDependencies;
  readonly inputSchema = connectionInputSchema;

  constructor(deps: ConnectionServiceDependencies) {
    this.#deps = deps;
  }

  async #authorize(context: RequestContext, orgId: string | null, write: boolean): Promise<void> {
    if (orgId === null) {
      this.#deps.authorizer.requireScope(context.actor, write ? 'orgs:write' : 'orgs:read');
      if (!(await this.#deps.authorizer.isServerAdmin(context.actor))) {
        throw new DomainError('forbidden', "only server administrators may see or change the server's sign-in connections");
      }
      return;
    }
    await this.#deps.authorizer.require(context.actor, orgId, write ? 'connections:manage' : 'connections:read');
  }

  async #load(context: RequestContext, id: string, write: boolean): Promise<ConnectionRecord> {
    const connection = await this.#deps.storage.connections.get(id);
    if (!connection) throw DomainError.notFound(`connection ${id}`);
    if (connection.orgId !== null && !(await this.#deps.authorizer.canSee(context.actor, connection.orgId))) throw DomainError.notFound(`connection ${id}`);
    await this.#authorize(context, connection.orgId, write);
    return connection;
  }

  /** The connections of the server (`orgId` null) or of one organization. */
  async list(context: RequestContext, orgId: string | null): Promise<ConnectionRecord[]> {
    await this.#authorize(context, orgId, false);
    return this.#deps.storage.connections.list(orgId);
  }

  async get(context: RequestContext, id: string): Promise<ConnectionRecord> {
    return this.#load(context, id, false);
  }

  async create(context: RequestContext, orgId: string | null, input: unknown): Promise<ConnectionRecord> {
    await this.#authorize(context, orgId, true);
    if (orgId !== null && !(await this.#deps.storage.organizations.get(orgId))) throw DomainError.notFound(`organization ${orgId}`);
    const parsed = parseOrThrow(connectionInputSchema, input);
    const required = ['name', 'displayName', 'issuer', 'clientId', 'clientSecret'] as const;
    const missing = required.filter((field) => parsed[field] === undefined).map((field) => ({ field, message: 'is required' }));
    if (missing.length > 0) throw DomainError.validation(missing);
    const now = this.#deps.clock.now();
    const connection: ConnectionRecord = {
      id: `con_${randomId(12)}`,
      orgId,
      name: parsed.name!,
      displayName: parsed.displayName!,
      issuer: parsed.issuer!,
      clientId: parsed.clientId!,
      clientSecretJwe: await this.#deps.secrets.seal(parsed.clientSecret!),
      scopes: parsed.scopes ?? defaultConnectionScopes,
      claimMapping: parsed.claimMapping ?? {},
      domains: [...new Set(parsed.domains ?? [])],
      trustUpstreamMfa: parsed.trustUpstreamMfa ?? false,
      enabled: parsed.enabled ?? true,
      createdAt: now,
      updatedAt: now,
    };
    return commitChange(this.#deps, context, async (tx) => {
      if (!(await tx.connections.insert(connection))) throw this.#nameTaken(connection);
      return { result: connection, changes: [connectionChange(connection, 'created', auditedFields(parsed))] };
    });
  }

  async update(context: RequestContext, id: string, input: unknown): Promise<ConnectionRecord> {
    const connection = await this.#load(context, id, true);
    const parsed = parseOrThrow(connectionInputSchema, input);
    const next: ConnectionRecord = {
      ...connection,
      name: parsed.name ?? connection.name,
      displayName: parsed.displayName ?? connection.displayName,
      issuer: parsed.issuer ?? connection.issuer,
      clientId: parsed.clientId ?? connection.clientId,
      clientSecretJwe: parsed.clientSecret === undefined ? connection.clientSecretJwe : await this.#deps.secrets.seal(parsed.clientSecret),
      scopes: parsed.scopes ?? connection.scopes,
      claimMapping: parsed.claimMapping ?? connection.claimMapping,
      domains: parsed.domains ? [...new Set(parsed.domains)] : connection.domains,
      trustUpstreamMfa: parsed.trustUpstreamMfa ?? connection.trustUpstreamMfa,
      enabled: parsed.enabled ?? connection.enabled,
      updatedAt: this.#deps.clock.now(),
    };
    return commitChange(this.#deps, context, async (tx) => {
      if (!(await tx.connections.update(next))) throw this.#nameTaken(next);
      return { result: next, changes: [connectionChange(next, 'updated', auditedFields(parsed))] };
    });
  }

  async delete(context: RequestContext, id: string): Promise<void> {
    const connection = await this.#load(context, id, true);
    await commitChange(this.#deps, context, async (tx) => {
      await tx.connections.delete(connection.id);
      return { result: undefined, changes: [connectionChange(connection, 'deleted', { name: connection.name })] };
    });
  }

  #nameTaken(connection: ConnectionRecord): DomainError {
    const scope = connection.orgId === null ? 'the server' : `organization ${connection.orgId}`;
    return new DomainError('conflict', `${scope} already has a connection named ${connection.name}`, [
      { field: 'name', message: `is taken: ${scope} already has a connection named ${connection.name}` },
    ]);
  }
}
