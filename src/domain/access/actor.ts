import type { JsonValue } from '../../ports/app-repositories.js';
import type { AuditActor } from '../../ports/audit-repository.js';
import type { ManagementScope } from '../../contracts/scopes.js';

export { allManagementScopes, isManagementScope, managementScopes, type ManagementScope } from '../../contracts/scopes.js';

/**
 * A user acting through a token that Latchkey issued to an app: the app holds the token (the
 * console, or an app using the JWT bearer or token exchange grant), and `act` is the delegation
 * chain of a token-exchange token (RFC 8693 §4.1). Audit records name both.
 */
export interface ActingClient {
  clientId: string;
  name: string;
  act?: JsonValue;
}

/** Who is asking. Every use case takes one and checks it before doing anything. */
export type Actor =
  /** The operator at the CLI, working on the database directly: may do everything. */
  | { kind: 'operator' }
  /**
   * A user, through a personal access token or a management access token (the console's, or an
   * app's), limited to the token's scopes and, within them, to the user's role.
   */
  | { kind: 'user'; userId: string; email: string; scopes: ReadonlySet<ManagementScope>; via?: ActingClient }
  /**
   * An app acting for itself with client credentials, in its own organization only: the scopes
   * its grants name, never a role. Per-user client credentials also stay within what their owner's
   * role allows, and stop working when the owner leaves the organization or is disabled.
   */
  | { kind: 'client'; clientId: string; orgId: string; name: string; scopes: ReadonlySet<ManagementScope>; ownerUserId: string | null };

export const operatorActor: Actor = { kind: 'operator' };

export function auditActorOf(actor: Actor): AuditActor {
  switch (actor.kind) {
    case 'operator':
      return { type: 'operator', id: null, label: 'operator (CLI)' };
    case 'user':
      return {
        type: 'user',
        id: actor.userId,
        label: actor.via ? `${actor.email} via ${actor.via.name}` : actor.email,
        ...(actor.via ? { client: { id: actor.via.clientId, name: actor.via.name } } : {}),
        ...(actor.via?.act !== undefined ? { act: actor.via.act } : {}),
      };
    case 'client':
      return { type: 'client', id: actor.clientId, label: actor.name, ...(actor.ownerUserId ? { ownerUserId: actor.ownerUserId } : {}) };
  }
}
