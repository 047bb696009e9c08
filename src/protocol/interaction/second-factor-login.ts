import type { UserDirectory } from '../../ports/directories.js';
import type { LoginAttempt, LoginMethod } from './login-method.js';

/** A code typed for the user of a pending login. */
export interface CodeCredentials {
  userId: string;
  code: string;
}

type CodeCheck = { ok: true } | { ok: false; reason: 'invalid' } | { ok: false; reason: 'throttled'; retryAfterSeconds: number };

/** How the identity domain checks a code of a user (a code is accepted once, and throttled). */
export interface CodeVerifier {
  verifyTotp(userId: string, code: string, ip: string): Promise<CodeCheck>;
  useRecoveryCode(userId: string, code: string, ip: string): Promise<CodeCheck>;
}

function codeLogin(id: string, amr: string, check: (userId: string, code: string, ip: string) => Promise<CodeCheck>, users: Pick<UserDirectory, 'getUser'>) {
  const method: LoginMethod<CodeCredentials> = {
    id,
    amr,
    async authenticate({ userId, code }, { ip }): Promise<LoginAttempt> {
      if (!code.trim()) return { kind: 'refused', reason: 'invalid' };
      const result = await check(userId, code, ip);
      if (!result.ok)
        return result.reason === 'throttled' ? { kind: 'throttled', retryAfterSeconds: result.retryAfterSeconds } : { kind: 'refused', reason: 'invalid' };
      const user = await users.getUser(userId);
      if (!user) return { kind: 'refused', reason: 'invalid' };
      if (user.disabledAt !== null) return { kind: 'refused', reason: 'disabled' };
      return { kind: 'authenticated', user, amr: [amr], acr: null };
    },
  };
  return method;
}

/** A code of an authenticator app (RFC 6238); its RFC 8176 method is `otp`. */
export function totpLogin(verifier: CodeVerifier, users: Pick<UserDirectory, 'getUser'>): LoginMethod<CodeCredentials> {
  return codeLogin('totp', 'otp', (userId, code, ip) => verifier.verifyTotp(userId, code, ip), users);
}

/** A single-use recovery code, for a lost second factor: a one-time password too (`otp`). */
export function recoveryCodeLogin(verifier: CodeVerifier, users: Pick<UserDirectory, 'getUser'>): LoginMethod<CodeCredentials> {
  return codeLogin('recovery_code', 'otp', (userId, code, ip) => verifier.useRecoveryCode(userId, code, ip), users);
}
