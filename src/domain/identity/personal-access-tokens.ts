import { z } from 'zod';
import { defaultPersonalTokenLifetimeDays, maxPersonalTokenLifetimeDays } from '../../contracts/limits.js';
import type { Clock } from '../../ports/clock.js';
import type { DomainEvents } from '../../ports/domain-events.js';
import type { PersonalAccessTokenRecord } from '../../ports/identity-repositories.js';
import type { Storage } from '../../ports/storage.js';
import { generateOpaqueSecret, isWellFormedSecret, type SecretHasher } from '../../shared/opaque-secret.js';
import { randomId } from '../../shared/random.js';
import { allManagementScopes, isManagementScope } from '../../contracts/scopes.js';
import type { Actor } from '../access/actor.js';
import type { Authorizer } from '../access/authorizer.js';
import type { RequestContext } from '../audit/audit-log.js';
import { commitChange, serverChange, type ChangeDependencies } from '../audit/unit-of-work.js';
import { DomainError } from '../errors.js';
import { parseOrThrow } from '../validation.js';
import { findUser } from './user-service.js';

const createTokenSchema = z
  .object({
    name: z.string().trim().min(1, { error: 'must not be empty' }).max(100),
    scopes: z
      .array(z.string().refine(isManagementScope, { error: `must be one of ${allManagementScopes.join(', ')}` }))
      .min(1, { error: 'name at least one scope' }),
    expiresInDays: z
      .number()
      .int()
      .min(1, { error: `must be from 1 to ${maxPersonalTokenLifetimeDays} days` })
      .max(maxPersonalTokenLifetimeDays, { error: `must be from 1 to ${maxPersonalTokenLifetimeDays} days` })
      .default(defaultPersonalTokenLifetimeDays),
  })
  .strict();

/**
 * Personal access tokens for the management API: prefixed (`lk_pat_`), stored as a keyed hash,
 * scoped and expiring. They act as their user, within their scopes.
 */
export class PersonalAccessTokens {
  readonly #storage: Storage;
  readonly #clock: Clock;
  readonly #authorizer: Authorizer;
  readonly #hasher: SecretHasher;
  readonly #changes: ChangeDependencies;

  constructor(storage: Storage, clock: Clock, authorizer: Authorizer, hasher: SecretHasher, events: DomainEvents) {
    this.#storage = storage;
    this.#clock = clock;
    this.#authorizer = authorizer;
    this.#hasher = hasher;
    this.#changes = { storage, clock, events };
  }

  /** Makes a token for a user: operators for anyone, users for themselves within their own token's scopes. */
  async create(context: RequestContext, userIdOrEmail: string, input: unknown): Promise<{ record: PersonalAccessTokenRecord; token: string }> {
    const user = await findUser(this.#storage.users, userIdOrEmail);
    if (!user) throw DomainError.notFound(`user ${userIdOrEmail}`);
    const { actor } = context;
    const self = actor.kind === 'user' && actor.userId === user.id;
    if (!self) await this.#authorizer.requireServerAdmin(actor, 'users:write');
    const parsed = parseOrThrow(createTokenSchema, input);
    const scopes = parsed.scopes;
    if (actor.kind === 'user') {
      const beyond = scopes.filter((scope) => !actor.scopes.has(scope));
      if (beyond.length > 0) throw new DomainError('forbidden', `a token can't grant scopes its maker lacks: ${beyond.join(', ')}`);
    }
    const now = this.#clock.now();
    const token = generateOpaqueSecret('pat');
    const record: PersonalAccessTokenRecord = {
      id: `pat_${randomId(12)}`,
      userId: user.id,
      name: parsed.name,
      tokenHash: this.#hasher.hash(token),
      scopes,
      createdAt: now,
      expiresAt: now + parsed.expiresInDays * 24 * 3600 * 1000,
      lastUsedAt: null,
      revokedAt: null,
    };
    const changes = { user: user.email, name: record.name, scopes, expiresAt: new Date(record.expiresAt).toISOString() };
    return commitChange(this.#changes, context, async (tx) => {
      await tx.personalAccessTokens.insert(record);
      const event = { type: 'pat.created', userId: user.id, tokenId: record.id } as const;
      return {
        result: { record, token },
        changes: [serverChange(event, { action: 'token.created', targetType: 'personal_access_token', targetId: record.id, changes })],
      };
    });
  }

  async list(context: RequestContext, userIdOrEmail: string): Promise<PersonalAccessTokenRecord[]> {
    return this.#tokensOf(context, userIdOrEmail, 'users:read');
  }

  /** Someone else's tokens: a server administrator's to see (users:read) or to revoke (users:write). */
  async #tokensOf(context: RequestContext, userIdOrEmail: string, scope: 'users:read' | 'users:write'): Promise<PersonalAccessTokenRecord[]> {
    const user = await findUser(this.#storage.users, userIdOrEmail);
    if (!user) throw DomainError.notFound(`user ${userIdOrEmail}`);
    if (!(context.actor.kind === 'user' && context.actor.userId === user.id)) {
      await this.#authorizer.requireServerAdmin(context.actor, scope);
    }
    return this.#storage.personalAccessTokens.listForUser(user.id);
  }

  async revoke(context: RequestContext, userIdOrEmail: string, tokenId: string): Promise<void> {
    const tokens = await this.#tokensOf(context, userIdOrEmail, 'users:write');
    const token = tokens.find((candidate) => candidate.id === tokenId);
    if (!token) throw DomainError.notFound(`token ${tokenId}`);
    await commitChange(this.#changes, context, async (tx) => {
      if (!(await tx.personalAccessTokens.revoke(tokenId, token.userId, this.#clock.now()))) {
        throw new DomainError('invalid_state', 'the token was already revoked');
      }
      const event = { type: 'pat.revoked', userId: token.userId, tokenId } as const;
      return {
        result: undefined,
        changes: [serverChange(event, { action: 'token.revoked', targetType: 'personal_access_token', targetId: tokenId, changes: { name: token.name } })],
      };
    });
  }

  /** The actor a bearer token stands for, or null when it is unknown, expired or revoked. */
  async authenticate(token: string): Promise<Actor | null> {
    if (!isWellFormedSecret(token, 'pat')) return null;
    const record = await this.#hasher.findByHash(token, (hash) => this.#storage.personalAccessTokens.getByHash(hash));
    const now = this.#clock.now();
    if (!record || record.revokedAt !== null || record.expiresAt <= now) return null;
    const user = await this.#storage.users.get(record.userId);
    if (!user || user.disabledAt !== null) return null;
    // Record use at most once a minute, so that reads don't become writes.
    if (record.lastUsedAt === null || now - record.lastUsedAt > 60_000) await this.#storage.personalAccessTokens.touch(record.id, now);
    return { kind: 'user', userId: user.id, email: user.email, scopes: new Set(record.scopes.filter(isManagementScope)) };
  }
}
