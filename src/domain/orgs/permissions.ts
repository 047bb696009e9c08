import type { Role } from '../../ports/org-repositories.js';
import type { ManagementScope } from '../access/actor.js';

export const roles = ['owner', 'admin', 'developer', 'viewer'] as const satisfies readonly Role[];

/**
 * What each role may do in its organization (PRODUCT D4), and the management API scope a token
 * needs for it. One table; src/domain enforces it and docs/permissions.md is generated from it.
 */
export const permissionTable = {
  'org:read': { scope: 'orgs:read', roles: ['owner', 'admin', 'developer', 'viewer'], description: 'See the organization' },
  'org:update': { scope: 'orgs:write', roles: ['owner', 'admin'], description: 'Rename the organization' },
  'org:delete': { scope: 'orgs:write', roles: ['owner'], description: 'Delete the organization and everything in it' },
  'members:read': { scope: 'orgs:read', roles: ['owner', 'admin', 'developer', 'viewer'], description: 'See members and their roles' },
  'members:manage': { scope: 'orgs:write', roles: ['owner', 'admin'], description: 'Invite, remove and change the role of members' },
  'apps:read': { scope: 'apps:read', roles: ['owner', 'admin', 'developer', 'viewer'], description: 'See apps and their settings (never secrets)' },
  'apps:create': { scope: 'apps:write', roles: ['owner', 'admin', 'developer'], description: 'Create apps' },
  'apps:update': { scope: 'apps:write', roles: ['owner', 'admin', 'developer'], description: 'Change app settings, certificates, and submit apps for approval' },
  'apps:delete': { scope: 'apps:write', roles: ['owner', 'admin'], description: 'Delete apps' },
  'apps:rotate_secret': { scope: 'apps:write', roles: ['owner', 'admin', 'developer'], description: 'Rotate client secrets' },
  'apps:approve': { scope: 'apps:write', roles: ['owner', 'admin'], description: 'Approve or reject submitted apps; disable and enable apps' },
  'apis:read': { scope: 'apis:read', roles: ['owner', 'admin', 'developer', 'viewer'], description: 'See APIs and their scopes' },
  'apis:manage': { scope: 'apis:write', roles: ['owner', 'admin'], description: 'Register, change and delete APIs' },
  'credentials:create_own': { scope: 'credentials:write', roles: ['owner', 'admin', 'developer'], description: 'Create and delete your own client credentials' },
  'credentials:manage': { scope: 'credentials:write', roles: ['owner', 'admin'], description: "See, create and delete other members' client credentials" },
  'audit:read': { scope: 'audit:read', roles: ['owner', 'admin'], description: 'Read the audit log' },
} as const satisfies Record<string, { scope: ManagementScope; roles: readonly Role[]; description: string }>;

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
