import type { OAuthClient, UserDirectory } from '../ports/directories.js';
import type { OrganizationDirectory } from './context.js';
import { OAuthError } from './errors.js';

/**
 * Per-user client credentials work only while their owner is a member of the organization and is
 * not disabled: they can never do more than their owner, so they stop with them.
 */
export interface CredentialOwnerDependencies {
  organizations: Pick<OrganizationDirectory, 'roleOf'>;
  users: Pick<UserDirectory, 'getUser'>;
}

export async function credentialOwnerActive(deps: CredentialOwnerDependencies, client: OAuthClient): Promise<boolean> {
  const ownerUserId = client.app.ownerUserId;
  if (ownerUserId === null) return true;
  const [role, owner] = await Promise.all([deps.organizations.roleOf(client.app.orgId, ownerUserId), deps.users.getUser(ownerUserId)]);
  return role !== null && owner !== undefined && owner.disabledAt === null;
}

export async function requireCredentialOwnerActive(deps: CredentialOwnerDependencies, client: OAuthClient): Promise<void> {
  if (!(await credentialOwnerActive(deps, client))) {
    throw new OAuthError(
      'unauthorized_client',
      "these client credentials stopped working: the user they belong to is no longer a member of the app's organization, or is disabled",
    );
  }
}

/**
 * The claim that names the user who owns per-user client credentials, in their access tokens and
 * introspection responses. Not `sub`: the client is the subject, and a client-credentials token's
 * `sub` must never be a user's (RFC 9700 §4.15). Not `act` either: the owner does not act in the
 * request (RFC 8693 §4.1), they answer for the credentials. No registered claim means "owner", so the
 * name is a private one (RFC 7519 §4.3), prefixed so that it can't collide with a registered name;
 * its value has the shape of `act`, `{ "sub": <the owner's user id> }`, the `sub` their own tokens carry.
 */
export const credentialOwnerClaim = 'latchkey_owner';

/** The owner claim of a client's access tokens: none unless the client is per-user client credentials. */
export function credentialOwnerClaims(client: OAuthClient): Record<string, { sub: string }> {
  const ownerUserId = client.app.ownerUserId;
  return ownerUserId === null ? {} : { [credentialOwnerClaim]: { sub: ownerUserId } };
}
