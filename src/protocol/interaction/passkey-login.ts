import { passkeyAmr, type ChallengeBinding, type PasskeyService } from '../../domain/identity/passkeys.js';
import type { UserDirectory } from '../../ports/directories.js';
import type { LoginAttempt, LoginMethod } from './login-method.js';

/** A WebAuthn assertion as the page posted it, and the challenge it must answer. */
export interface PasskeyCredentials {
  /** The AuthenticationResponseJSON, as text. */
  response: string;
  /** Whose passkey it must be (null: anyone's, a passwordless sign-in) and the page the challenge was issued to. */
  challenge: ChallengeBinding;
}

/**
 * A passkey (WebAuthn Level 2), checked by the identity domain's PasskeyService. Its amr is
 * `hwk` or `swk` by the kind of passkey, with `user` and `mfa` as RFC 8176 has them (passkeyAmr);
 * `amr` below names the method only.
 */
export function passkeyLogin(passkeys: Pick<PasskeyService, 'authenticate'>, users: Pick<UserDirectory, 'getUser'>): LoginMethod<PasskeyCredentials> {
  return {
    id: 'passkey',
    amr: 'hwk',
    async authenticate({ response, challenge }): Promise<LoginAttempt> {
      const assertion = await passkeys.authenticate(response, challenge);
      if (!assertion) return { kind: 'refused', reason: 'invalid' };
      const user = await users.getUser(assertion.passkey.userId);
      if (!user) return { kind: 'refused', reason: 'invalid' };
      if (user.disabledAt !== null) return { kind: 'refused', reason: 'disabled' };
      const amr = passkeyAmr(assertion.passkey.deviceType, assertion.userVerified, challenge.userId === null);
      return { kind: 'authenticated', user, amr, acr: null };
    },
  };
}
