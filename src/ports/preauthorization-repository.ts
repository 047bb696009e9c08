import type { Role } from './org-repositories.js';

/**
 * An administrator's authorization of an app for people, in place of their own consent: a user,
 * or every member of the app's organization who holds a role. It covers the scopes and APIs
 * (audiences) it names, and nothing else. The JWT bearer grant honours it like a consent (RFC
 * 7523 §2.1), and so does the consent step of the authorization code flow.
 */
export interface PreAuthorizationRecord {
  id: string;
  clientId: string;
  /** The user it is for, or null when it is for a role. */
  userId: string | null;
  /** The role whose members (of the app's organization) it is for, or null when it is for a user. */
  role: Role | null;
  scopes: string[];
  /** Identifiers of the APIs it covers. */
  audiences: string[];
  /**
   * `server`: a server administrator made it. `organization`: an administrator of the app's
   * organization made it, for its members and its own APIs only; it covers a user only while they
   * are a member.
   */
  authority: 'server' | 'organization';
  /** Who made it, as the audit log names them. */
  createdBy: string;
  createdAt: number;
}

export interface PreAuthorizationRepository {
  insert(record: PreAuthorizationRecord): Promise<void>;
  /** The app's pre-authorizations, oldest first. */
  listForApp(clientId: string): Promise<PreAuthorizationRecord[]>;
  /** Deletes one of the app's; false when it has none with that id. */
  delete(clientId: string, id: string): Promise<boolean>;
}
