import { createContext, useContext } from 'react';
import type { ConsoleSession } from './api';
import type { Me, Org, Role } from './types';

export interface SessionValue {
  session: ConsoleSession;
  me: Me;
  /** Organizations to switch between: yours, and every one for server administrators. */
  orgs: (Org & { role: Role | null })[];
  reloadMe(): Promise<void>;
}

export const SessionContext = createContext<SessionValue | null>(null);

export function useSession(): SessionValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside the session gate');
  return value;
}

/** Your role in an organization (named by id or name); server administrators act as owners everywhere. */
export function roleIn(value: SessionValue, org: string | undefined): Role | null {
  if (!org) return null;
  const membership = value.me.organizations.find((candidate) => candidate.name === org || candidate.id === org);
  if (membership) return membership.role;
  return value.session.user.isAdmin ? 'owner' : null;
}
