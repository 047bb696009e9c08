import type { SignIn } from '../../domain/identity/sign-in.js';
import type { LoginAttempt, LoginMethod } from './login-method.js';

export interface PasswordCredentials {
  email: string;
  password: string;
}

/** Email and password, checked (and throttled) by the identity domain's SignIn. */
export function passwordLogin(signIn: Pick<SignIn, 'attempt'>): LoginMethod<PasswordCredentials> {
  return {
    id: 'password',
    amr: 'pwd',
    async authenticate({ email, password }, { ip }): Promise<LoginAttempt> {
      // An empty field never reaches the check, and costs no attempt.
      if (!email || !password) return { kind: 'refused', reason: 'invalid' };
      const result = await signIn.attempt(email, password, ip);
      if (result.ok) return { kind: 'authenticated', user: result.user, amr: ['pwd'], acr: null };
      if (result.reason === 'throttled') return { kind: 'throttled', retryAfterSeconds: result.retryAfterSeconds };
      return { kind: 'refused', reason: result.reason };
    },
  };
}
