import { isBuiltInApp } from '../domain/apps/built-in.js';
import type { OAuthClient } from '../ports/directories.js';
import type { PreAuthorizationRepository } from '../ports/preauthorization-repository.js';
import type { OrganizationDirectory } from './context.js';

/** What the private-app rule reads: one membership lookup, and the app's pre-authorizations only for a non-member. */
export interface AppAccessDependencies {
  organizations: Pick<OrganizationDirectory, 'isMember'>;
  preAuthorizations: Pick<PreAuthorizationRepository, 'listForApp'>;
}

/** The error_description of every refusal under the rule, at authorize, the device page and the token endpoint. */
export const privateAppRefusal =
  "this app is private to its organization: only the organization's members, people it invited, and people an administrator pre-authorized for the app may use it";

/**
 * Whether the user may get tokens from the app. A public app serves anyone with an account; a
 * private one ("for your organization") only the members of its organization, and the people a
 * server administrator pre-authorized for it by name (an organization's own pre-authorizations
 * cover its members only). An invitation counts once it is accepted: the sign-in that carries it
 * makes its invitee a member before this is asked. Latchkey's built-in console serves every user.
 */
export async function mayUseApp(deps: AppAccessDependencies, client: OAuthClient, userId: string): Promise<boolean> {
  const { app } = client;
  if (app.visibility !== 'private' || isBuiltInApp(client.clientId)) return true;
  if (await deps.organizations.isMember(app.orgId, userId)) return true;
  const records = await deps.preAuthorizations.listForApp(client.clientId);
  return records.some((record) => record.userId === userId && record.authority === 'server');
}
