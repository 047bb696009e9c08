import { z } from 'zod';
import type { AppRecord } from '../../ports/app-repositories.js';
import type { Storage } from '../../ports/storage.js';
import type { Authorizer } from '../access/authorizer.js';
import type { RequestContext } from '../audit/audit-log.js';
import { DomainError } from '../errors.js';
import { permissionTable, roleAllows } from '../../contracts/permissions.js';
import { parseOrThrow, scopeTokenPattern } from '../validation.js';
import type { AppService, CreatedApp } from './app-service.js';

/** What a user asks for when making client credentials. */
export const credentialInputSchema = z
  .object({
    name: z.string().trim().min(1, { error: 'must not be empty' }).max(100, { error: 'must be at most 100 characters' }),
    description: z.string().max(1000).optional(),
    userId: z.string().min(1).optional(),
    apiGrants: z
      .array(
        z
          .object({
            audience: z.string().min(1).max(255),
            scopes: z.array(z.string().regex(scopeTokenPattern, { error: 'is not a valid scope token (RFC 6749 §3.3)' })).max(200),
          })
          .strict(),
      )
      .min(1, { error: 'name at least one audience + scope pair' })
      .max(50),
  })
  .strict();

/**
 * Per-user OAuth 2.0 client credentials: machine credentials owned by a
 * user, holding only audience + scope pairs of the organization's APIs. A user makes their own;
 * an owner or admin makes them for another member. The secret is shown once.
 */
export class CredentialService {
  readonly #storage: Storage;
  readonly #authorizer: Authorizer;
  readonly #apps: AppService;

  constructor(storage: Storage, authorizer: Authorizer, apps: AppService) {
    this.#storage = storage;
    this.#authorizer = authorizer;
    this.#apps = apps;
  }

  async create(context: RequestContext, orgId: string, input: unknown): Promise<CreatedApp> {
    const { actor } = context;
    if (actor.kind === 'client') {
      if (!(await this.#authorizer.canSee(actor, orgId))) throw DomainError.notFound(`organization ${orgId}`);
      throw new DomainError('forbidden', 'per-user client credentials belong to people: an app acting for itself may not make them');
    }
    const parsed = parseOrThrow(credentialInputSchema, input);
    const ownerUserId = parsed.userId ?? (actor.kind === 'user' ? actor.userId : undefined);
    if (!ownerUserId) {
      throw DomainError.validation([{ field: 'userId', message: 'name the user the credentials belong to' }]);
    }
    const own = actor.kind === 'user' && actor.userId === ownerUserId;
    await this.#authorizer.require(actor, orgId, own ? 'credentials:create_own' : 'credentials:manage');
    const membership = await this.#storage.organizations.getMembership(orgId, ownerUserId);
    if (!membership) {
      throw DomainError.validation([{ field: 'userId', message: 'client credentials can belong only to a member of the organization' }]);
    }
    return this.#apps.createParsed(
      context,
      orgId,
      {
        name: parsed.name,
        description: parsed.description ?? '',
        type: 'm2m',
        apiGrants: parsed.apiGrants,
        scopes: [],
      },
      ownerUserId,
    );
  }

  /** The caller's own credentials, or (with credentials:manage) those of one member or of everyone. */
  async list(context: RequestContext, orgId: string, filter: { userId?: string; offset: number; limit: number }) {
    const { actor } = context;
    this.#authorizer.requireScope(actor, permissionTable['credentials:read'].scope);
    if (!(await this.#authorizer.canSee(actor, orgId))) throw DomainError.notFound(`organization ${orgId}`);
    const role = await this.#authorizer.roleIn(actor, orgId);
    if (!role) throw new DomainError('forbidden', 'per-user client credentials belong to people: an app acting for itself may not list them');
    const ownId = actor.kind === 'user' ? actor.userId : undefined;
    const onlyOwn = filter.userId !== undefined && filter.userId === ownId;
    if (!onlyOwn && !roleAllows(role, 'credentials:manage')) {
      if (!ownId || filter.userId !== undefined) {
        throw new DomainError('forbidden', `the ${role} role may see only its own client credentials (credentials:manage needs owner or admin)`);
      }
      return this.#storage.apps.list({ orgId, kind: 'credentials', ownerUserId: ownId, offset: filter.offset, limit: filter.limit });
    }
    return this.#storage.apps.list({
      orgId,
      kind: 'credentials',
      ...(filter.userId ? { ownerUserId: filter.userId } : {}),
      offset: filter.offset,
      limit: filter.limit,
    });
  }

  async get(context: RequestContext, clientId: string): Promise<AppRecord> {
    const app = await this.#apps.get(context, clientId);
    if (!app.ownerUserId) throw DomainError.notFound(`client credentials ${clientId}`);
    return app;
  }

  /** Deleting and rotating need credentials:write only: the app service checks it, once this is known to be credentials. */
  async delete(context: RequestContext, clientId: string): Promise<void> {
    await this.#requireCredentials(context, clientId);
    await this.#apps.delete(context, clientId);
  }

  async rotateSecret(context: RequestContext, clientId: string, options: { gracePeriodSeconds?: number } = {}) {
    await this.#requireCredentials(context, clientId);
    return this.#apps.rotateSecret(context, clientId, options);
  }

  async listSecrets(context: RequestContext, clientId: string) {
    await this.#requireCredentials(context, clientId);
    return this.#apps.listSecrets(context, clientId);
  }

  async endPreviousSecrets(context: RequestContext, clientId: string) {
    await this.#requireCredentials(context, clientId);
    return this.#apps.endPreviousSecrets(context, clientId);
  }

  /** Refuses, as reading it would, a client id that is not per-user client credentials. */
  async #requireCredentials(context: RequestContext, clientId: string): Promise<void> {
    if (!(await this.#storage.apps.get(clientId))?.ownerUserId) await this.get(context, clientId);
  }
}
