import { z } from 'zod';
import type { Clock } from '../../ports/clock.js';
import type { DomainEvents } from '../../ports/domain-events.js';
import { emptyProfile, type UserRecord, type UserRepository } from '../../ports/identity-repositories.js';
import type { PasswordHasher } from '../../ports/password-hasher.js';
import type { Storage } from '../../ports/storage.js';
import { randomId } from '../../shared/random.js';
import type { Authorizer } from '../access/authorizer.js';
import type { JsonValue } from '../../ports/app-repositories.js';
import type { RequestContext } from '../audit/audit-log.js';
import { commitChange, serverChange, type Change, type ChangeDependencies } from '../audit/unit-of-work.js';
import { DomainError } from '../errors.js';
import { parseOrThrow } from '../validation.js';
import { mailPasswordLink } from './account-mail.js';
import { passwordSchema } from './password-policy.js';
import type { SecondFactorMethod, SecondFactors } from './second-factors.js';
import { endSessionsIn } from './sessions.js';
import type { SessionRecord } from '../../ports/oauth-repositories.js';

const createUserSchema = z
  .object({
    email: z
      .email({ error: 'must be an email address' })
      .max(254)
      .transform((email) => email.toLowerCase()),
    name: z.string().trim().max(100).optional(),
    password: passwordSchema.optional(),
    emailVerified: z.boolean().optional(),
    isAdmin: z.boolean().optional(),
  })
  .strict();

const updateUserSchema = z
  .object({
    name: z.string().trim().max(100),
    password: passwordSchema,
    emailVerified: z.boolean(),
    isAdmin: z.boolean(),
    disabled: z.boolean(),
  })
  .strict()
  .partial();

/** A user named by id or by email, as every use case and the CLI accept. */
export function findUser(users: UserRepository, idOrEmail: string): Promise<UserRecord | undefined> {
  return idOrEmail.includes('@') ? users.getByEmail(idOrEmail.toLowerCase()) : users.get(idOrEmail);
}

/** A change to a user account: server-wide, the audit row targets the user. */
type UserEventType = 'user.created' | 'user.updated' | 'user.deleted' | 'user.disabled' | 'user.enabled' | 'user.unlocked' | 'user.password_reset_sent';

function userChange(type: UserEventType, user: UserRecord, changes: Record<string, JsonValue>): Change {
  return serverChange({ type, userId: user.id }, { action: type, targetType: 'user', targetId: user.id, changes });
}

/** What an update changed, for the audit row: the fields given, never the password itself. */
function updateAuditChanges(parsed: z.infer<typeof updateUserSchema>): Record<string, JsonValue> {
  return {
    ...(parsed.name !== undefined ? { name: parsed.name } : {}),
    ...(parsed.password !== undefined ? { password: 'changed' } : {}),
    ...(parsed.isAdmin !== undefined ? { isAdmin: parsed.isAdmin } : {}),
    ...(parsed.emailVerified !== undefined ? { emailVerified: parsed.emailVerified } : {}),
    ...(parsed.disabled !== undefined ? { disabled: parsed.disabled } : {}),
  };
}

/** Whether a user has two-step verification on, as the user view shows it. */
export interface SecondFactorSummary {
  /** Confirmed authenticator apps. */
  totp: number;
  recoveryCodesLeft: number;
  /** Every way the user can prove a second factor (passkeys included); empty when two-step is off. */
  methods: SecondFactorMethod[];
}

/** Users of this server: people who sign in, own credentials and belong to organizations. */
export class UserService {
  readonly #storage: Storage;
  readonly #clock: Clock;
  readonly #authorizer: Authorizer;
  readonly #passwords: PasswordHasher;
  readonly #changes: ChangeDependencies;
  readonly #issuer: string;
  readonly #secondFactors: SecondFactors;
  readonly #removeOtherFactors: (tx: Storage, userId: string) => Promise<number>;

  /** `issuer` (no trailing slash) starts the links in the mail it queues. */
  constructor(
    storage: Storage,
    clock: Clock,
    authorizer: Authorizer,
    passwords: PasswordHasher,
    events: DomainEvents,
    issuer: string,
    secondFactors: SecondFactors,
    removeOtherFactors: (tx: Storage, userId: string) => Promise<number> = () => Promise.resolve(0),
  ) {
    this.#issuer = issuer;
    this.#secondFactors = secondFactors;
    this.#removeOtherFactors = removeOtherFactors;
    this.#storage = storage;
    this.#clock = clock;
    this.#authorizer = authorizer;
    this.#passwords = passwords;
    this.#changes = { storage, clock, events };
  }

  /**
   * Creates a user. Without a password the user is mailed an `account-created` link that sets
   * the first one (a reset link that lives 72 hours), queued in the same transaction.
   */
  async create(context: RequestContext, input: unknown): Promise<UserRecord> {
    await this.#authorizer.requireServerAdmin(context.actor, 'users:write');
    const parsed = parseOrThrow(createUserSchema, input);
    const now = this.#clock.now();
    const user: UserRecord = {
      id: `usr_${randomId(12)}`,
      email: parsed.email,
      name: parsed.name ?? parsed.email.split('@')[0] ?? parsed.email,
      passwordHash: parsed.password ? await this.#passwords.hash(parsed.password) : null,
      emailVerified: parsed.emailVerified ?? false,
      isAdmin: parsed.isAdmin ?? false,
      disabledAt: null,
      lockedUntil: null,
      profile: emptyProfile,
      createdAt: now,
      updatedAt: now,
    };
    const changes = { email: user.email, name: user.name, isAdmin: user.isAdmin, password: user.passwordHash ? 'set' : 'unset' };
    return commitChange(this.#changes, context, async (tx) => {
      if (!(await tx.users.insert(user))) throw new DomainError('conflict', `a user with email ${user.email} already exists`);
      if (!user.passwordHash) await mailPasswordLink(tx, this.#issuer, user, 'account-created', now);
      return { result: user, changes: [userChange('user.created', user, changes)] };
    });
  }

  /** A user by id or email; server administrators see everyone, users themselves. */
  async get(context: RequestContext, idOrEmail: string): Promise<UserRecord> {
    return this.#find(context, idOrEmail, 'users:read');
  }

  /** A user for reading or (with users:write) changing: changing someone else needs no read scope besides. */
  async #find(context: RequestContext, idOrEmail: string, scope: 'users:read' | 'users:write'): Promise<UserRecord> {
    const user = await findUser(this.#storage.users, idOrEmail);
    const self = context.actor.kind === 'user' && user?.id === context.actor.userId;
    if (!self) await this.#authorizer.requireServerAdmin(context.actor, scope);
    if (!user) throw DomainError.notFound(`user ${idOrEmail}`);
    return user;
  }

  async list(context: RequestContext, query: { search?: string; offset: number; limit: number }) {
    await this.#authorizer.requireServerAdmin(context.actor, 'users:read');
    return this.#storage.users.list(query);
  }

  async update(context: RequestContext, idOrEmail: string, input: unknown): Promise<UserRecord> {
    const user = await this.#find(context, idOrEmail, 'users:write');
    const parsed = parseOrThrow(updateUserSchema, input);
    const self = context.actor.kind === 'user' && context.actor.userId === user.id;
    if (parsed.isAdmin !== undefined || parsed.emailVerified !== undefined || parsed.disabled !== undefined || !self) {
      await this.#authorizer.requireServerAdmin(context.actor, 'users:write');
    }
    if (parsed.disabled === true && self) {
      throw DomainError.validation([{ field: 'disabled', message: "you can't disable yourself; ask another server administrator" }]);
    }
    const now = this.#clock.now();
    const disabledAt = parsed.disabled === undefined ? user.disabledAt : parsed.disabled ? (user.disabledAt ?? now) : null;
    const next: UserRecord = {
      ...user,
      name: parsed.name ?? user.name,
      passwordHash: parsed.password ? await this.#passwords.hash(parsed.password) : user.passwordHash,
      emailVerified: parsed.emailVerified ?? user.emailVerified,
      isAdmin: parsed.isAdmin ?? user.isAdmin,
      disabledAt,
      updatedAt: now,
    };
    const changes = updateAuditChanges(parsed);
    return commitChange(this.#changes, context, async (tx) => {
      await tx.users.update(next);
      // Disabling through an update ends the sessions too, as disable() does.
      const ended = user.disabledAt === null && next.disabledAt !== null ? (await endSessionsIn(tx, user.id, { all: true }, now, 'user disabled')).changes : [];
      return { result: next, changes: [userChange('user.updated', next, changes), ...ended] };
    });
  }

  /**
   * Disables a user: they can't sign in, their sessions end, and their tokens stop working at once
   * (every token check reads the user). A server administrator can't disable themselves.
   */
  async disable(context: RequestContext, idOrEmail: string): Promise<UserRecord> {
    const user = await this.#adminFind(context, idOrEmail);
    if (context.actor.kind === 'user' && context.actor.userId === user.id) {
      throw new DomainError('invalid_state', "you can't disable yourself; ask another server administrator");
    }
    const now = this.#clock.now();
    return commitChange(this.#changes, context, async (tx) => {
      const ended = await endSessionsIn(tx, user.id, { all: true }, now, 'user disabled');
      if (user.disabledAt !== null) return { result: user, changes: ended.changes };
      const next = { ...user, disabledAt: now, updatedAt: now };
      await tx.users.update(next);
      return { result: next, changes: [userChange('user.disabled', next, { disabled: true }), ...ended.changes] };
    });
  }

  async enable(context: RequestContext, idOrEmail: string): Promise<UserRecord> {
    const user = await this.#adminFind(context, idOrEmail);
    if (user.disabledAt === null) return user;
    return this.#save(context, { ...user, disabledAt: null }, 'user.enabled', { disabled: false });
  }

  /** Marks the user's email address as verified, as if they had followed the verification link. */
  async markVerified(context: RequestContext, idOrEmail: string): Promise<UserRecord> {
    const user = await this.#adminFind(context, idOrEmail);
    if (user.emailVerified) return user;
    return this.#save(context, { ...user, emailVerified: true }, 'user.updated', { emailVerified: true });
  }

  /** Lifts a lockout after failed sign-ins before it ends. */
  async unlock(context: RequestContext, idOrEmail: string): Promise<UserRecord> {
    const user = await this.#adminFind(context, idOrEmail);
    if (user.lockedUntil === null) return user;
    const wasLocked = user.lockedUntil > this.#clock.now();
    return this.#save(context, { ...user, lockedUntil: null }, 'user.unlocked', { locked: false, wasLocked });
  }

  /** Mails the user a password reset link (30 minutes), as "forgot password" would. */
  async sendPasswordReset(context: RequestContext, idOrEmail: string): Promise<void> {
    const user = await this.#adminFind(context, idOrEmail);
    const now = this.#clock.now();
    await commitChange(this.#changes, context, async (tx) => {
      await mailPasswordLink(tx, this.#issuer, user, 'reset-password', now);
      return { result: undefined, changes: [userChange('user.password_reset_sent', user, { email: user.email })] };
    });
  }

  /**
   * Removes every second factor of the user (a lost phone, a lost set of recovery codes) and mails
   * them; they set one up again at their next sign-in where an app or organization asks for it.
   * Answers how many factors went; the recovery codes go too but are not counted.
   */
  async resetSecondFactors(context: RequestContext, idOrEmail: string): Promise<{ user: UserRecord; removed: number }> {
    const user = await this.#adminFind(context, idOrEmail);
    return { user, removed: await this.#secondFactors.reset(context, user.id, (tx) => this.#removeOtherFactors(tx, user.id)) };
  }

  /**
   * The two-step state of users the caller already read (through get or list): a few indexed
   * reads per user, so a page of the list stays cheap.
   */
  async secondFactorsOf(user: UserRecord): Promise<SecondFactorSummary> {
    const [apps, recoveryCodesLeft, methods] = await Promise.all([
      this.#secondFactors.listTotp(user.id),
      this.#secondFactors.recoveryCodesLeft(user.id),
      this.#secondFactors.methodsOf(user.id),
    ]);
    return { totp: apps.filter((app) => app.confirmedAt !== null).length, recoveryCodesLeft, methods };
  }

  /** The user's live sign-in sessions, most recently used first. */
  async listSessions(context: RequestContext, idOrEmail: string): Promise<SessionRecord[]> {
    const user = await this.#find(context, idOrEmail, 'users:read');
    return this.#storage.sessions.listForUser(user.id, this.#clock.now());
  }

  /** Ends the user's sessions, or the one named by `sid` (not found when it isn't theirs or is gone). */
  async endSessions(context: RequestContext, idOrEmail: string, sid?: string): Promise<SessionRecord[]> {
    const user = await this.#find(context, idOrEmail, 'users:write');
    const now = this.#clock.now();
    return commitChange(this.#changes, context, async (tx) => {
      const { ended, changes } = await endSessionsIn(tx, user.id, sid === undefined ? { all: true } : { sid }, now, 'ended by an administrator');
      if (sid !== undefined && ended.length === 0) throw DomainError.notFound(`session ${sid} of ${user.email}`);
      return { result: ended, changes };
    });
  }

  /**
   * Deletes a user. Their sessions, memberships, consents, personal access tokens and own
   * credentials go with the row (foreign keys); tokens issued to them stop working because every
   * check reads the user. The last owner of an organization can't be deleted.
   */
  async delete(context: RequestContext, idOrEmail: string): Promise<void> {
    await this.#authorizer.requireServerAdmin(context.actor, 'users:write');
    const user = await this.#find(context, idOrEmail, 'users:write');
    const now = this.#clock.now();
    await commitChange(this.#changes, context, async (tx) => {
      for (const membership of await tx.organizations.listMembershipsOfUser(user.id)) {
        if (membership.role === 'owner' && (await tx.organizations.countOwners(membership.orgId)) <= 1) {
          throw new DomainError('invalid_state', `${user.email} is the last owner of organization ${membership.orgId}; make someone else owner first`);
        }
      }
      // Ended before the row goes, so that the apps the sessions signed in to hear of it (back-channel logout).
      const { changes: ended } = await endSessionsIn(tx, user.id, { all: true }, now, 'user deleted');
      await tx.users.delete(user.id);
      return { result: undefined, changes: [userChange('user.deleted', user, { email: user.email }), ...ended] };
    });
  }

  /** A user only a server administrator may change. */
  async #adminFind(context: RequestContext, idOrEmail: string): Promise<UserRecord> {
    await this.#authorizer.requireServerAdmin(context.actor, 'users:write');
    return this.#find(context, idOrEmail, 'users:write');
  }

  async #save(context: RequestContext, next: UserRecord, type: UserEventType, changes: Record<string, JsonValue>): Promise<UserRecord> {
    const saved = { ...next, updatedAt: this.#clock.now() };
    return commitChange(this.#changes, context, async (tx) => {
      await tx.users.update(saved);
      return { result: saved, changes: [userChange(type, saved, changes)] };
    });
  }
}
