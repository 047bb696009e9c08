import { createContext, useContext } from 'react';
import { roleAllows, type Permission } from './permissions';
import type { Org, Role } from './types';

export interface OrgValue {
  org: Org;
  /** The name used in console URLs and API paths. */
  slug: string;
  role: Role | null;
  can(permission: Permission): boolean;
  /** `/orgs/<slug>/<path>` for links. */
  path(rest?: string): string;
}

export const OrgContext = createContext<OrgValue | null>(null);

export function useOrg(): OrgValue {
  const value = useContext(OrgContext);
  if (!value) throw new Error('useOrg outside an organization');
  return value;
}

export function orgValue(org: Org, role: Role | null): OrgValue {
  const slug = org.name;
  return {
    org,
    slug,
    role,
    can: (permission) => roleAllows(role, permission),
    path: (rest = '') => `/orgs/${encodeURIComponent(slug)}${rest ? `/${rest.replace(/^\/+/, '')}` : ''}`,
  };
}
