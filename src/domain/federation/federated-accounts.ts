import type { Clock } from '../../ports/clock.js';
import type { DomainEvents } from '../../ports/domain-events.js';
import type { ConnectionRecord, LinkedIdentityRecord, MappedProfileField } from '../../ports/federation-repositories.js';
import { emptyProfile, type UserRecord } from '../../ports/identity-repositories.js';
import type { Storage } from '../../ports/storage.js';
import { randomId } from '../../shared/random.js';
import type { RequestContext } from '../audit/audit-log.js';
import { commitChange, serverChange, type Change } from '../audit/unit-of-work.js';
import { DomainError } from '../errors.js';

/** The claims of a validated upstream ID token (and userinfo), as the upstream leg hands them over. */
export type UpstreamClaims = Record<string, unknown>;

/** What a federated sign-in comes to, once the upstream proved who the person is there. */
export type FederatedOutcome =
  /** A linked (or just provisioned and linked) user who may sign in. */
  | { kind: 'signed_in'; user: UserRecord; provisioned: boolean }
  /** A local account has the upstream's email: it is linked only after its own password. */
  | { kind: 'link_required'; user: UserRecord; subject: string; email: string }
  | { kind: 'refused'; reason: 'disabled' | 'no_email' | 'no_subject' };

/** The profile a connection's claim mapping makes of the upstream claims. */
export interface MappedProfile {
  email: string | null;
  emailVerified: boolean;
  name: string | null;
  givenName: string | null;
  familyName: string | null;
  picture: string | null;
  locale: string | null;
}

function stringClaim(claims: UpstreamClaims, name: string, max: number): string | null {
  const value = claims[name];
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  return trimmed && trimmed.length <= max ? trimmed : null;
}

/** Applies the claim mapping: each field takes the claim the mapping names, or the claim of its own name. */
export function mapClaims(connection: Pick<ConnectionRecord, 'claimMapping'>, claims: UpstreamClaims): MappedProfile {
  const claimOf = (field: MappedProfileField) => connection.claimMapping[field] ?? field;
  const email = stringClaim(claims, claimOf('email'), 254)?.toLowerCase() ?? null;
  const picture = stringClaim(claims, claimOf('picture'), 2000);
  return {
    email: email && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) ? email : null,
    // OIDC Core §5.1: only an explicit true says the upstream verified the address.
    emailVerified: claims.email_verified === true,
    name: stringClaim(claims, claimOf('name'), 100),
    givenName: stringClaim(claims, claimOf('given_name'), 100),
    familyName: stringClaim(claims, claimOf('family_name'), 100),
    picture: picture && picture.startsWith('https://') ? picture : null,
    locale: stringClaim(claims, claimOf('locale'), 35),
  };
}

/**
 * RFC 8176 method references of a federated sign-in: `fed`, and `mfa` only when the connection
 * trusts the upstream's second factors and the upstream says it used one (`mfa`, or two methods).
 */
export function federatedAmr(connection: Pick<ConnectionRecord, 'trustUpstreamMfa'>, claims: UpstreamClaims): string[] {
  const upstream = Array.isArray(claims.amr) ? claims.amr.filter((method): method is string => typeof method === 'string') : [];
  const multiFactor = upstream.includes('mfa') || new Set(upstream).size >= 2;
  return connection.trustUpstreamMfa && multiFactor ? ['fed', 'mfa'] : ['fed'];
}

/** A linked identity as the account page shows it. */
export interface LinkedIdentityView extends LinkedIdentityRecord {
  connectionName: string;
}

function userActorContext(user: UserRecord, requestId: string | null): RequestContext {
  return { actor: { kind: 'user', userId: user.id, email: user.email, scopes: new Set() }, requestId };
}

function linkedChange(user: UserRecord, connection: ConnectionRecord, identityId: string): Change {
  return serverChange(
    { type: 'identity.linked', userId: user.id, connectionId: connection.id },
    { action: 'identity.linked', targetType: 'user', targetId: user.id, changes: { connection: connection.name, identity: identityId } },
  );
}

export interface FederatedAccountsDependencies {
  storage: Storage;
  clock: Clock;
  events: DomainEvents;
}

/**
 * The accounts behind upstream sign-ins: a linked identity signs its user in; an unknown one gets
 * a user made just in time, unless a local account has its email, which is never linked without
 * that account's own password (an upstream that asserts an address does not own the account).
 */
export class FederatedAccounts {
  readonly #deps: FederatedAccountsDependencies;

  constructor(deps: FederatedAccountsDependencies) {
    this.#deps = deps;
  }

  /** Who the upstream identity is here, after the upstream proved it. */
  async resolve(connection: ConnectionRecord, claims: UpstreamClaims, requestId: string | null): Promise<FederatedOutcome> {
    const { storage, clock } = this.#deps;
    const subject = typeof claims.sub === 'string' && claims.sub.length > 0 && claims.sub.length <= 255 ? claims.sub : null;
    if (!subject) return { kind: 'refused', reason: 'no_subject' };
    const linked = await storage.linkedIdentities.find(connection.id, subject);
    if (linked) {
      const user = await storage.users.get(linked.userId);
      if (!user || user.disabledAt !== null) return { kind: 'refused', reason: 'disabled' };
      await storage.linkedIdentities.touch(linked.id, clock.now());
      return { kind: 'signed_in', user, provisioned: false };
    }
    const profile = mapClaims(connection, claims);
    if (!profile.email) return { kind: 'refused', reason: 'no_email' };
    const existing = await storage.users.getByEmail(profile.email);
    if (existing) return { kind: 'link_required', user: existing, subject, email: profile.email };
    const provisioned = await this.#provision(connection, subject, profile, requestId);
    if (provisioned) return { kind: 'signed_in', user: provisioned, provisioned: true };
    // Someone took the address (or linked the subject) meanwhile: decide again from what is stored now.
    return this.resolve(connection, claims, requestId);
  }

  async #provision(connection: ConnectionRecord, subject: string, profile: MappedProfile, requestId: string | null): Promise<UserRecord | undefined> {
    const now = this.#deps.clock.now();
    const email = profile.email!;
    const user: UserRecord = {
      id: `usr_${randomId(12)}`,
      email,
      name: profile.name ?? ([profile.givenName, profile.familyName].filter(Boolean).join(' ') || email.split('@')[0] || email),
      passwordHash: null,
      emailVerified: profile.emailVerified,
      isAdmin: false,
      disabledAt: null,
      lockedUntil: null,
      profile: { ...emptyProfile, givenName: profile.givenName, familyName: profile.familyName, picture: profile.picture, locale: profile.locale },
      createdAt: now,
      updatedAt: now,
    };
    const identityId = `fid_${randomId(12)}`;
    try {
      return await commitChange(this.#deps, userActorContext(user, requestId), async (tx) => {
        if (!(await tx.users.insert(user))) throw new DomainError('conflict', 'the email was taken meanwhile');
        const identity: LinkedIdentityRecord = {
          id: identityId,
          connectionId: connection.id,
          subject,
          userId: user.id,
          email,
          createdAt: now,
          lastUsedAt: now,
        };
        if (!(await tx.linkedIdentities.insert(identity))) throw new DomainError('conflict', 'the identity was linked meanwhile');
        const provisioned = serverChange(
          { type: 'user.provisioned', userId: user.id, connectionId: connection.id },
          {
            action: 'user.provisioned',
            targetType: 'user',
            targetId: user.id,
            changes: { email, connection: connection.name, emailVerified: user.emailVerified },
          },
        );
        return { result: user, changes: [provisioned, linkedChange(user, connection, identityId)] };
      });
    } catch (error) {
      if (error instanceof DomainError && error.kind === 'conflict') return undefined;
      throw error;
    }
  }

  /** Links the upstream identity to a user who just proved their own password. False when it is linked to someone else already. */
  async link(connection: ConnectionRecord, subject: string, email: string | null, user: UserRecord, requestId: string | null): Promise<boolean> {
    const now = this.#deps.clock.now();
    const identityId = `fid_${randomId(12)}`;
    const identity: LinkedIdentityRecord = { id: identityId, connectionId: connection.id, subject, userId: user.id, email, createdAt: now, lastUsedAt: now };
    return commitChange(this.#deps, userActorContext(user, requestId), async (tx) => {
      if (await tx.linkedIdentities.insert(identity)) return { result: true, changes: [linkedChange(user, connection, identityId)] };
      const existing = await tx.linkedIdentities.find(connection.id, subject);
      return { result: existing?.userId === user.id, changes: [] };
    });
  }

  /** The user's linked identities, with the name of the provider each came through. */
  async listForUser(userId: string): Promise<LinkedIdentityView[]> {
    const identities = await this.#deps.storage.linkedIdentities.listForUser(userId);
    const views: LinkedIdentityView[] = [];
    for (const identity of identities) {
      const connection = await this.#deps.storage.connections.get(identity.connectionId);
      views.push({ ...identity, connectionName: connection?.displayName ?? identity.connectionId });
    }
    return views;
  }

  /** Unlinks one of the user's identities; never the last way in (no password and no other identity). */
  async unlink(context: RequestContext, user: UserRecord, identityId: string): Promise<void> {
    await commitChange(this.#deps, context, async (tx) => {
      const identities = await tx.linkedIdentities.listForUser(user.id);
      const identity = identities.find((candidate) => candidate.id === identityId);
      if (!identity) throw DomainError.notFound(`linked sign-in ${identityId}`);
      const current = await tx.users.get(user.id);
      if (!current?.passwordHash && identities.length <= 1) {
        throw new DomainError(
          'invalid_state',
          'this is your only way to sign in: set a password (Forgot password? on the sign-in page mails a link) or link another provider first',
        );
      }
      await tx.linkedIdentities.delete(identity.id, user.id);
      const change = serverChange(
        { type: 'identity.unlinked', userId: user.id, connectionId: identity.connectionId },
        { action: 'identity.unlinked', targetType: 'user', targetId: user.id, changes: { identity: identity.id } },
      );
      return { result: undefined, changes: [change] };
    });
  }
}
