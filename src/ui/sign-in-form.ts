import type { InteractionLogin } from '../ports/oauth-repositories.js';
import type { InteractionEngine } from '../protocol/interaction/engine.js';
import type { LoginMethod } from '../protocol/interaction/login-method.js';
import type { PasswordCredentials } from '../protocol/interaction/password-login.js';
import type { ParameterBag } from '../protocol/messages.js';
import { passwordForm } from './forms.js';
import { signInText } from './text.js';

/**
 * A sign-in form's outcome: who signed in; or that the first method succeeded and a second
 * factor must follow (with what it proved so far); or the status, message and headers of the
 * form shown again.
 */
export type FormSignIn =
  | { kind: 'signed_in'; login: InteractionLogin }
  | { kind: 'second_factor'; login: InteractionLogin; methods: string[] }
  | { kind: 'refused'; status: number; message: string; headers: Record<string, string> };

/**
 * The one sign-in of the hosted pages, for the authorization and the device flow alike: the
 * form's credentials go to the login method through the engine, and a refusal becomes words.
 */
export async function signInWithForm(
  engine: Pick<InteractionEngine, 'signIn'>,
  method: LoginMethod<PasswordCredentials>,
  body: ParameterBag,
  context: { ip: string; clientId: string | null },
): Promise<FormSignIn> {
  const outcome = await engine.signIn(method, passwordForm(body), context);
  switch (outcome.kind) {
    case 'authenticated':
      return { kind: 'signed_in', login: outcome.login };
    case 'second_factor_required':
      return { kind: 'second_factor', login: outcome.login, methods: outcome.methods };
    case 'throttled':
      return {
        kind: 'refused',
        status: 429,
        message: signInText.throttled(outcome.retryAfterSeconds),
        headers: { 'retry-after': String(outcome.retryAfterSeconds) },
      };
    case 'refused':
      if (outcome.reason === 'disabled') return { kind: 'refused', status: 403, message: signInText.disabledAccount, headers: {} };
      if (outcome.reason === 'locked') return { kind: 'refused', status: 403, message: signInText.lockedAccount, headers: {} };
      return { kind: 'refused', status: 401, message: signInText.wrongCredentials, headers: {} };
  }
}
