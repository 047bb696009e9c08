import { z } from 'zod';
import { organizationSlug } from '../../contracts/organization-names.js';
import type { Clock } from '../../ports/clock.js';
import type { DomainEvents } from '../../ports/domain-events.js';
import { emptyProfile, type UserRecord } from '../../ports/identity-repositories.js';
import type { OrganizationRecord } from '../../ports/org-repositories.js';
import type { PasswordHasher } from '../../ports/password-hasher.js';
import type { Storage } from '../../ports/storage.js';
import { randomId } from '../../shared/random.js';
import type { RequestContext } from '../audit/audit-log.js';
import { commitChange, organizationChange, serverChange } from '../audit/unit-of-work.js';
import { DomainError, type FieldProblem } from '../errors.js';
import { orgNameSchema } from '../orgs/org-service.js';
import { consumeAccountLink, inspectAccountLink, issueAccountLink, type AccountLinkProblem } from './account-links.js';
import { passwordProblem } from './password-policy.js';

/** Why the setup can't run: the link's problem, or the server already has an administrator. */
export type SetupProblem = AccountLinkProblem | 'done';

/** What the setup asks for: the first administrator and the first organization. */
export interface SetupInput {
  email: string;
  name: string;
  password: string;
  organization: string;
}

export interface SetupResult {
  user: UserRecord;
  organization: OrganizationRecord;
}

export interface FirstRunDependencies {
  storage: Storage;
  clock: Clock;
  events: DomainEvents;
  passwords: PasswordHasher;
}

const emailSchema = z.email().max(254);

/**
 * Set, to the first administrator's id, by the setup that made them: the setup runs once per
 * server, even should every administrator later be removed (then `latchkey users create --admin`).
 */
const setupDoneSetting = 'first-run.done';

/** Rolls the setup's transaction back with the reason it could not run. */
class SetupRefused extends Error {
  readonly problem: SetupProblem;
  constructor(problem: SetupProblem) {
    super(`setup refused: ${problem}`);
    this.problem = problem;
  }
}

/** Every field's problem at once, so the form can show them all; empty when the input is acceptable. */
export function setupInputProblems(input: SetupInput): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const email = input.email.trim().toLowerCase();
  if (!emailSchema.safeParse(email).success) problems.push({ field: 'email', message: 'must be an email address' });
  const name = input.name.trim();
  if (name.length < 1 || name.length > 100) problems.push({ field: 'name', message: 'must be 1 to 100 characters' });
  const password = passwordProblem(input.password, email);
  if (password) problems.push({ field: 'password', message: password });
  const organization = input.organization.trim();
  if (organization.length < 1 || organization.length > 100) {
    problems.push({ field: 'organization', message: 'must be 1 to 100 characters' });
  } else if (!orgNameSchema.safeParse(organizationSlug(organization)).success) {
    problems.push({ field: 'organization', message: 'must contain at least one letter or digit' });
  }
  return problems;
}

/**
 * The first run of a server: until it has a server administrator, `latchkey start` issues a
 * single-use setup link (24 hours), and whoever opens it creates the first administrator and
 * their organization. Each start issues a fresh link; earlier unused links stay valid until they
 * expire, and every link stops working once an administrator exists (the setup checks that in its
 * transaction), so there is never a second first administrator.
 */
export class FirstRun {
  readonly #deps: FirstRunDependencies;

  constructor(deps: FirstRunDependencies) {
    this.#deps = deps;
  }

  /** Whether the server still waits for its first administrator. */
  async needed(): Promise<boolean> {
    const { users, settings } = this.#deps.storage;
    return !(await users.hasAdministrator()) && (await settings.get(setupDoneSetting)) === undefined;
  }

  /** A fresh setup link's token, or null when the server already has an administrator. */
  async issueSetupLink(): Promise<string | null> {
    if (!(await this.needed())) return null;
    return issueAccountLink(this.#deps.storage.accountTokens, { purpose: 'setup', userId: null, email: null }, this.#deps.clock.now());
  }

  /** Whether a setup link can still be used, without using it (to show the form). */
  async check(token: string): Promise<SetupProblem | null> {
    if (!(await this.needed())) return 'done';
    const inspected = await inspectAccountLink(this.#deps.storage.accountTokens, token, 'setup', this.#deps.clock.now());
    return inspected.ok ? null : inspected.problem;
  }

  /**
   * Creates the first administrator (email verified: they run the server) and an organization they
   * own, in one audited transaction that also uses the link. `token` null is the operator at the
   * CLI (`latchkey init`), who needs no link. Throws a validation DomainError naming each field,
   * or returns the problem that stopped it; nothing is written either way.
   */
  async complete(token: string | null, input: SetupInput): Promise<{ ok: true; result: SetupResult } | { ok: false; problem: SetupProblem }> {
    const problems = setupInputProblems(input);
    if (problems.length > 0) throw DomainError.validation(problems);
    const now = this.#deps.clock.now();
    const email = input.email.trim().toLowerCase();
    const passwordHash = await this.#deps.passwords.hash(input.password);
    const user: UserRecord = {
      id: `usr_${randomId(12)}`,
      email,
      name: input.name.trim(),
      passwordHash,
      emailVerified: true,
      isAdmin: true,
      disabledAt: null,
      lockedUntil: null,
      profile: emptyProfile,
      createdAt: now,
      updatedAt: now,
    };
    const displayName = input.organization.trim();
    const organization: OrganizationRecord = {
      id: `org_${randomId(12)}`,
      name: organizationSlug(displayName),
      displayName,
      requireMfa: false,
      createdAt: now,
      updatedAt: now,
    };
    const context: RequestContext = { actor: { kind: 'user', userId: user.id, email, scopes: new Set() } };
    try {
      const result = await commitChange(this.#deps, context, async (tx) => {
        if (await tx.users.hasAdministrator()) throw new SetupRefused('done');
        // Two setups at once (two links, two nodes): the one name can be taken once, so only one
        // of them makes an administrator, on either store.
        if (!(await tx.settings.setIfAbsent(setupDoneSetting, user.id))) throw new SetupRefused('done');
        if (token !== null) {
          const used = await consumeAccountLink(tx.accountTokens, token, 'setup', now);
          if (!used.ok) throw new SetupRefused(used.problem);
        }
        if (!(await tx.users.insert(user))) {
          throw DomainError.validation([{ field: 'email', message: `a user with email ${email} already exists; sign in, or use another address` }]);
        }
        if (!(await tx.organizations.insert(organization))) {
          throw DomainError.validation([{ field: 'organization', message: `an organization named ${organization.name} already exists; choose another name` }]);
        }
        await tx.organizations.putMembership({ orgId: organization.id, userId: user.id, role: 'owner', createdAt: now });
        return {
          result: { user, organization },
          changes: [
            serverChange(
              { type: 'user.created', userId: user.id },
              { action: 'user.created', targetType: 'user', targetId: user.id, changes: { email, name: user.name, isAdmin: true, via: 'setup' } },
            ),
            organizationChange(
              { type: 'org.created', orgId: organization.id },
              {
                action: 'org.created',
                targetType: 'organization',
                targetId: organization.id,
                changes: { name: organization.name, displayName, owner: user.id },
              },
            ),
          ],
        };
      });
      return { ok: true, result };
    } catch (error) {
      if (error instanceof SetupRefused) return { ok: false, problem: error.problem };
      throw error;
    }
  }
}
