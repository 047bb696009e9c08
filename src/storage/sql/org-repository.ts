import type { Kysely, Selectable } from 'kysely';
import type { InvitationRecord, MembershipRecord, OrganizationRecord, OrganizationRepository, Role } from '../../ports/org-repositories.js';
import { containsInsensitive, fromFlag, toFlag } from './query-helpers.js';
import type { DatabaseSchema, InvitationsTable, MembershipsTable, OrganizationsTable } from './schema.js';

function toOrg(row: Selectable<OrganizationsTable>): OrganizationRecord {
  return {
    id: row.id,
    name: row.name,
    displayName: row.display_name,
    requireMfa: fromFlag(row.require_mfa),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toMembership(row: Selectable<MembershipsTable>): MembershipRecord {
  return { orgId: row.org_id, userId: row.user_id, role: row.role as Role, createdAt: row.created_at };
}

function toInvitation(row: Selectable<InvitationsTable>): InvitationRecord {
  return {
    id: row.id,
    orgId: row.org_id,
    email: row.email,
    role: row.role as Role,
    tokenHash: row.token_hash,
    invitedBy: row.invited_by,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    acceptedAt: row.accepted_at,
    acceptedBy: row.accepted_by,
    revokedAt: row.revoked_at,
  };
}

export class SqlOrganizationRepository implements OrganizationRepository {
  readonly #db: Kysely<DatabaseSchema>;
  constructor(db: Kysely<DatabaseSchema>) {
    this.#db = db;
  }

  async insert(org: OrganizationRecord): Promise<boolean> {
    const result = await this.#db
      .insertInto('organizations')
      .values({
        id: org.id,
        name: org.name,
        display_name: org.displayName,
        require_mfa: toFlag(org.requireMfa),
        created_at: org.createdAt,
        updated_at: org.updatedAt,
      })
      .onConflict((conflict) => conflict.column('name').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
  }

  async get(id: string): Promise<OrganizationRecord | undefined> {
    const row = await this.#db.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toOrg(row);
  }

  async getByName(name: string): Promise<OrganizationRecord | undefined> {
    const row = await this.#db.selectFrom('organizations').selectAll().where('name', '=', name).executeTakeFirst();
    return row && toOrg(row);
  }

  async update(org: OrganizationRecord): Promise<void> {
    await this.#db
      .updateTable('organizations')
      .set({ name: org.name, display_name: org.displayName, require_mfa: toFlag(org.requireMfa), updated_at: org.updatedAt })
      .where('id', '=', org.id)
      .execute();
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.#db.deleteFrom('organizations').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }

  async list(query: { memberUserId?: string; search?: string; offset: number; limit: number }) {
    let base = this.#db.selectFrom('organizations');
    if (query.memberUserId) {
      const userId = query.memberUserId;
      base = base.where('id', 'in', (eb) => eb.selectFrom('memberships').select('org_id').where('user_id', '=', userId));
    }
    if (query.search) {
      const search = query.search;
      base = base.where((eb) => eb.or([containsInsensitive('name', search), containsInsensitive('display_name', search)]));
    }
    const [rows, count] = await Promise.all([
      base.selectAll().orderBy('name').offset(query.offset).limit(query.limit).execute(),
      base.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow(),
    ]);
    return { items: rows.map(toOrg), total: Number(count.total) };
  }

  async getMembership(orgId: string, userId: string): Promise<MembershipRecord | undefined> {
    const row = await this.#db.selectFrom('memberships').selectAll().where('org_id', '=', orgId).where('user_id', '=', userId).executeTakeFirst();
    return row && toMembership(row);
  }

  async listMemberships(orgId: string): Promise<MembershipRecord[]> {
    const rows = await this.#db.selectFrom('memberships').selectAll().where('org_id', '=', orgId).orderBy('created_at').execute();
    return rows.map(toMembership);
  }

  async listMembershipsOfUser(userId: string): Promise<MembershipRecord[]> {
    const rows = await this.#db.selectFrom('memberships').selectAll().where('user_id', '=', userId).orderBy('created_at').execute();
    return rows.map(toMembership);
  }

  async anyRequiresMfa(userId: string): Promise<boolean> {
    const row = await this.#db
      .selectFrom('memberships')
      .innerJoin('organizations', 'organizations.id', 'memberships.org_id')
      .select('memberships.org_id')
      .where('memberships.user_id', '=', userId)
      .where('organizations.require_mfa', '=', toFlag(true))
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  async putMembership(membership: MembershipRecord): Promise<void> {
    await this.#db
      .insertInto('memberships')
      .values({ org_id: membership.orgId, user_id: membership.userId, role: membership.role, created_at: membership.createdAt })
      .onConflict((conflict) => conflict.columns(['org_id', 'user_id']).doUpdateSet({ role: membership.role }))
      .execute();
  }

  async deleteMembership(orgId: string, userId: string): Promise<boolean> {
    const result = await this.#db.deleteFrom('memberships').where('org_id', '=', orgId).where('user_id', '=', userId).executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }

  async countOwners(orgId: string): Promise<number> {
    const row = await this.#db
      .selectFrom('memberships')
      .select((eb) => eb.fn.countAll<number>().as('total'))
      .where('org_id', '=', orgId)
      .where('role', '=', 'owner')
      .executeTakeFirstOrThrow();
    return Number(row.total);
  }

  async insertInvitation(invitation: InvitationRecord): Promise<void> {
    await this.#db
      .insertInto('invitations')
      .values({
        id: invitation.id,
        org_id: invitation.orgId,
        email: invitation.email,
        role: invitation.role,
        token_hash: invitation.tokenHash,
        invited_by: invitation.invitedBy,
        created_at: invitation.createdAt,
        expires_at: invitation.expiresAt,
        accepted_at: invitation.acceptedAt,
        accepted_by: invitation.acceptedBy,
        revoked_at: invitation.revokedAt,
      })
      .execute();
  }

  async getInvitation(id: string): Promise<InvitationRecord | undefined> {
    const row = await this.#db.selectFrom('invitations').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toInvitation(row);
  }

  async getInvitationByHash(tokenHash: string): Promise<InvitationRecord | undefined> {
    const row = await this.#db.selectFrom('invitations').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
    return row && toInvitation(row);
  }

  async listInvitations(orgId: string): Promise<InvitationRecord[]> {
    const rows = await this.#db.selectFrom('invitations').selectAll().where('org_id', '=', orgId).orderBy('created_at', 'desc').execute();
    return rows.map(toInvitation);
  }

  async acceptInvitation(id: string, userId: string, now: number): Promise<boolean> {
    const result = await this.#db
      .updateTable('invitations')
      .set({ accepted_at: now, accepted_by: userId })
      .where('id', '=', id)
      .where('accepted_at', 'is', null)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async revokeInvitation(id: string, now: number): Promise<boolean> {
    const result = await this.#db
      .updateTable('invitations')
      .set({ revoked_at: now })
      .where('id', '=', id)
      .where('accepted_at', 'is', null)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }
}
