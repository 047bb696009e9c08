import { z } from 'zod';
import type { ApiRecord } from '../../ports/api-repository.js';
import type { AppRecord } from '../../ports/app-repositories.js';
import type { Clock } from '../../ports/clock.js';
import type { DomainEvents } from '../../ports/domain-events.js';
import type { Storage } from '../../ports/storage.js';
import { randomId } from '../../shared/random.js';
import type { Authorizer } from '../access/authorizer.js';
import { defaultSigningAlgorithm } from '../../contracts/algorithms.js';
import { defaultLifetimes, type MinutesBounds } from '../../contracts/limits.js';
import { appChange } from '../apps/app-service.js';
import { diffChanges, type AuditEntry, type RequestContext } from '../audit/audit-log.js';
import { commitChange, organizationChange, type Change } from '../audit/unit-of-work.js';
import { DomainError } from '../errors.js';
import type { SigningAlgorithm } from '../keys/signing-keys.js';
import { isStandardScope, parseOrThrow, scopeTokenPattern } from '../validation.js';

export interface ApiServiceDependencies {
  storage: Storage;
  clock: Clock;
  authorizer: Authorizer;
  events: DomainEvents;
  accessTokenTtlMinutes: MinutesBounds;
  signingAlgorithms: readonly SigningAlgorithm[];
}

/** An API identifier: an absolute URI without fragment (RFC 8707 §2), used verbatim as `aud`. */
const identifierSchema = z
  .string()
  .min(1)
  .max(255, { error: 'must be at most 255 characters' })
  .refine(
    (value) => {
      if (/\s/.test(value) || value.includes('#')) return false;
      try {
        return new URL(value).protocol.length > 1;
      } catch {
        return false;
      }
    },
    { error: 'must be an absolute URI without a fragment, such as https://api.example.com (RFC 8707 §2)' },
  );

function apiInputSchema(deps: ApiServiceDependencies) {
  const ttl = deps.accessTokenTtlMinutes;
  const ttlMessage = `must be a whole number of minutes from ${ttl.min} to ${ttl.max}`;
  return z
    .object({
      identifier: identifierSchema,
      name: z.string().trim().min(1, { error: 'must not be empty' }).max(100, { error: 'must be at most 100 characters' }),
      scopes: z
        .array(
          z
            .object({
              name: z
                .string()
                .min(1)
                .max(100, { error: 'must be at most 100 characters' })
                .regex(scopeTokenPattern, { error: 'is not a valid scope token (RFC 6749 §3.3: no spaces, quotes or backslashes)' })
                .refine((name) => !isStandardScope(name), { error: 'is reserved by OpenID Connect' }),
              description: z.string().max(500, { error: 'must be at most 500 characters' }).default(''),
            })
            .strict(),
        )
        .max(200, { error: 'an API may define at most 200 scopes' }),
      allowOfflineAccess: z.boolean(),
      tokenFormat: z.enum(['jwt', 'opaque'], { error: 'must be jwt or opaque' }),
      signingAlgorithm: z.enum(deps.signingAlgorithms as [SigningAlgorithm, ...SigningAlgorithm[]], {
        error: `must be one of ${deps.signingAlgorithms.join(', ')}`,
      }),
      accessTokenTtlMinutes: z.number({ error: ttlMessage }).int({ error: ttlMessage }).min(ttl.min, { error: ttlMessage }).max(ttl.max, { error: ttlMessage }),
    })
    .strict()
    .partial();
}

/** A change to an API: its audit row, and the event that names the API by its identifier. */
function apiChange(api: ApiRecord, kind: 'created' | 'updated' | 'deleted', changes: NonNullable<AuditEntry['changes']>): Change {
  const event = { type: `api.${kind}`, orgId: api.orgId, identifier: api.identifier } as const;
  return organizationChange(event, { action: `api.${kind}`, targetType: 'api', targetId: api.id, changes });
}

/** Registered APIs (resource servers): the audiences and scopes apps ask for. */
export class ApiService {
  readonly #deps: ApiServiceDependencies;
  readonly inputSchema: ReturnType<typeof apiInputSchema>;

  constructor(deps: ApiServiceDependencies) {
    this.#deps = deps;
    this.inputSchema = apiInputSchema(deps);
  }

  async #load(context: RequestContext, id: string, permission: 'apis:read' | 'apis:manage'): Promise<ApiRecord> {
    const api = (await this.#deps.storage.apis.get(id)) ?? (await this.#deps.storage.apis.getByIdentifier(id));
    if (!api) throw DomainError.notFound(`API ${id}`);
    if (!(await this.#deps.authorizer.canSee(context.actor, api.orgId))) throw DomainError.notFound(`API ${id}`);
    await this.#deps.authorizer.require(context.actor, api.orgId, permission);
    return api;
  }

  #checkScopes(api: Pick<ApiRecord, 'scopes'>): void {
    const seen = new Set<string>();
    const problems = api.scopes.flatMap((scope, index) => {
      const duplicate = seen.has(scope.name);
      seen.add(scope.name);
      return duplicate ? [{ field: `scopes[${index}].name`, message: `${scope.name} is listed twice` }] : [];
    });
    if (problems.length > 0) throw DomainError.validation(problems);
  }

  async create(context: RequestContext, orgId: string, input: unknown): Promise<ApiRecord> {
    await this.#deps.authorizer.require(context.actor, orgId, 'apis:manage');
    if (!(await this.#deps.storage.organizations.get(orgId))) throw DomainError.notFound(`organization ${orgId}`);
    const parsed = parseOrThrow(this.inputSchema, input);
    const missing = [
      ...(parsed.identifier === undefined ? [{ field: 'identifier', message: 'is required: the URI apps will use as audience' }] : []),
      ...(parsed.name === undefined ? [{ field: 'name', message: 'is required' }] : []),
    ];
    if (missing.length > 0 || !parsed.identifier || !parsed.name) throw DomainError.validation(missing);
    const now = this.#deps.clock.now();
    const api: ApiRecord = {
      id: `api_${randomId(12)}`,
      orgId,
      identifier: parsed.identifier,
      name: parsed.name,
      scopes: parsed.scopes ?? [],
      allowOfflineAccess: parsed.allowOfflineAccess ?? false,
      tokenFormat: parsed.tokenFormat ?? 'jwt',
      signingAlgorithm: parsed.signingAlgorithm ?? defaultSigningAlgorithm,
      accessTokenTtlMinutes: parsed.accessTokenTtlMinutes ?? defaultLifetimes.accessTokenTtlMinutes,
      createdAt: now,
      updatedAt: now,
    };
    this.#checkScopes(api);
    const changes = { identifier: api.identifier, name: api.name, scopes: api.scopes.map((scope) => scope.name), tokenFormat: api.tokenFormat };
    return commitChange(this.#deps, context, async (tx) => {
      if (!(await tx.apis.insert(api))) {
        throw new DomainError('conflict', `an API with identifier ${api.identifier} already exists; identifiers are unique across the server`);
      }
      return { result: api, changes: [apiChange(api, 'created', changes)] };
    });
  }

  async get(context: RequestContext, id: string): Promise<ApiRecord> {
    return this.#load(context, id, 'apis:read');
  }

  async list(context: RequestContext, orgId: string, query: { search?: string; offset: number; limit: number }) {
    await this.#deps.authorizer.require(context.actor, orgId, 'apis:read');
    return this.#deps.storage.apis.list({ ...query, orgId });
  }

  async update(context: RequestContext, id: string, input: unknown): Promise<ApiRecord> {
    const current = await this.#load(context, id, 'apis:manage');
    const parsed = parseOrThrow(this.inputSchema, input);
    if (parsed.identifier !== undefined && parsed.identifier !== current.identifier) {
      throw DomainError.validation([{ field: 'identifier', message: "an API's identifier can't change: tokens already carry it as their audience" }]);
    }
    const next: ApiRecord = {
      ...current,
      name: parsed.name ?? current.name,
      scopes: parsed.scopes ?? current.scopes,
      allowOfflineAccess: parsed.allowOfflineAccess ?? current.allowOfflineAccess,
      tokenFormat: parsed.tokenFormat ?? current.tokenFormat,
      signingAlgorithm: parsed.signingAlgorithm ?? current.signingAlgorithm,
      accessTokenTtlMinutes: parsed.accessTokenTtlMinutes ?? current.accessTokenTtlMinutes,
      updatedAt: this.#deps.clock.now(),
    };
    this.#checkScopes(next);
    const { updatedAt: _a, ...before } = current;
    const { updatedAt: _b, ...after } = next;
    const changes = diffChanges(before, after);
    if (Object.keys(changes).length === 0) return current;
    return commitChange(this.#deps, context, async (tx) => {
      await tx.apis.update(next);
      const pruned = await this.#pruneAppReferences(tx, next.orgId, current, next);
      return { result: next, changes: [...pruned, apiChange(next, 'updated', changes)] };
    });
  }

  async delete(context: RequestContext, id: string): Promise<void> {
    const api = await this.#load(context, id, 'apis:manage');
    await commitChange(this.#deps, context, async (tx) => {
      await tx.apis.delete(api.id);
      const pruned = await this.#pruneAppReferences(tx, api.orgId, api, null);
      return { result: undefined, changes: [...pruned, apiChange(api, 'deleted', { identifier: api.identifier })] };
    });
  }

  /**
   * Apps that named a scope or audience the API no longer has lose it, so that no app is left with
   * settings that fail validation. Each app changed is a change of its own.
   */
  async #pruneAppReferences(tx: Storage, orgId: string, before: ApiRecord, after: ApiRecord | null): Promise<Change[]> {
    const remaining = new Set((after?.scopes ?? []).map((scope) => scope.name));
    const removed = before.scopes.map((scope) => scope.name).filter((name) => !remaining.has(name));
    if (removed.length === 0 && after) return [];
    const otherApis = (await tx.apis.list({ orgId, offset: 0, limit: 10_000 })).items.filter((api) => api.id !== before.id);
    const stillDefined = new Set(otherApis.flatMap((api) => api.scopes.map((scope) => scope.name)));
    const { items } = await tx.apps.list({ orgId, kind: 'all', offset: 0, limit: 100_000 });
    const pruned: Change[] = [];
    for (const app of items) {
      const settings = app.settings;
      const scopes = settings.scopes.filter((scope) => !removed.includes(scope) || stillDefined.has(scope));
      const apiGrants = settings.apiGrants
        .filter((grant) => after !== null || grant.audience !== before.identifier)
        .map((grant) => (grant.audience === before.identifier ? { ...grant, scopes: grant.scopes.filter((scope) => remaining.has(scope)) } : grant))
        .filter((grant) => grant.scopes.length > 0);
      const defaultAudience = after === null && settings.defaultAudience === before.identifier ? null : settings.defaultAudience;
      const next: AppRecord = { ...app, settings: { ...settings, scopes, apiGrants, defaultAudience } };
      const changes = diffChanges(app.settings, next.settings);
      if (Object.keys(changes).length === 0) continue;
      await tx.apps.update(next);
      const reason = `API ${before.identifier} ${after ? 'lost scopes' : 'was deleted'}`;
      pruned.push(appChange(next, 'updated', { action: 'app.updated', changes: { ...changes, reason } }));
    }
    return pruned;
  }
}
