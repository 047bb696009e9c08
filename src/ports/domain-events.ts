/**
 * Something that changed or happened, published after its transaction committed. The audit log
 * is written in the transaction itself; subscribers here are caches, metrics and hooks, and they
 * switch exhaustively over `type`. docs/events.md is generated from this union: each variant's
 * comment is its description there.
 */
export type DomainEvent =
  // The protocol engine.
  /** An authorization code was issued at the authorization endpoint. */
  | { type: 'code.issued'; orgId: string; clientId: string }
  /** A used authorization code was presented again; the grant it made was revoked (RFC 6749 §4.1.2). */
  | { type: 'code.replay_detected'; orgId: string; clientId: string; grantId: string }
  /** The token endpoint issued tokens, by whichever grant. */
  | { type: 'token.issued'; orgId: string; clientId: string; grantType: string }
  /** A client revoked a token at the revocation endpoint (RFC 7009). */
  | { type: 'token.revoked'; orgId: string; clientId: string }
  /** A rotated-out refresh token was presented again; its family was revoked (RFC 9700 §4.14.2). */
  | { type: 'refresh.reuse_detected'; orgId: string; clientId: string; grantId: string }
  /**
   * A person signed in on a hosted page; `clientId` is the app they signed in for, null on the
   * device page; `method` is the one that completed the sign-in (password, totp, recovery_code, passkey, federation).
   */
  | { type: 'signin.succeeded'; userId: string; clientId: string | null; method: string }
  /** A sign-in step was refused: unknown email, wrong password, a wrong or reused code, or a disabled account. */
  | { type: 'signin.failed'; clientId: string | null; method: string }
  /** A sign-in step was refused before it was checked, because of too many attempts. */
  | { type: 'signin.throttled'; clientId: string | null; method: string }
  /**
   * A sign-in session ended: RP-initiated logout, signing out on the account page, a new sign-in
   * replacing it, a password change or reset, a server administrator ending it, or its expiry.
   */
  | { type: 'session.ended'; sid: string }
  // Organizations and their people.
  /** An organization was created. */
  | { type: 'org.created'; orgId: string }
  /** An organization's name or settings changed. */
  | { type: 'org.updated'; orgId: string }
  /** An organization was deleted, with every app and API it owned. */
  | { type: 'org.deleted'; orgId: string; clientIds: string[]; apiIdentifiers: string[] }
  /** A user became a member of an organization. */
  | { type: 'member.added'; orgId: string; userId: string }
  /** A member's role changed. */
  | { type: 'member.updated'; orgId: string; userId: string }
  /** A member left or was removed. */
  | { type: 'member.removed'; orgId: string; userId: string }
  /** Someone was invited to an organization. */
  | { type: 'invitation.created'; orgId: string; invitationId: string }
  /** An invitation was accepted; the invitee is now a member. */
  | { type: 'invitation.accepted'; orgId: string; invitationId: string; userId: string }
  /** An invitation was withdrawn. */
  | { type: 'invitation.revoked'; orgId: string; invitationId: string }
  // Apps and APIs.
  /** An app was registered. */
  | { type: 'app.created'; orgId: string; clientId: string }
  /** An app's settings, status, certificates or pre-authorizations changed. */
  | { type: 'app.updated'; orgId: string; clientId: string }
  /** An app was deleted. */
  | { type: 'app.deleted'; orgId: string; clientId: string }
  /** An app has a new client secret; the old one may stay valid for a grace period. */
  | { type: 'app.secret_rotated'; orgId: string; clientId: string }
  /** The grace period of an app's previous client secret was ended early: only the current secret works. */
  | { type: 'app.previous_secret_ended'; orgId: string; clientId: string }
  /** A member made per-user client credentials (an OAuth client acting for them); `userId` is their owner. */
  | { type: 'credential.created'; orgId: string; clientId: string; userId: string }
  /** Per-user client credentials changed: their grants, or their certificates. */
  | { type: 'credential.updated'; orgId: string; clientId: string; userId: string }
  /** Per-user client credentials were deleted. */
  | { type: 'credential.deleted'; orgId: string; clientId: string; userId: string }
  /** Per-user client credentials have a new secret; the old one may stay valid for a grace period. */
  | { type: 'credential.secret_rotated'; orgId: string; clientId: string; userId: string }
  /** The grace period of per-user client credentials' previous secret was ended early. */
  | { type: 'credential.previous_secret_ended'; orgId: string; clientId: string; userId: string }
  /** An organization admin issued an initial access token for dynamic client registration (RFC 7591 §3). */
  | { type: 'registration_token.created'; orgId: string; tokenId: string }
  /** An initial access token was revoked: it registers no more apps. */
  | { type: 'registration_token.revoked'; orgId: string; tokenId: string }
  /** An API was registered. */
  | { type: 'api.created'; orgId: string; identifier: string }
  /** An API's scopes or token settings changed. */
  | { type: 'api.updated'; orgId: string; identifier: string }
  /** An API was deleted. */
  | { type: 'api.deleted'; orgId: string; identifier: string }
  // Users.
  /** A user account was created. */
  | { type: 'user.created'; userId: string }
  /** A user's profile, password, administrator flag or disabled state changed. */
  | { type: 'user.updated'; userId: string }
  /** A user asked on the account page to change their email; the account keeps its address until the link sent to the new one is used. */
  | { type: 'user.email_change_requested'; userId: string }
  /** A user account was deleted. */
  | { type: 'user.deleted'; userId: string }
  /** A server administrator disabled a user: they can't sign in, and their tokens stop working. */
  | { type: 'user.disabled'; userId: string }
  /** A server administrator enabled a disabled user again. */
  | { type: 'user.enabled'; userId: string }
  /** Too many failed sign-ins in a row locked the account until `lockedUntil` (epoch ms). */
  | { type: 'user.locked'; userId: string; lockedUntil: number }
  /** A server administrator lifted a lockout before it ended. */
  | { type: 'user.unlocked'; userId: string }
  /** A password reset link was mailed to the user (by an administrator's request). */
  | { type: 'user.password_reset_sent'; userId: string }
  /** A user turned on a second factor (`method`: totp or passkey). */
  | { type: 'mfa.enrolled'; userId: string; method: string }
  /** A user removed a second factor. */
  | { type: 'mfa.removed'; userId: string; method: string }
  /** A user made a new set of recovery codes; the old ones no longer work. */
  | { type: 'mfa.recovery_codes_generated'; userId: string }
  /** A server administrator removed every second factor of a user (a lost phone); they enroll again at their next sign-in if required. */
  | { type: 'mfa.reset'; userId: string }
  /** A user withdrew their consent to an app (`orgId` is null when the app is gone). */
  | { type: 'consent.revoked'; orgId: string | null; clientId: string; userId: string }
  /** A personal access token was created. */
  | { type: 'pat.created'; userId: string; tokenId: string }
  /** A personal access token was revoked. */
  | { type: 'pat.revoked'; userId: string; tokenId: string }
  /** A user registered a passkey (a WebAuthn credential) on the account page. */
  | { type: 'passkey.registered'; userId: string; passkeyId: string }
  /** A user renamed one of their passkeys. */
  | { type: 'passkey.renamed'; userId: string; passkeyId: string }
  /** A user removed one of their passkeys: it no longer signs in. */
  | { type: 'passkey.removed'; userId: string; passkeyId: string }
  // Sign-in with upstream providers.
  /** A connection to an upstream OpenID provider was added (`orgId` null: the server's own). */
  | { type: 'connection.created'; orgId: string | null; connectionId: string }
  /** A connection's settings or client secret changed. */
  | { type: 'connection.updated'; orgId: string | null; connectionId: string }
  /** A connection was deleted, with the identities linked through it. */
  | { type: 'connection.deleted'; orgId: string | null; connectionId: string }
  /** An upstream identity was linked to a user (on first sign-in, or after the account's password). */
  | { type: 'identity.linked'; userId: string; connectionId: string }
  /** A user unlinked an upstream identity on the account page. */
  | { type: 'identity.unlinked'; userId: string; connectionId: string }
  /** A user was created just in time on their first sign-in through an upstream provider. */
  | { type: 'user.provisioned'; userId: string; connectionId: string }
  // The server.
  /**
   * A new signing key signs from now on for its algorithm; the key it replaced (`previousKid`,
   * null when there was none) stays in the JWKS until what it signed has expired.
   */
  | { type: 'key.rotated'; kid: string; alg: string; previousKid: string | null }
  /**
   * A scheduled rotation: the new key is in the JWKS from now on and starts signing at
   * `activateAt` (epoch milliseconds), replacing `replacesKid`.
   */
  | { type: 'key.rotation_scheduled'; kid: string; alg: string; activateAt: number; replacesKid: string }
  /**
   * A key was revoked in an emergency: it left the JWKS and what it signed no longer verifies. An
   * active key was replaced at once by `replacementKid` (null when it was not active).
   */
  | { type: 'key.revoked'; kid: string; alg: string; replacementKid: string | null };

export type DomainEventType = DomainEvent['type'];

/** The variant of the union whose type is `T`. */
export type DomainEventOf<T extends DomainEventType> = Extract<DomainEvent, { type: T }>;

export interface DomainEvents {
  publish(event: DomainEvent): void;
}

/** Fan-out to in-process subscribers; a failing subscriber never fails the publisher. */
export class InProcessEvents implements DomainEvents {
  readonly #subscribers = new Set<(event: DomainEvent) => void>();

  subscribe(subscriber: (event: DomainEvent) => void): () => void {
    this.#subscribers.add(subscriber);
    return () => this.#subscribers.delete(subscriber);
  }

  publish(event: DomainEvent): void {
    for (const subscriber of this.#subscribers) {
      try {
        subscriber(event);
      } catch {
        // Subscribers report their own failures; publishing goes on.
      }
    }
  }
}

/** For the `default` branch of an exhaustive switch: fails to compile when a variant is not handled. */
export function unhandledEvent(event: never): never {
  throw new Error(`unhandled domain event ${(event as { type: string }).type}`);
}
