import { randomInt } from 'node:crypto';

/** RFC 8628 §6.1: consonants only (no vowels, so no words), case-insensitive, 8 characters ≈ 34 bits. */
const alphabet = 'BCDFGHJKLMNPQRSTVWXZ';

export function generateUserCode(): string {
  let code = '';
  for (let index = 0; index < 8; index += 1) code += alphabet[randomInt(alphabet.length)];
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

/** What the user typed, as stored: upper case, punctuation and spaces dropped (RFC 8628 §6.1). */
export function normalizeUserCode(input: string): string | null {
  const letters = input.toUpperCase().replace(/[^A-Z]/g, '');
  if (letters.length !== 8 || [...letters].some((letter) => !alphabet.includes(letter))) return null;
  return `${letters.slice(0, 4)}-${letters.slice(4)}`;
}
