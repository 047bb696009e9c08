import type { PasswordCredentials } from '../protocol/interaction/password-login.js';
import { param, type ParameterBag } from '../protocol/messages.js';
import { normalizeUserCode } from '../protocol/device/user-code.js';

/** The sign-in form's fields. The password is taken as sent: spaces at its ends are part of it. */
export function passwordForm(body: ParameterBag): PasswordCredentials {
  return { email: param(body, 'email') ?? '', password: body.get('password')?.[0] ?? '' };
}

/** The consent forms' answer: only an explicit allow allows. */
export function allowed(body: ParameterBag): boolean {
  return param(body, 'decision') === 'allow';
}

/** A user code as stored, from a form or query (RFC 8628 §6.1), or null when it can't be one. */
export function userCodeIn(bag: ParameterBag): string | null {
  return normalizeUserCode(param(bag, 'user_code') ?? '');
}
