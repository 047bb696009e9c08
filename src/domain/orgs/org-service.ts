import { z } from 'zod';
import type { JsonValue } from '../../ports/app-repositories.js';
import type { Clock } from '../../ports/clock.js';
import type { DomainEvents } from '../../ports/domain-events.js';
import type { UserRecord } from '../../ports/identity-repositories.js';
import type { InvitationRecord, MembershipRecord, OrganizationRecord, Role } from '../../ports/org-repositories.js';
import type { Storage } from '../../ports/storage.js';
import { generateOpaqueSecret, isWellFormedSecret, type SecretHasher } from '../../shared/opaque-secret.js';
import { randomId } from '../../shared/random.js';
import type { Authorizer } from '../access/authorizer.js';
import type { RequestContext } from '../audit/audit-log.js';
import { commitChange, organizationChange, type Change } from '../audit/unit-of-work.js';
import { DomainError } from '../errors.js';
import { findUser } from '../identity/user-service.js';
import { parseOrThrow } from '../validation.js';
import { mayAssignRole, roles } from '../../contracts/permissions.js';
import { queueMail } from '../mail/outgoing-mail.js';

export const defaultOrganizationName = 'default';
export const invitationLifetimeMs = 7 * 24 * 3600 * 1000;

export const orgNameSchema = z.string().regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, {
  error: 'must be 1 to 63 lower-case letters, digits and hyphens, starting and ending with a letter or digit',
});
const roleSchema = z.enum(roles, { error: `must be one of ${roles.join(', ')}` });
const emailSchema = z
  .email({ error: 'must be an email address' })
  .max(254)
  .transform((email) => email.toLowerCase());

const createOrgSchema = z
  .object({
    name: orgNameSchema,
    displayName: z.string().trim().min(1).max(100).optional(),
    requireMfa: z.boolean().optional().describe('members must sign in with a second factor'),
    owner: z.string().min(1).optional().describe('user id or email of the first owner (operators and administrators)'),
  })
  .strict();
const updateOrgSchema = z
  .object({ name: orgNameSchema, displayName: z.string().trim().min(1).max(100), requireMfa: z.boolean() })
  .strict()
  .partial();
const addMemberSchema = z
  .object({ userId: z.string().min(1).optional(), email: emailSchema.optional(), role: roleSchema })
  .strict()
  .refine((value) => value.userId !== undefined || value.email !== undefined, { error: 'name the user by userId or email', path: ['userId'] });
const inviteSchema = z.object({ email: emailSchema, role: roleSchema }).strict();

/** A change to an organization itself: the audit row targets the organization. */
function orgChange(type: 'org.created' | 'org.updated', org: OrganizationRecord, changes: Record<string, JsonValue>): Change {
  return organizationChange({ type, orgId: org.id }, { action: type, targetType: 'organization', targetId: org.id, changes });
}

/** A change to an invitation: the audit row targets the invitation. */
function invitationChange(event: Extract<Change['event'], { invitationId: string }>, changes: Record<string, JsonValue>): Change {
  return organizationChange(event, { action: event.type, targetType: 'invitation', targetId: event.invitationId, changes });
}

export interface MemberView {
  userId: string;
  email: string;
  name: string;
  role: Role;
  createdAt: number;
}

export interface OrgServiceDependencies {
  storage: Storage;
  clock: Clock;
  authorizer: Authorizer;
  secretHasher: SecretHasher;
  events: DomainEvents;
  /** Whether every user may create organizations; otherwise only server administrators and the operator. */
  selfService: boolean;
  /** The absolute URL of the page an invitation mail links to; without it no mail is queued. */
  invitationLink?: (token: string) => string;
}

/** Organizations, their members and roles, and invitations by email token. */
export class OrgService {
  readonly #deps: OrgServiceDependencies;

  constructor(deps: OrgServiceDependencies) {
    this.#deps = deps;
  }

  /** Finds an organization by id or by name: both are accepted wherever an organization is named. */
  async resolve(idOrName: string): Promise<OrganizationRecord | undefined> {
    const { organizations } = this.#deps.storage;
    return (await organizations.get(idOrName)) ?? (await organizations.getByName(idOrName));
  }

  /**
   * The organization named by id or name, if the actor has a role in it (no scope needed: each
   * operation inside checks its own). Others see it as not found.
   */
  async resolveVisible(context: RequestContext, idOrName: string): Promise<OrganizationRecord> {
    return this.#loadVisible(context, idOrName);
  }

  async #loadVisible(context: RequestContext, idOrName: string): Promise<OrganizationRecord> {
    const org = await this.resolve(idOrName);
    if (!org || !(await this.#deps.authorizer.canSee(context.actor, org.id))) throw DomainError.notFound(`organization ${idOrName}`);
    return org;
  }

  /** The organization, if the actor may read it (by id or name). */
  async get(context: RequestContext, idOrName: string): Promise<OrganizationRecord> {
    const org = await this.#loadVisible(context, idOrName);
    await this.#deps.authorizer.require(context.actor, org.id, 'org:read');
    return org;
  }

  /** Whether the actor may create organizations (what the console offers; create() checks it again). */
  async mayCreate(context: RequestContext): Promise<boolean> {
    if (context.actor.kind === 'client') return false;
    return this.#deps.selfService || (await this.#deps.authorizer.isServerAdmin(context.actor));
  }

  /**
   * Creates an organization. A user who creates one becomes its owner: that gives power over the
   * organization and nothing outside it (no app setting its members can change lifts anyone's
   * privileges). An operator may still leave creation to server administrators (orgs.selfService).
   */
  async create(context: RequestContext, input: unknown): Promise<OrganizationRecord> {
    this.#deps.authorizer.requireScope(context.actor, 'orgs:write');
    if (context.actor.kind === 'client') throw new DomainError('forbidden', 'apps may not create organizations');
    if (!this.#deps.selfService && !(await this.#deps.authorizer.isServerAdmin(context.actor))) {
      throw new DomainError('forbidden', 'only server administrators may create organizations on this server (orgs.selfService is off)');
    }
    const parsed = parseOrThrow(createOrgSchema, input);
    let namedOwner: string | undefined;
    if (parsed.owner !== undefined) {
      const owner = await findUser(this.#deps.storage.users, parsed.owner);
      if (!owner) throw DomainError.validation([{ field: 'owner', message: `no user ${parsed.owner}` }]);
      if (context.actor.kind === 'user' && owner.id !== context.actor.userId) {
        await this.#deps.authorizer.requireServerAdmin(context.actor, 'users:read');
      }
      namedOwner = owner.id;
    }
    const now = this.#deps.clock.now();
    const org: OrganizationRecord = {
      id: `org_${randomId(12)}`,
      name: parsed.name,
      displayName: parsed.displayName ?? parsed.name,
      requireMfa: parsed.requireMfa ?? false,
      createdAt: now,
      updatedAt: now,
    };
    const ownerUserId = namedOwner ?? (context.actor.kind === 'user' ? context.actor.userId : undefined);
    const changes = { name: org.name, displayName: org.displayName, ...(ownerUserId ? { owner: ownerUserId } : {}) };
    return commitChange(this.#deps, context, async (tx) => {
      if (!(await tx.organizations.insert(org))) throw new DomainError('conflict', `an organization named ${org.name} already exists`);
      if (ownerUserId) {
        await tx.organizations.putMembership({ orgId: org.id, userId: ownerUserId, role: 'owner', createdAt: now });
      }
      return { result: org, changes: [orgChange('org.created', org, changes)] };
    });
  }

  /** The organization every installation starts with, so that `latchkey apps create` works at once. */
  async ensureDefault(): Promise<OrganizationRecord> {
    const existing = await this.#deps.storage.organizations.getByName(defaultOrganizationName);
    if (existing) return existing;
    const now = this.#deps.clock.now();
    const org: OrganizationRecord = {
      id: `org_${randomId(12)}`,
      name: defaultOrganizationName,
      displayName: 'Default organization',
      requireMfa: false,
      createdAt: now,
      updatedAt: now,
    };
    return commitChange(this.#deps, 'latchkey', async (tx) => {
      if (await tx.organizations.insert(org)) return { result: org, changes: [orgChange('org.created', org, { name: org.name })] };
      // Another node made it at the same moment.
      return { result: (await tx.organizations.getByName(defaultOrganizationName))!, changes: [] };
    });
  }

  async list(context: RequestContext, query: { search?: string; offset: number; limit: number }) {
    const { actor } = context;
    this.#deps.authorizer.requireScope(actor, 'orgs:read');
    if (actor.kind === 'client') {
      const org = await this.#deps.storage.organizations.get(actor.orgId);
      return { items: org ? [org] : [], total: org ? 1 : 0 };
    }
    const isAdmin = actor.kind === 'operator' || (await this.#deps.storage.users.get(actor.userId))?.isAdmin === true;
    return this.#deps.storage.organizations.list({ ...query, ...(isAdmin ? {} : { memberUserId: actor.kind === 'user' ? actor.userId : '' }) });
  }

  /** The organizations the calling user is a member of, with their role in each. */
  async listMine(context: RequestContext): Promise<Array<OrganizationRecord & { role: Role }>> {
    if (context.actor.kind !== 'user') return [];
    const mine: Array<OrganizationRecord & { role: Role }> = [];
    for (const membership of await this.#deps.storage.organizations.listMembershipsOfUser(context.actor.userId)) {
      const org = await this.#deps.storage.organizations.get(membership.orgId);
      if (org) mine.push({ ...org, role: membership.role });
    }
    return mine;
  }

  async update(context: RequestContext, idOrName: string, input: unknown): Promise<OrganizationRecord> {
    const org = await this.#loadVisible(context, idOrName);
    await this.#deps.authorizer.require(context.actor, org.id, 'org:update');
    const parsed = parseOrThrow(updateOrgSchema, input);
    const next: OrganizationRecord = {
      ...org,
      name: parsed.name ?? org.name,
      displayName: parsed.displayName ?? org.displayName,
      requireMfa: parsed.requireMfa ?? org.requireMfa,
      updatedAt: this.#deps.clock.now(),
    };
    const changes = {
      name: { from: org.name, to: next.name },
      displayName: { from: org.displayName, to: next.displayName },
      ...(next.requireMfa !== org.requireMfa ? { requireMfa: { from: org.requireMfa, to: next.requireMfa } } : {}),
    };
    return commitChange(this.#deps, context, async (tx) => {
      if (next.name !== org.name && (await tx.organizations.getByName(next.name))) {
        throw new DomainError('conflict', `an organization named ${next.name} already exists`);
      }
      await tx.organizations.update(next);
      return { result: next, changes: [orgChange('org.updated', next, changes)] };
    });
  }

  async delete(context: RequestContext, idOrName: string): Promise<void> {
    const org = await this.#loadVisible(context, idOrName);
    await this.#deps.authorizer.require(context.actor, org.id, 'org:delete');
    await commitChange(this.#deps, context, async (tx) => {
      const apps = await tx.apps.list({ orgId: org.id, kind: 'all', offset: 0, limit: 100_000 });
      const apis = await tx.apis.list({ orgId: org.id, offset: 0, limit: 100_000 });
      for (const app of apps.items) await tx.apps.delete(app.clientId);
      await tx.organizations.delete(org.id);
      // The event names every app and API that went with the organization, so caches drop them at once.
      const clientIds = apps.items.map((app) => app.clientId);
      const apiIdentifiers = apis.items.map((api) => api.identifier);
      const event = { type: 'org.deleted', orgId: org.id, clientIds, apiIdentifiers } as const;
      const change = organizationChange(event, { action: 'org.deleted', targetType: 'organization', targetId: org.id, changes: { name: org.name } });
      return { result: undefined, changes: [change] };
    });
  }

  async listMembers(context: RequestContext, idOrName: string): Promise<MemberView[]> {
    const org = await this.#loadVisible(context, idOrName);
    await this.#deps.authorizer.require(context.actor, org.id, 'members:read');
    const memberships = await this.#deps.storage.organizations.listMemberships(org.id);
    const members: MemberView[] = [];
    for (const membership of memberships) {
      const user = await this.#deps.storage.users.get(membership.userId);
      if (user) members.push({ userId: user.id, email: user.email, name: user.name, role: membership.role, createdAt: membership.createdAt });
    }
    return members;
  }

  async #actorRole(context: RequestContext, orgId: string): Promise<Role> {
    return this.#deps.authorizer.requirePerson(context.actor, orgId, 'members:manage');
  }

  /**
   * Changes a member's role, or adds an existing user with a role. Joining an organization is the
   * user's own choice (an invitation they accept), so only the operator and server administrators
   * add someone directly; an organization's owners and admins invite.
   */
  async putMember(context: RequestContext, idOrName: string, input: unknown): Promise<MemberView> {
    const org = await this.#loadVisible(context, idOrName);
    const actorRole = await this.#actorRole(context, org.id);
    const parsed = parseOrThrow(addMemberSchema, input);
    const user: UserRecord | undefined = parsed.userId
      ? await this.#deps.storage.users.get(parsed.userId)
      : await this.#deps.storage.users.getByEmail(parsed.email!);
    if (!user) throw DomainError.validation([{ field: parsed.userId ? 'userId' : 'email', message: 'no such user; invite them by email instead' }]);
    const serverAdmin = await this.#deps.authorizer.isServerAdmin(context.actor);
    const now = this.#deps.clock.now();
    return commitChange(this.#deps, context, async (tx) => {
      const current = await tx.organizations.getMembership(org.id, user.id);
      if (!current && !serverAdmin) {
        throw new DomainError(
          'forbidden',
          `${user.email} is not a member: invite them (they join by accepting); only server administrators add users directly`,
        );
      }
      if (!mayAssignRole(actorRole, current?.role ?? null, parsed.role)) {
        throw new DomainError('forbidden', "only an owner may make someone an owner or change an owner's role");
      }
      if (current?.role === 'owner' && parsed.role !== 'owner' && (await tx.organizations.countOwners(org.id)) <= 1) {
        throw new DomainError('invalid_state', 'an organization keeps at least one owner; make someone else owner first');
      }
      const membership: MembershipRecord = { orgId: org.id, userId: user.id, role: parsed.role, createdAt: current?.createdAt ?? now };
      await tx.organizations.putMembership(membership);
      const change = organizationChange(
        { type: current ? 'member.updated' : 'member.added', orgId: org.id, userId: user.id },
        {
          action: current ? 'member.role_changed' : 'member.added',
          targetType: 'user',
          targetId: user.id,
          changes: { email: user.email, role: current ? { from: current.role, to: parsed.role } : parsed.role },
        },
      );
      const result = { userId: user.id, email: user.email, name: user.name, role: parsed.role, createdAt: membership.createdAt };
      return { result, changes: [change] };
    });
  }

  /** Changes the role of someone who is already a member; anyone else is not found. */
  async changeRole(context: RequestContext, idOrName: string, userId: string, input: unknown): Promise<MemberView> {
    const org = await this.#loadVisible(context, idOrName);
    await this.#actorRole(context, org.id);
    if (!(await this.#deps.storage.organizations.getMembership(org.id, userId))) throw DomainError.notFound(`member ${userId}`);
    const role = parseOrThrow(z.object({ role: roleSchema }).strict(), input).role;
    return this.putMember(context, idOrName, { userId, role });
  }

  async removeMember(context: RequestContext, idOrName: string, userId: string): Promise<void> {
    const org = await this.#loadVisible(context, idOrName);
    const leavingSelf = context.actor.kind === 'user' && context.actor.userId === userId;
    const actorRole = leavingSelf ? null : await this.#actorRole(context, org.id);
    await commitChange(this.#deps, context, async (tx) => {
      const current = await tx.organizations.getMembership(org.id, userId);
      if (!current) throw DomainError.notFound(`member ${userId}`);
      if (actorRole && !mayAssignRole(actorRole, current.role, null)) {
        throw new DomainError('forbidden', 'only an owner may remove an owner');
      }
      if (current.role === 'owner' && (await tx.organizations.countOwners(org.id)) <= 1) {
        throw new DomainError('invalid_state', 'an organization keeps at least one owner; make someone else owner first');
      }
      await tx.organizations.deleteMembership(org.id, userId);
      const event = { type: 'member.removed', orgId: org.id, userId } as const;
      return {
        result: undefined,
        changes: [organizationChange(event, { action: event.type, targetType: 'user', targetId: userId, changes: { role: current.role } })],
      };
    });
  }

  /**
   * Invites someone by email. The returned token (shown once, sent by email) lets the person with
   * that email join with the role; it expires after 7 days.
   */
  async invite(context: RequestContext, idOrName: string, input: unknown): Promise<{ invitation: InvitationRecord; token: string }> {
    const org = await this.#loadVisible(context, idOrName);
    const actorRole = await this.#actorRole(context, org.id);
    const parsed = parseOrThrow(inviteSchema, input);
    if (!mayAssignRole(actorRole, null, parsed.role)) throw new DomainError('forbidden', 'only an owner may invite an owner');
    const now = this.#deps.clock.now();
    const token = generateOpaqueSecret('inv');
    const invitation: InvitationRecord = {
      id: `inv_${randomId(12)}`,
      orgId: org.id,
      email: parsed.email,
      role: parsed.role,
      tokenHash: this.#deps.secretHasher.hash(token),
      invitedBy: context.actor.kind === 'user' ? context.actor.userId : null,
      createdAt: now,
      expiresAt: now + invitationLifetimeMs,
      acceptedAt: null,
      acceptedBy: null,
      revokedAt: null,
    };
    const event = { type: 'invitation.created', orgId: org.id, invitationId: invitation.id } as const;
    const inviter = context.actor.kind === 'user' ? ((await this.#deps.storage.users.get(context.actor.userId))?.name ?? context.actor.email) : null;
    const link = this.#deps.invitationLink;
    return commitChange(this.#deps, context, async (tx) => {
      await tx.organizations.insertInvitation(invitation);
      // The mail exists if and only if the invitation does.
      if (link) {
        const variables = {
          organization: org.displayName,
          inviter: inviter ?? 'An administrator',
          role: invitation.role,
          link: link(token),
          expiresInDays: invitationLifetimeMs / (24 * 3600 * 1000),
        };
        await queueMail(tx.outbox, { to: invitation.email, template: 'invitation', variables, organization: org.displayName }, now);
      }
      return { result: { invitation, token }, changes: [invitationChange(event, { email: invitation.email, role: invitation.role })] };
    });
  }

  async listInvitations(context: RequestContext, idOrName: string): Promise<InvitationRecord[]> {
    const org = await this.#loadVisible(context, idOrName);
    await this.#deps.authorizer.require(context.actor, org.id, 'members:read');
    return this.#deps.storage.organizations.listInvitations(org.id);
  }

  async revokeInvitation(context: RequestContext, idOrName: string, invitationId: string): Promise<void> {
    const org = await this.#loadVisible(context, idOrName);
    await this.#actorRole(context, org.id);
    const invitation = await this.#deps.storage.organizations.getInvitation(invitationId);
    if (!invitation || invitation.orgId !== org.id) throw DomainError.notFound(`invitation ${invitationId}`);
    const event = { type: 'invitation.revoked', orgId: org.id, invitationId } as const;
    await commitChange(this.#deps, context, async (tx) => {
      if (!(await tx.organizations.revokeInvitation(invitationId, this.#deps.clock.now()))) {
        throw new DomainError('invalid_state', 'the invitation was already accepted or revoked');
      }
      return { result: undefined, changes: [invitationChange(event, { email: invitation.email })] };
    });
  }

  /** The signed-in user accepts an invitation addressed to their email; single use. */
  async acceptInvitation(context: RequestContext, token: unknown): Promise<MemberView> {
    const { actor } = context;
    if (actor.kind !== 'user') throw new DomainError('forbidden', 'only a signed-in user can accept an invitation');
    this.#deps.authorizer.requireScope(actor, 'orgs:write');
    if (typeof token !== 'string' || !isWellFormedSecret(token, 'inv')) {
      throw DomainError.validation([{ field: 'token', message: 'is not an invitation token' }]);
    }
    const invitation = await this.#deps.secretHasher.findByHash(token, (hash) => this.#deps.storage.organizations.getInvitationByHash(hash));
    if (!invitation) throw DomainError.notFound('invitation');
    const user = await this.#deps.storage.users.get(actor.userId);
    if (!user || user.email !== invitation.email) {
      throw new DomainError('forbidden', 'this invitation was sent to another email address');
    }
    return this.#accept(context, user, invitation);
  }

  /**
   * A user signing in to an app of an organization brings an invitation to it (the hosted pages'
   * `invitation` parameter): accepting it is signing in, so it needs no management scope, only
   * the invitation for this user's email and this organization. False for any invitation that
   * does not hold (unknown, for someone else or another organization, expired, revoked, used);
   * such an invitation is left as it is. Audited as the user.
   */
  async acceptInvitationForSignIn(userId: string, token: string, orgId: string): Promise<boolean> {
    if (!isWellFormedSecret(token, 'inv')) return false;
    const user = await this.#deps.storage.users.get(userId);
    if (!user || user.disabledAt !== null) return false;
    const invitation = await this.#deps.secretHasher.findByHash(token, (hash) => this.#deps.storage.organizations.getInvitationByHash(hash));
    if (!invitation || invitation.orgId !== orgId || invitation.email !== user.email) return false;
    const context: RequestContext = { actor: { kind: 'user', userId: user.id, email: user.email, scopes: new Set() } };
    try {
      await this.#accept(context, user, invitation);
    } catch (error) {
      if (error instanceof DomainError && error.kind === 'invalid_state') return false;
      throw error;
    }
    return true;
  }

  async #accept(context: RequestContext, user: UserRecord, invitation: InvitationRecord): Promise<MemberView> {
    const now = this.#deps.clock.now();
    return commitChange(this.#deps, context, async (tx) => {
      if (!(await tx.organizations.acceptInvitation(invitation.id, user.id, now))) {
        throw new DomainError('invalid_state', 'the invitation has expired, was revoked, or was already accepted');
      }
      const current = await tx.organizations.getMembership(invitation.orgId, user.id);
      const membership: MembershipRecord = {
        orgId: invitation.orgId,
        userId: user.id,
        role: current?.role ?? invitation.role,
        createdAt: current?.createdAt ?? now,
      };
      await tx.organizations.putMembership(membership);
      const event = { type: 'invitation.accepted', orgId: invitation.orgId, invitationId: invitation.id, userId: user.id } as const;
      const result = { userId: user.id, email: user.email, name: user.name, role: membership.role, createdAt: membership.createdAt };
      return { result, changes: [invitationChange(event, { email: user.email, role: membership.role })] };
    });
  }
}
