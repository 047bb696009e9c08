import type { InteractionLogin } from '../ports/oauth-repositories.js';
import type { InteractionEngine } from '../protocol/interaction/engine.js';
import type { LoginMethod } from '../protocol/interaction/login-method.js';
import type { PasswordCredentials } from '../protocol/interaction/password-login.js';
import type { ParameterBag } from '../protocol/messages.js';
import { passwordForm } from './forms.js';
import { signInText } from './text.js';

/** A sign-in form's outcome: who signed in, or the status, message and headers of the form shown again. */
export type FormSignIn = { ok: true; login: InteractionLogin } | { ok: false; status: number; message: string; headers: Record<string, string> };

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
      return { ok: true, login: outcome.login };
    case 'throttled':
      return { ok: false, status: 429, message: signInText.throttled(outcome.retryAfterSeconds), headers: { 'retry-after': String(outcome.retryAfterSeconds) } };
    case 'refused':
      return outcome.reason === 'disabled'
        ? { ok: false, status: 403, message: signInText.disabledAccount, headers: {} }
        : { ok: false, status: 401, message: signInText.wrongCredentials, headers: {} };
    case 'second_factor_required':
      // No method asks for a second factor yet; one that does comes with its page.
      throw new Error(`the ${method.id} sign-in asked for a second factor, and no second-factor page exists`);
  }
}
