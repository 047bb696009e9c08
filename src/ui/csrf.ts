import type { ParameterBag } from '../protocol/messages.js';
import { param } from '../protocol/messages.js';
import { constantTimeEqual } from '../shared/constant-time.js';
import type { SecretHasher } from '../shared/opaque-secret.js';

/**
 * One CSRF scheme for every hosted form: the token is a keyed hash of what the form belongs to
 * (an interaction's uid, or the device page) and of the browser's binding cookie. Only a page
 * served to the browser holding that cookie carries it, and without the key no one can make it.
 */
export function csrfToken(key: SecretHasher, purpose: string, binding: string): string {
  return key.hash(`${purpose}:${binding}`);
}

/** Whether the form's `csrf` field is the token of this purpose and binding (constant time). */
export function csrfValid(key: SecretHasher, purpose: string, binding: string | undefined, body: ParameterBag): boolean {
  const presented = param(body, 'csrf');
  return binding !== undefined && presented !== undefined && constantTimeEqual(presented, csrfToken(key, purpose, binding));
}
