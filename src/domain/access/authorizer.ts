import type { Role } from '../../ports/org-repositories.js';
import type { Storage } from '../../ports/storage.js';
import { DomainError } from '../errors.js';
import { permissionTable, roleAllows, type Permission } from '../../contracts/permissions.js';
import type { ManagementScope } from '../../contracts/scopes.js';
import type { Actor } from './actor.js';

/** The role an actor acts with in an organization. Operators and server administrators count as owners. */
export type EffectiveRole = Role;

function lowerFirst(text: string): string {
  return `${text.charAt(0).toLowerCase()}${text.slice(1)}`;
}

export class Authorizer {
  readonly #storage: Storage;

  constructor(storage: Storage) {
    this.#storage = storage;
  }

  /** Throws unless a token-bearing actor carries the scope. */
  requireScope(actor: Actor, scope: ManagementScope): void {
    if (actor.kind === 'operator') return;
    if (!actor.scopes.has(scope)) {
      throw new DomainError('forbidden', `this token lacks the ${scope} scope`);
    }
  }

  /**
   * A person's role in the organization, or null when they have none there. Apps acting for
   * themselves have no role at all, whatever their organization: they hold what their grants
   * name (see `require`), never an administrator's standing.
   */
  async roleIn(actor: Actor, orgId: string): Promise<EffectiveRole | null> {
    switch (actor.kind) {
      case 'operator':
        return 'owner';
      case 'client':
        return null;
      case 'user': {
        const membership = await this.#storage.organizations.getMembership(orgId, actor.userId);
        if (membership) return membership.role;
        const user = await this.#storage.users.get(actor.userId);
        return user?.isAdmin ? 'owner' : null;
      }
    }
  }

  /** Whether the organization exists for the actor at all: its people (and administrators), and its own apps. */
  async canSee(actor: Actor, orgId: string): Promise<boolean> {
    if (actor.kind === 'client') return actor.orgId === orgId;
    return (await this.roleIn(actor, orgId)) !== null;
  }

  /**
   * Throws unless the actor may do `permission` in the organization: the token's scope first (or
   * `options.scope`), then the role table. An organization the actor has no part in reads as not
   * found. Returns the person's role, or null for an app acting for itself.
   */
  async require(actor: Actor, orgId: string, permission: Permission, options: { scope?: ManagementScope } = {}): Promise<EffectiveRole | null> {
    const entry = permissionTable[permission];
    this.requireScope(actor, options.scope ?? entry.scope);
    if (actor.kind === 'client') {
      await this.#requireForClient(actor, orgId, permission);
      return null;
    }
    const role = await this.roleIn(actor, orgId);
    if (!role) throw DomainError.notFound(`organization ${orgId}`);
    if (!roleAllows(role, permission)) {
      throw new DomainError('forbidden', `the ${role} role may not ${lowerFirst(entry.description)} (${permission} needs ${entry.roles.join(' or ')})`);
    }
    return role;
  }

  /** Like `require`, for the permissions only people hold: the person's role. */
  async requirePerson(actor: Actor, orgId: string, permission: Permission): Promise<EffectiveRole> {
    const role = await this.require(actor, orgId, permission);
    if (role === null) throw new DomainError('forbidden', `${permission} is for people, not for apps acting for themselves`);
    return role;
  }

  /**
   * An app acting for itself: only in its own organization, only permissions apps may hold, and a
   * per-user credential never beyond what its owner's role allows now (RFC 9700 §4.15: a client is
   * never a user).
   */
  async #requireForClient(actor: Extract<Actor, { kind: 'client' }>, orgId: string, permission: Permission): Promise<void> {
    const entry = permissionTable[permission];
    if (actor.orgId !== orgId) throw DomainError.notFound(`organization ${orgId}`);
    if (!entry.clients) {
      throw new DomainError(
        'forbidden',
        `an app acting for itself may not ${lowerFirst(entry.description)}: ${permission} is for people (${entry.roles.join(' or ')}), whatever the app's scopes`,
      );
    }
    if (actor.ownerUserId === null) return;
    const ownerRole = await this.ownerRoleOf(actor.ownerUserId, orgId);
    if (ownerRole === null) {
      throw new DomainError('forbidden', 'these client credentials stopped working: their owner is no longer a member of the organization, or is disabled');
    }
    if (!roleAllows(ownerRole, permission)) {
      throw new DomainError(
        'forbidden',
        `client credentials can do no more than their owner, and the owner's ${ownerRole} role may not ${lowerFirst(entry.description)} (${permission} needs ${entry.roles.join(' or ')})`,
      );
    }
  }

  /** The role of a per-user credential's owner in the organization, or null when they left or are disabled. */
  async ownerRoleOf(ownerUserId: string, orgId: string): Promise<Role | null> {
    const [membership, owner] = await Promise.all([this.#storage.organizations.getMembership(orgId, ownerUserId), this.#storage.users.get(ownerUserId)]);
    return membership && owner && owner.disabledAt === null ? membership.role : null;
  }

  /** Whether the actor is the operator or a server administrator (no scope needed). */
  async isServerAdmin(actor: Actor): Promise<boolean> {
    if (actor.kind === 'operator') return true;
    if (actor.kind !== 'user') return false;
    const user = await this.#storage.users.get(actor.userId);
    return user?.isAdmin === true && user.disabledAt === null;
  }

  /** Server-wide operations (user management): operators and server administrators only. */
  async requireServerAdmin(actor: Actor, scope: ManagementScope): Promise<void> {
    this.requireScope(actor, scope);
    if (await this.isServerAdmin(actor)) return;
    throw new DomainError('forbidden', 'only server administrators may do this (users and server-wide records)');
  }
}
