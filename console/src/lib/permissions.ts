import type { Role } from './types';

/** The role table of docs/permissions.md (src/domain/orgs/permissions.ts); the server enforces it, the console mirrors it. */
export type Permission =
  | 'org:read'
  | 'org:update'
  | 'org:delete'
  | 'members:read'
  | 'members:manage'
  | 'apps:read'
  | 'apps:create'
  | 'apps:update'
  | 'apps:delete'
  | 'apps:rotate_secret'
  | 'apps:approve'
  | 'apps:preauthorize'
  | 'apis:read'
  | 'apis:manage'
  | 'credentials:create_own'
  | 'credentials:manage'
  | 'audit:read';

const table: Record<Permission, readonly Role[]> = {
  'org:read': ['owner', 'admin', 'developer', 'viewer'],
  'org:update': ['owner', 'admin'],
  'org:delete': ['owner'],
  'members:read': ['owner', 'admin', 'developer', 'viewer'],
  'members:manage': ['owner', 'admin'],
  'apps:read': ['owner', 'admin', 'developer', 'viewer'],
  'apps:create': ['owner', 'admin', 'developer'],
  'apps:update': ['owner', 'admin', 'developer'],
  'apps:delete': ['owner', 'admin'],
  'apps:rotate_secret': ['owner', 'admin', 'developer'],
  'apps:approve': ['owner', 'admin'],
  'apps:preauthorize': ['owner', 'admin'],
  'apis:read': ['owner', 'admin', 'developer', 'viewer'],
  'apis:manage': ['owner', 'admin'],
  'credentials:create_own': ['owner', 'admin', 'developer'],
  'credentials:manage': ['owner', 'admin'],
  'audit:read': ['owner', 'admin'],
};

export function roleAllows(role: Role | null, permission: Permission): boolean {
  return role !== null && table[permission].includes(role);
}

export const roleDescriptions: Record<Role, string> = {
  owner: 'everything, including deleting the organization and naming owners',
  admin: 'manage members, APIs, apps, approvals, credentials and read the audit log',
  developer: 'create and change apps, rotate secrets, make their own client credentials',
  viewer: 'see the organization, its apps and APIs, but change nothing',
};
