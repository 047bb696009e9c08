import type { RateLimiter } from '../../ports/rate-limiter.js';
import type { Clock } from '../../ports/clock.js';
import type { DomainEvents } from '../../ports/domain-events.js';
import type { UserRecord } from '../../ports/identity-repositories.js';
import type { PasswordHasher } from '../../ports/password-hasher.js';
import type { Storage } from '../../ports/storage.js';
import type { ChangeDependencies } from '../audit/unit-of-work.js';
import type { InvitationSignUp } from '../orgs/invitation-sign-up.js';
import { requestEmailVerification, verifyEmail, type EmailVerificationDependencies, type VerificationOutcome } from './email-verification.js';
import { PasswordReset } from './password-reset.js';
import { resendVerificationLimits, throttle, type Throttle } from './self-service-throttle.js';
import { SignUp } from './sign-up.js';

/** Absolute URLs of the hosted account pages the mails link to. */
export interface AccountPageUrls {
  /** The issuer without a trailing slash. */
  issuer: string;
  verifyEmail: string;
}

/** Self-service on the hosted pages: sign-up (when enabled), email verification, password reset. */
export interface AccountServices {
  /** Null when sign-up is off (signUp.enabled). */
  signUp: SignUp | null;
  /** Sign-up with an organization's invitation: allowed whatever signUp.enabled says. */
  invitations: Pick<InvitationSignUp, 'open' | 'createAccount'>;
  passwordReset: PasswordReset;
  verifyEmail(token: string): Promise<VerificationOutcome>;
  /** Sends the signed-in user a new verification link for their address (throttled per address and IP). */
  resendVerification(user: UserRecord, ip: string): Promise<Throttle>;
}

export function createAccountServices(deps: {
  storage: Storage;
  /** The attempt counters of the forms' throttles. */
  limiter: RateLimiter;
  clock: Clock;
  events: DomainEvents;
  passwords: PasswordHasher;
  urls: AccountPageUrls;
  signUp: { enabled: boolean; allowedEmailDomains: readonly string[] };
  invitations: Pick<InvitationSignUp, 'open' | 'createAccount'>;
}): AccountServices {
  const { storage, clock, events, passwords, urls } = deps;
  const limiter = deps.limiter;
  const changes: ChangeDependencies = { storage, clock, events };
  const verification: EmailVerificationDependencies = { clock, verifyEmailUrl: urls.verifyEmail };
  const signUp = deps.signUp.enabled
    ? new SignUp({
        storage,
        clock,
        events,
        passwords,
        limiter,
        verifyEmailUrl: urls.verifyEmail,
        issuer: urls.issuer,
        allowedEmailDomains: deps.signUp.allowedEmailDomains,
      })
    : null;
  return {
    signUp,
    invitations: deps.invitations,
    passwordReset: new PasswordReset({ storage, clock, events, passwords, limiter, issuer: urls.issuer }),
    verifyEmail: (token) => verifyEmail(changes, token),
    async resendVerification(user, ip) {
      const allowed = await throttle(limiter, 'verify-email', resendVerificationLimits, ip, user.email, clock.now());
      if (allowed.allowed && !user.emailVerified) await storage.transaction((tx) => requestEmailVerification(tx, user, user.email, verification));
      return allowed;
    },
  };
}
