import type { UserRecord } from '../../ports/identity-repositories.js';

/** Where a sign-in attempt comes from: the address is what throttling counts per IP. */
export interface LoginAttemptContext {
  ip: string;
}

/**
 * What a sign-in method answers. `second_factor_required` lets a first factor hand over to
 * another method (TOTP, a passkey) without ending the sign-in; `amr` lists what was used.
 */
export type LoginAttempt =
  | { kind: 'authenticated'; user: UserRecord; amr: string[]; acr: string | null }
  | { kind: 'second_factor_required'; user: UserRecord; amr: string[]; methods: string[] }
  | { kind: 'refused'; reason: 'invalid' | 'disabled' | 'locked' }
  | { kind: 'throttled'; retryAfterSeconds: number };

/** What the engine asks of a user's second factors; the identity domain answers. */
export interface SecondFactorDirectory {
  /** The second factors the user can prove ('totp', 'passkey', 'recovery_code'); empty when they have none. */
  methodsOf(userId: string): Promise<string[]>;
  /** Whether an organization the user is a member of asks its members for a second factor. */
  requiredByOrganization(userId: string): Promise<boolean>;
}

/**
 * One way to sign in on the hosted pages (password today; TOTP, passkeys and an upstream
 * identity provider later). `amr` is its RFC 8176 authentication method reference.
 */
export interface LoginMethod<Credentials> {
  id: string;
  amr: string;
  authenticate(credentials: Credentials, context: LoginAttemptContext): Promise<LoginAttempt>;
}
