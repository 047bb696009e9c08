export type Role = 'owner' | 'admin' | 'developer' | 'viewer';

export interface OrganizationRecord {
  id: string;
  /** URL-safe unique name, usable as the `organization` authorize parameter. */
  name: string;
  displayName: string;
  /** Members must sign in with a second factor (and enroll one at their next sign-in). */
  requireMfa: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface MembershipRecord {
  orgId: string;
  userId: string;
  role: Role;
  createdAt: number;
}

export interface InvitationRecord {
  id: string;
  orgId: string;
  email: string;
  role: Role;
  /** HMAC of the invitation token sent by email; the token itself is never stored. */
  tokenHash: string;
  invitedBy: string | null;
  createdAt: number;
  expiresAt: number;
  acceptedAt: number | null;
  acceptedBy: string | null;
  revokedAt: number | null;
}

export interface OrganizationRepository {
  /** Inserts; false when the name is taken. */
  insert(org: OrganizationRecord): Promise<boolean>;
  get(id: string): Promise<OrganizationRecord | undefined>;
  getByName(name: string): Promise<OrganizationRecord | undefined>;
  update(org: OrganizationRecord): Promise<void>;
  delete(id: string): Promise<boolean>;
  /** Every organization, or those a user is a member of. */
  list(query: { memberUserId?: string; search?: string; offset: number; limit: number }): Promise<{ items: OrganizationRecord[]; total: number }>;

  getMembership(orgId: string, userId: string): Promise<MembershipRecord | undefined>;
  listMemberships(orgId: string): Promise<MembershipRecord[]>;
  listMembershipsOfUser(userId: string): Promise<MembershipRecord[]>;
  /** Whether an organization the user is a member of asks its members for a second factor: one query, asked at sign-in. */
  anyRequiresMfa(userId: string): Promise<boolean>;
  /** Inserts or changes the role of a membership. */
  putMembership(membership: MembershipRecord): Promise<void>;
  deleteMembership(orgId: string, userId: string): Promise<boolean>;
  countOwners(orgId: string): Promise<number>;

  insertInvitation(invitation: InvitationRecord): Promise<void>;
  getInvitation(id: string): Promise<InvitationRecord | undefined>;
  getInvitationByHash(tokenHash: string): Promise<InvitationRecord | undefined>;
  listInvitations(orgId: string): Promise<InvitationRecord[]>;
  /**
   * Atomically marks an open invitation accepted. False when it was already accepted or revoked,
   * or has expired (a single conditional write, so two acceptances can't both win).
   */
  acceptInvitation(id: string, userId: string, now: number): Promise<boolean>;
  revokeInvitation(id: string, now: number): Promise<boolean>;
}
