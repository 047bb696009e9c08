import type * as CommonLanguage from '@zxcvbn-ts/language-common';
import { z } from 'zod';
import { loadOnFirstUse } from '../../shared/load-on-first-use.js';

/**
 * The one password rule, for every place a password is set (setup, sign-up, reset, the account
 * page, administrators), after NIST SP 800-63B §5.1.1.2: 8 to 128 characters, any characters
 * (counted as Unicode code points after NFKC normalization), no composition rules, and not a
 * commonly used password or one made of the account's own address.
 */
export const passwordMinLength = 8;
export const passwordMaxLength = 128;

/**
 * The common-password list of zxcvbn-ts (leaked and frequent passwords), shipped as a dependency.
 * Read with the first password checked, not at start: the package holds several dictionaries and
 * most requests set no password.
 */
const commonLanguage = loadOnFirstUse<typeof CommonLanguage>('@zxcvbn-ts/language-common');
let commonPasswordList: ReadonlySet<string> | undefined;
function commonPasswords(): ReadonlySet<string> {
  commonPasswordList ??= new Set(commonLanguage().dictionary.passwords.map((password) => password.toLowerCase()));
  return commonPasswordList;
}

/** What the rule says of a password, or null when it is acceptable. `email` is the account's, when known. */
export function passwordProblem(password: string, email?: string): string | null {
  const normalized = password.normalize('NFKC');
  const length = [...normalized].length;
  if (length < passwordMinLength) return `must be at least ${passwordMinLength} characters`;
  if (length > passwordMaxLength) return `must be at most ${passwordMaxLength} characters`;
  const lower = normalized.toLowerCase();
  if (commonPasswords().has(lower)) return 'is too common: it appears in lists of leaked passwords; choose another';
  const localPart = email?.split('@')[0]?.toLowerCase();
  if (email && (lower === email.toLowerCase() || (localPart && localPart.length >= 3 && lower === localPart))) {
    return 'must not be your email address';
  }
  return null;
}

/** The password rule as a zod schema, for request bodies. */
export const passwordSchema = z.string().superRefine((password, context) => {
  const problem = passwordProblem(password);
  if (problem) context.addIssue({ code: 'custom', message: problem });
});
