import type { Role } from '../../ports/org-repositories.js';
import type { ManagementScope } from '../access/actor.js';

export const roles = ['owner', 'admin', 'developer', 'viewer'] as const satisfies readonly Role[];

/**
 * What each role may do in its organization, the management API scope a token needs
 * for it, and whether an app acting for itself (client credentials for the management API) may
 * hold it at all: roles, people and their credentials are for people, so an app never manages
 * members, per-user credentials, reviews or the organization's existence, whatever its scopes.
 * One table; src/domain enforces it and docs/permissions.md is generated from it.
 */
export const permissionTable = {
  'org:read': { scope: 'orgs:read', roles: ['owner', 'admin', 'developer', 'viewer'], clients: true, description: 'See the organization' },
  'org:update': { scope: 'orgs:write', roles: ['owner', 'admin'], clients: true, description: 'Rename the organization' },
  'org:delete': { scope: 'orgs:write', roles: ['owner'], clients: false, description: 'Delete the organization and everything in it' },
  'members:read': { scope: 'orgs:read', roles: ['owner', 'admin', 'developer', 'viewer'], clients: true, description: 'See members and their roles' },
  'members:manage': { scope: 'orgs:write', roles: ['owner', 'admin'], clients: false, description: 'Invite, remove and change the role of members' },
  'apps:read': { scope: 'apps:read', roles: ['owner', 'admin', 'developer', 'viewer'], clients: true, description: 'See apps and their settings (never secrets)' },
  'apps:create': { scope: 'apps:write', roles: ['owner', 'admin', 'developer'], clients: true, description: 'Create apps' },
  'apps:update': { scope: 'apps:write', roles: ['owner', 'admin', 'developer'], clients: true, description: 'Change app settings, certificates, and submit apps for approval' },
  'apps:delete': { scope: 'apps:write', roles: ['owner', 'admin'], clients: true, description: 'Delete apps' },
  'apps:rotate_secret': { scope: 'apps:write', roles: ['owner', 'admin', 'developer'], clients: true, description: 'Rotate client secrets' },
  'apps:approve': { scope: 'apps:write', roles: ['owner', 'admin'], clients: false, description: 'Approve or reject submitted apps; disable and enable apps' },
  'apps:preauthorize': {
    scope: 'apps:write',
    roles: ['owner', 'admin'],
    clients: false,
    description: "Pre-authorize members for an app's scopes of the organization's own APIs, in place of their consent",
  },
  'apis:read': { scope: 'apis:read', roles: ['owner', 'admin', 'developer', 'viewer'], clients: true, description: 'See APIs and their scopes' },
  'apis:manage': { scope: 'apis:write', roles: ['owner', 'admin'], clients: true, description: 'Register, change and delete APIs' },
  'credentials:create_own': { scope: 'credentials:write', roles: ['owner', 'admin', 'developer'], clients: false, description: 'Create and delete your own client credentials' },
  'credentials:manage': { scope: 'credentials:write', roles: ['owner', 'admin'], clients: false, description: "See, create and delete other members' client credentials" },
  'audit:read': { scope: 'audit:read', roles: ['owner', 'admin'], clients: true, description: 'Read the audit log' },
} as const satisfies Record<string, { scope: ManagementScope; roles: readonly Role[]; clients: boolean; description: string }>;

export type Permission = keyof typeof permissionTable;

export function roleAllows(role: Role, permission: Permission): boolean {
  return (permissionTable[permission].roles as readonly Role[]).includes(role);
}

/** Only an owner may make or unmake owners; admins manage everyone else. */
export function mayAssignRole(actorRole: Role, fromRole: Role | null, toRole: Role | null): boolean {
  if (actorRole === 'owner') return true;
  if (actorRole !== 'admin') return false;
  return fromRole !== 'owner' && toRole !== 'owner';
}
