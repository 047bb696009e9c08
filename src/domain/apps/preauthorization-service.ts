import { z } from 'zod';
import type { ApiRecord } from '../../ports/api-repository.js';
import type { AppRecord, JsonValue } from '../../ports/app-repositories.js';
import type { Clock } from '../../ports/clock.js';
import type { DomainEvents } from '../../ports/domain-events.js';
import type { UserRecord } from '../../ports/identity-repositories.js';
import type { PreAuthorizationRecord } from '../../ports/preauthorization-repository.js';
import type { Storage } from '../../ports/storage.js';
import { randomId } from '../../shared/random.js';
import { auditActorOf } from '../access/actor.js';
import type { Authorizer } from '../access/authorizer.js';
import type { RequestContext } from '../audit/audit-log.js';
import { commitChange, organizationChange, type Change } from '../audit/unit-of-work.js';
import { DomainError, type FieldProblem } from '../errors.js';
import { findUser } from '../identity/user-service.js';
import { roles } from '../../contracts/permissions.js';
import { isStandardScope, parseOrThrow, scopeTokenPattern } from '../validation.js';
import { isBuiltInApp } from './built-in.js';

export const preAuthorizationInputSchema = z
  .object({
    user: z.string().min(1).max(254).optional().describe('The user, by id or email'),
    role: z
      .enum(roles, { error: `must be one of ${roles.join(', ')}` })
      .optional()
      .describe("Every member of the app's organization with this role"),
    scopes: z
      .array(z.string().regex(scopeTokenPattern, { error: 'is not a valid scope token (RFC 6749 §3.3)' }))
      .min(1, { error: 'name at least one scope' })
      .max(200),
    audiences: z.array(z.string().min(1).max(255)).max(20).optional().describe("Identifiers of the APIs it covers; the app's default audience when omitted"),
  })
  .strict()
  .refine((input) => (input.user === undefined) !== (input.role === undefined), {
    error: 'name either a user or a role, not both',
    path: ['user'],
  });

export interface PreAuthorizationServiceDependencies {
  storage: Storage;
  clock: Clock;
  authorizer: Authorizer;
  events: DomainEvents;
  /** APIs no organization owns (the management API): server administrators alone may pre-authorize for them. */
  builtInApis: readonly ApiRecord[];
}

/** A pre-authorization made or taken back changes its app: the audit row targets the app, the event is app.updated. */
function preAuthorizationChange(app: AppRecord, action: string, changes: Record<string, JsonValue>): Change {
  return organizationChange({ type: 'app.updated', orgId: app.orgId, clientId: app.clientId }, { action, targetType: 'app', targetId: app.clientId, changes });
}

export interface PreAuthorizationView extends PreAuthorizationRecord {
  /** The user's email, for user pre-authorizations. */
  email: string | null;
}

/**
 * Pre-authorizations: an administrator authorizes people for an app, in place of their consent
 * (the JWT bearer grant, RFC 7523 §2.1, needs one or a consent). A server administrator may
 * pre-authorize anyone for anything the app may ask; an owner or admin of the app's organization
 * only its members, and only for the organization's own APIs, never the management API.
 */
export class PreAuthorizationService {
  readonly #deps: PreAuthorizationServiceDependencies;

  constructor(deps: PreAuthorizationServiceDependencies) {
    this.#deps = deps;
  }

  async #app(context: RequestContext, clientId: string): Promise<AppRecord> {
    const app = await this.#deps.storage.apps.get(clientId);
    if (!app || !(await this.#deps.authorizer.canSee(context.actor, app.orgId))) throw DomainError.notFound(`app ${clientId}`);
    return app;
  }

  async list(context: RequestContext, clientId: string): Promise<PreAuthorizationView[]> {
    const app = await this.#app(context, clientId);
    await this.#deps.authorizer.require(context.actor, app.orgId, 'apps:read');
    const records = await this.#deps.storage.preAuthorizations.listForApp(clientId);
    const views: PreAuthorizationView[] = [];
    for (const record of records) {
      const user = record.userId ? await this.#deps.storage.users.get(record.userId) : undefined;
      views.push({ ...record, email: user?.email ?? null });
    }
    return views;
  }

  /** Whether the actor is a server administrator; anyone else must be a person allowed to pre-authorize in the app's organization. */
  async #requirePreAuthorizer(context: RequestContext, app: AppRecord): Promise<boolean> {
    const { authorizer } = this.#deps;
    const serverAdmin = await authorizer.isServerAdmin(context.actor);
    if (!serverAdmin) await authorizer.requirePerson(context.actor, app.orgId, 'apps:preauthorize');
    else authorizer.requireScope(context.actor, 'apps:write');
    return serverAdmin;
  }

  /** The user the input names, if any; an organization's owners and admins may name only its members. */
  async #namedUser(app: AppRecord, reference: string | undefined, serverAdmin: boolean, problems: FieldProblem[]): Promise<UserRecord | undefined> {
    if (reference === undefined) return undefined;
    const { storage } = this.#deps;
    const user = await findUser(storage.users, reference);
    if (!user) {
      problems.push({ field: 'user', message: `no user ${reference}` });
      return undefined;
    }
    if (!serverAdmin && !(await storage.organizations.getMembership(app.orgId, user.id))) {
      throw new DomainError('forbidden', "an organization's owners and admins may pre-authorize only its members; ask a server administrator for anyone else");
    }
    return user;
  }

  /** The APIs the audiences identify: the organization's own, or the management API for a server administrator. */
  async #coveredApis(app: AppRecord, audiences: readonly string[], serverAdmin: boolean, problems: FieldProblem[]): Promise<ApiRecord[]> {
    const orgApis = (await this.#deps.storage.apis.list({ orgId: app.orgId, offset: 0, limit: 10_000 })).items;
    const apis: ApiRecord[] = [];
    audiences.forEach((audience, index) => {
      const reserved = this.#deps.builtInApis.find((api) => api.identifier === audience);
      if (reserved) {
        if (!serverAdmin) {
          throw new DomainError('forbidden', `only a server administrator may pre-authorize anyone for the Latchkey management API (${audience})`);
        }
        if (!app.settings.security.managementApiAccess) {
          problems.push({
            field: `audiences[${index}]`,
            message: `${audience} is the Latchkey management API, and this app is not allowed tokens for it (security.managementApiAccess)`,
          });
        }
        apis.push(reserved);
        return;
      }
      const api = orgApis.find((candidate) => candidate.identifier === audience);
      if (!api) problems.push({ field: `audiences[${index}]`, message: `${audience} is not the identifier of an API in this organization` });
      else apis.push(api);
    });
    return apis;
  }

  async create(context: RequestContext, clientId: string, input: unknown): Promise<PreAuthorizationView> {
    const app = await this.#app(context, clientId);
    const serverAdmin = await this.#requirePreAuthorizer(context, app);
    if (isBuiltInApp(clientId)) throw new DomainError('invalid_state', `${app.name} is built in: it needs no pre-authorization`);
    if (app.ownerUserId) throw new DomainError('invalid_state', 'client credentials act for themselves: there is no one to pre-authorize');
    const parsed = parseOrThrow(preAuthorizationInputSchema, input);

    const problems: FieldProblem[] = [];
    const user = await this.#namedUser(app, parsed.user, serverAdmin, problems);
    const audiences = [...new Set(parsed.audiences ?? (app.settings.defaultAudience ? [app.settings.defaultAudience] : []))];
    const apis = await this.#coveredApis(app, audiences, serverAdmin, problems);
    problems.push(...checkPreAuthorizedScopes(app, parsed.scopes, apis, audiences));
    if (problems.length > 0) throw DomainError.validation(problems);

    const now = this.#deps.clock.now();
    const record: PreAuthorizationRecord = {
      id: `pre_${randomId(12)}`,
      clientId,
      userId: user?.id ?? null,
      role: parsed.role ?? null,
      scopes: [...new Set(parsed.scopes)],
      audiences,
      authority: serverAdmin ? 'server' : 'organization',
      createdBy: auditActorOf(context.actor).label,
      createdAt: now,
    };
    const changes = {
      preAuthorization: record.id,
      ...(user ? { user: user.email } : { role: record.role }),
      scopes: record.scopes,
      audiences: record.audiences,
      authority: record.authority,
    };
    return commitChange(this.#deps, context, async (tx) => {
      await tx.preAuthorizations.insert(record);
      return { result: { ...record, email: user?.email ?? null }, changes: [preAuthorizationChange(app, 'app.preauthorized', changes)] };
    });
  }

  /** Takes a pre-authorization back; one a server administrator made is theirs to take back. */
  async delete(context: RequestContext, clientId: string, id: string): Promise<void> {
    const app = await this.#app(context, clientId);
    const serverAdmin = await this.#requirePreAuthorizer(context, app);
    const record = (await this.#deps.storage.preAuthorizations.listForApp(clientId)).find((candidate) => candidate.id === id);
    if (!record) throw DomainError.notFound(`pre-authorization ${id}`);
    if (record.authority === 'server' && !serverAdmin) {
      throw new DomainError('forbidden', 'a server administrator made this pre-authorization: only a server administrator may take it back');
    }
    await commitChange(this.#deps, context, async (tx) => {
      if (!(await tx.preAuthorizations.delete(clientId, id))) throw DomainError.notFound(`pre-authorization ${id}`);
      return { result: undefined, changes: [preAuthorizationChange(app, 'app.preauthorization_deleted', { preAuthorization: id })] };
    });
  }
}

/** Each scope must be one the app may ask for and, unless OpenID Connect's own, belong to an API covered. */
function checkPreAuthorizedScopes(app: AppRecord, scopes: readonly string[], apis: readonly ApiRecord[], audiences: readonly string[]): FieldProblem[] {
  const problems: FieldProblem[] = [];
  scopes.forEach((scope, index) => {
    if (!app.settings.scopes.includes(scope)) {
      problems.push({ field: `scopes[${index}]`, message: `${scope} is not one of the scopes this app may ask for` });
    } else if (!isStandardScope(scope) && !apis.some((api) => api.scopes.some((candidate) => candidate.name === scope))) {
      problems.push({ field: `scopes[${index}]`, message: `${scope} is not a scope of the APIs it covers (${audiences.join(', ') || 'none named'})` });
    }
  });
  return problems;
}
