import type { Clock } from '../../ports/clock.js';
import type { DomainEvents } from '../../ports/domain-events.js';
import { emptyProfile, type UserRecord } from '../../ports/identity-repositories.js';
import type { InvitationRecord, OrganizationRecord } from '../../ports/org-repositories.js';
import type { PasswordHasher } from '../../ports/password-hasher.js';
import type { Storage } from '../../ports/storage.js';
import { isWellFormedSecret, type SecretHasher } from '../../shared/opaque-secret.js';
import { randomId } from '../../shared/random.js';
import type { RequestContext } from '../audit/audit-log.js';
import { commitChange, organizationChange, serverChange } from '../audit/unit-of-work.js';
import { DomainError, type FieldProblem } from '../errors.js';
import { passwordProblem } from '../identity/password-policy.js';

/** The invitation stopped holding between its look-up and its use: rolls the transaction back. */
class InvitationGone extends Error {}

/** Why an invitation link can't be used. */
export type InvitationProblem = 'unknown' | 'expired' | 'used' | 'revoked';

/** An invitation that still holds, what it is for, and whether its address has an account already. */
export interface OpenInvitation {
  invitation: InvitationRecord;
  organization: OrganizationRecord;
  accountExists: boolean;
}

export interface InvitationSignUpDependencies {
  storage: Storage;
  clock: Clock;
  events: DomainEvents;
  /** Hashes invitation tokens (as OrgService does). */
  secretHasher: SecretHasher;
  passwords: PasswordHasher;
}

/**
 * The invitation link: someone invited by email opens it, and either creates an account for the
 * invited address (whatever `signUp.enabled` says: the invitation is the permission) or signs in
 * to the one they have, and joins the organization with the invited role.
 */
export class InvitationSignUp {
  readonly #deps: InvitationSignUpDependencies;

  constructor(deps: InvitationSignUpDependencies) {
    this.#deps = deps;
  }

  /**
   * The invitation a token opens, or why it opens none. With `orgId` (the organization an
   * authorization request names), an invitation to another organization opens nothing either.
   */
  async open(token: string, orgId?: string): Promise<{ ok: true; open: OpenInvitation } | { ok: false; problem: InvitationProblem }> {
    if (!isWellFormedSecret(token, 'inv')) return { ok: false, problem: 'unknown' };
    const { organizations, users } = this.#deps.storage;
    const invitation = await this.#deps.secretHasher.findByHash(token, (hash) => organizations.getInvitationByHash(hash));
    const organization = invitation ? await organizations.get(invitation.orgId) : undefined;
    if (!invitation || !organization || (orgId !== undefined && invitation.orgId !== orgId)) return { ok: false, problem: 'unknown' };
    if (invitation.acceptedAt !== null) return { ok: false, problem: 'used' };
    if (invitation.revokedAt !== null) return { ok: false, problem: 'revoked' };
    if (invitation.expiresAt <= this.#deps.clock.now()) return { ok: false, problem: 'expired' };
    return { ok: true, open: { invitation, organization, accountExists: (await users.getByEmail(invitation.email)) !== undefined } };
  }

  /**
   * Creates the invitee's account (the address is the invited one, and verified: the link reached
   * it) and makes them a member, in one audited transaction that uses the invitation. `orgId` as
   * for open().
   */
  async createAccount(
    token: string,
    input: { name: string; password: string },
    orgId?: string,
  ): Promise<{ ok: true; user: UserRecord } | { ok: false; problem: InvitationProblem }> {
    const opened = await this.open(token, orgId);
    if (!opened.ok) return opened;
    const { invitation } = opened.open;
    const problems: FieldProblem[] = [];
    const name = input.name.trim();
    if (name.length < 1 || name.length > 100) problems.push({ field: 'name', message: 'must be 1 to 100 characters' });
    const password = passwordProblem(input.password, invitation.email);
    if (password) problems.push({ field: 'password', message: password });
    if (problems.length > 0) throw DomainError.validation(problems);
    if (opened.open.accountExists) {
      throw new DomainError('conflict', `${invitation.email} already has an account: sign in to accept the invitation`);
    }
    const now = this.#deps.clock.now();
    const user: UserRecord = {
      id: `usr_${randomId(12)}`,
      email: invitation.email,
      name,
      passwordHash: await this.#deps.passwords.hash(input.password),
      emailVerified: true,
      isAdmin: false,
      disabledAt: null,
      lockedUntil: null,
      profile: emptyProfile,
      createdAt: now,
      updatedAt: now,
    };
    const context: RequestContext = { actor: { kind: 'user', userId: user.id, email: user.email, scopes: new Set() } };
    try {
      const created = await commitChange(this.#deps, context, async (tx) => {
        if (!(await tx.users.insert(user))) {
          throw new DomainError('conflict', `${invitation.email} already has an account: sign in to accept the invitation`);
        }
        if (!(await tx.organizations.acceptInvitation(invitation.id, user.id, now))) throw new InvitationGone();
        await tx.organizations.putMembership({ orgId: invitation.orgId, userId: user.id, role: invitation.role, createdAt: now });
        return {
          result: user,
          changes: [
            serverChange(
              { type: 'user.created', userId: user.id },
              { action: 'user.created', targetType: 'user', targetId: user.id, changes: { email: user.email, name, via: 'invitation' } },
            ),
            organizationChange(
              { type: 'invitation.accepted', orgId: invitation.orgId, invitationId: invitation.id, userId: user.id },
              { action: 'invitation.accepted', targetType: 'invitation', targetId: invitation.id, changes: { email: user.email, role: invitation.role } },
            ),
          ],
        };
      });
      return { ok: true, user: created };
    } catch (error) {
      // Accepted, revoked or expired between the look-up and the write: say which, as if it came later.
      if (error instanceof InvitationGone) {
        const again = await this.open(token, orgId);
        return { ok: false, problem: again.ok ? 'used' : again.problem };
      }
      throw error;
    }
  }
}
