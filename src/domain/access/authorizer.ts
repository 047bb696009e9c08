import type { Role } from '../../ports/org-repositories.js';
import type { Storage } from '../../ports/storage.js';
import { DomainError } from '../errors.js';
import { permissionTable, roleAllows, type Permission } from '../orgs/permissions.js';
import type { Actor, ManagementScope } from './actor.js';

/** The role an actor acts with in an organization. Operators and server administrators count as owners. */
export type EffectiveRole = Role;

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

  /** The actor's role in the organization, or null when it has none there. */
  async roleIn(actor: Actor, orgId: string): Promise<EffectiveRole | null> {
    switch (actor.kind) {
      case 'operator':
        return 'owner';
      case 'client':
        // A management client acts within its own organization, bounded by its scopes.
        return actor.orgId === orgId ? 'admin' : null;
      case 'user': {
        const membership = await this.#storage.organizations.getMembership(orgId, actor.userId);
        if (membership) return membership.role;
        const user = await this.#storage.users.get(actor.userId);
        return user?.isAdmin ? 'owner' : null;
      }
    }
  }

  /**
   * Throws unless the actor may do `permission` in the organization: the token's scope first, then
   * the role table. An organization the actor has no part in reads as not found.
   */
  async require(actor: Actor, orgId: string, permission: Permission): Promise<EffectiveRole> {
    const entry = permissionTable[permission];
    this.requireScope(actor, entry.scope);
    const role = await this.roleIn(actor, orgId);
    if (!role) throw DomainError.notFound(`organization ${orgId}`);
    if (!roleAllows(role, permission)) {
      throw new DomainError(
        'forbidden',
        `the ${role} role may not ${entry.description.charAt(0).toLowerCase()}${entry.description.slice(1)} (${permission} needs ${entry.roles.join(' or ')})`,
      );
    }
    return role;
  }

  /** Server-wide operations (user management): operators and server administrators only. */
  async requireServerAdmin(actor: Actor, scope: ManagementScope): Promise<void> {
    this.requireScope(actor, scope);
    if (actor.kind === 'operator') return;
    if (actor.kind === 'user' && (await this.#storage.users.get(actor.userId))?.isAdmin) return;
    throw new DomainError('forbidden', 'only server administrators may do this (users and server-wide records)');
  }
}
