import type { ManagementScope } from './scopes.js';

export { allManagementScopes, isManagementScope, managementScopes, type ManagementScope } from './scopes.js';

export const roles = ['owner', 'admin', 'developer', 'viewer'] as const;
export type Role = (typeof roles)[number];

export const roleDescriptions: Record<Role, string> = {
  owner: 'everything, including deleting the organization and naming owners',
  admin: 'manage members, APIs, apps, approvals, credentials and read the audit log',
  developer: 'create and change apps, rotate secrets, make their own client credentials',
  viewer: 'see the organization, its apps and APIs, but change nothing',
};

interface PermissionEntry {
  scope: ManagementScope;
  roles: readonly Role[];
  clients: boolean;
  description: string;
}

/**
 * What each role may do in its organization, the management API scope a token needs
 * for it, and whether an app acting for itself (client credentials for the management API) may
 * hold it at all: roles, people and their credentials are for people, so an app never manages
 * members, per-user credentials, reviews or the organization's existence, whatever its scopes.
 * One table: src/domain enforces it, the management API documents each operation's scope from
 * it, the console shows what a role may do from it, and docs/permissions.md is generated from it.
 */
export const permissionTable = {
  'org:read': { scope: 'orgs:read', roles: ['owner', 'admin', 'developer', 'viewer'], clients: true, description: 'See the organization' },
  'org:update': { scope: 'orgs:write', roles: ['owner', 'admin'], clients: true, description: 'Rename the organization' },
  'org:delete': { scope: 'orgs:write', roles: ['owner'], clients: false, description: 'Delete the organization and everything in it' },
  'members:read': { scope: 'orgs:read', roles: ['owner', 'admin', 'developer', 'viewer'], clients: true, description: 'See members and their roles' },
  'members:manage': { scope: 'orgs:write', roles: ['owner', 'admin'], clients: false, description: 'Invite, remove and change the role of members' },
  'apps:read': {
    scope: 'apps:read',
    roles: ['owner', 'admin', 'developer', 'viewer'],
    clients: true,
    description: 'See apps and their settings (never secrets)',
  },
  'apps:create': { scope: 'apps:write', roles: ['owner', 'admin', 'developer'], clients: true, description: 'Create apps' },
  'apps:update': {
    scope: 'apps:write',
    roles: ['owner', 'admin', 'developer'],
    clients: true,
    description: 'Change app settings, certificates, and submit apps for approval',
  },
  'apps:delete': { scope: 'apps:write', roles: ['owner', 'admin'], clients: true, description: 'Delete apps' },
  'apps:rotate_secret': { scope: 'apps:write', roles: ['owner', 'admin', 'developer'], clients: true, description: 'Rotate client secrets' },
  'apps:approve': {
    scope: 'apps:write',
    roles: ['owner', 'admin'],
    clients: false,
    description: "Approve or reject submitted apps (others' submissions, unless apps.selfApproval is on); disable and enable apps",
  },
  'apps:preauthorize': {
    scope: 'apps:write',
    roles: ['owner', 'admin'],
    clients: false,
    description: "Pre-authorize members for an app's scopes of the organization's own APIs, in place of their consent",
  },
  'apis:read': { scope: 'apis:read', roles: ['owner', 'admin', 'developer', 'viewer'], clients: true, description: 'See APIs and their scopes' },
  'apis:manage': { scope: 'apis:write', roles: ['owner', 'admin'], clients: true, description: 'Register, change and delete APIs' },
  'credentials:read': {
    scope: 'credentials:read',
    roles: ['owner', 'admin', 'developer', 'viewer'],
    clients: false,
    description: "See your own client credentials (other members' need credentials:manage as well)",
  },
  'credentials:create_own': {
    scope: 'credentials:write',
    roles: ['owner', 'admin', 'developer'],
    clients: false,
    description: 'Create and delete your own client credentials',
  },
  'credentials:manage': {
    scope: 'credentials:write',
    roles: ['owner', 'admin'],
    clients: false,
    description: "See, create and delete other members' client credentials",
  },
  'registration_tokens:read': {
    scope: 'apps:read',
    roles: ['owner', 'admin'],
    clients: false,
    description: 'See the initial access tokens for dynamic client registration (never the tokens themselves)',
  },
  'registration_tokens:manage': {
    scope: 'apps:write',
    roles: ['owner', 'admin'],
    clients: false,
    description: 'Issue and revoke initial access tokens with which apps register themselves (RFC 7591)',
  },
  'audit:read': { scope: 'audit:read', roles: ['owner', 'admin'], clients: true, description: 'Read the audit log' },
  'connections:read': {
    scope: 'orgs:read',
    roles: ['owner', 'admin'],
    clients: false,
    description: "See the organization's sign-in connections to upstream providers (never their secrets)",
  },
  'connections:manage': {
    scope: 'orgs:write',
    roles: ['owner', 'admin'],
    clients: false,
    description: "Add, change and delete the organization's sign-in connections",
  },
} as const satisfies Record<string, PermissionEntry>;

export type Permission = keyof typeof permissionTable;
export const permissions = Object.keys(permissionTable) as Permission[];

export function roleAllows(role: Role | null, permission: Permission): boolean {
  return role !== null && (permissionTable[permission].roles as readonly Role[]).includes(role);
}

/** The management scope a token needs for the permission. */
export function scopeOf(permission: Permission): ManagementScope {
  return permissionTable[permission].scope;
}

/** Only an owner may make or unmake owners; admins manage everyone else. */
export function mayAssignRole(actorRole: Role, fromRole: Role | null, toRole: Role | null): boolean {
  if (actorRole === 'owner') return true;
  if (actorRole !== 'admin') return false;
  return fromRole !== 'owner' && toRole !== 'owner';
}

/**
 * Operations outside any organization, which no role governs: listing and creating
 * organizations, accepting an invitation, server administration (users and their tokens) and the
 * server-wide audit log. Each needs its scope; server administration needs a server
 * administrator as well.
 */
export const serverOperations = {
  'orgs:list': { scope: 'orgs:read', description: 'List the organizations you may see' },
  'orgs:create': { scope: 'orgs:write', description: 'Create an organization' },
  'invitations:accept': { scope: 'orgs:write', description: 'Accept an invitation sent to your email address' },
  'users:read': { scope: 'users:read', description: 'See users and their tokens (yourself, or as a server administrator)' },
  'users:write': { scope: 'users:write', description: 'Create, change and disable users and their tokens (yourself, or as a server administrator)' },
  'audit:read_all': { scope: 'audit:read', description: 'Read the server-wide audit log (server administrators)' },
  'server-connections:read': { scope: 'orgs:read', description: "See the server's own sign-in connections (server administrators)" },
  'server-connections:manage': { scope: 'orgs:write', description: "Add, change and delete the server's own sign-in connections (server administrators)" },
  'reviews:read': {
    scope: 'apps:read',
    description:
      "List the submitted public apps awaiting a review you may give: every organization's for server administrators; your organizations' (as owner or admin) but your own submissions",
  },
  'keys:read': { scope: 'keys:read', description: "See the server's signing keys and their lifecycle (server administrators)" },
  'keys:write': { scope: 'keys:write', description: 'Rotate signing keys now, or revoke one in an emergency (server administrators)' },
} as const satisfies Record<string, { scope: ManagementScope; description: string }>;

export type ServerOperation = keyof typeof serverOperations;
