/** NUL, or a UTF-16 surrogate without its pair (no UTF-8 text can hold one). */
const unstorableCharacter = /\0|\p{Cs}/u;

/**
 * Whether a string can be stored and compared as text on every store: PostgreSQL refuses NUL in
 * text, and a lone surrogate has no UTF-8 form (it would be stored as U+FFFD, another value).
 * No id, email, code or name ever holds either, so a lookup of such a value can answer "unknown".
 */
export function isStorableText(value: string): boolean {
  return !unstorableCharacter.test(value);
}
