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
