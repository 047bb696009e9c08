/**
 * Authentication context classes (OIDC Core §2 `acr`): a sign-in with one factor, and one with
 * two or more. The class follows from the methods used (RFC 8176 `amr`): `mfa` among them means
 * several factors were proven.
 */
export const acrPassword = 'urn:latchkey:acr:pwd';
export const acrMultiFactor = 'urn:latchkey:acr:mfa';

/** Discovery `acr_values_supported`, weakest first. */
export const acrValuesSupported = [acrPassword, acrMultiFactor] as const;

/** The class of a sign-in made with these methods; undefined when no person signed in (no amr). */
export function acrOf(amr: readonly string[]): string | undefined {
  if (amr.length === 0) return undefined;
  return amr.includes('mfa') ? acrMultiFactor : acrPassword;
}

/**
 * Whether the classes a request asks for need a second factor: the values Latchkey knows are
 * the ones it can meet; a request that accepts the single-factor class (in any position of
 * acr_values, which is a preference order) is met by any sign-in, and unknown values are ignored
 * (acr_values is voluntary, OIDC Core §3.1.2.1).
 */
export function acrNeedsSecondFactor(values: readonly string[]): boolean {
  const known = values.filter((value) => (acrValuesSupported as readonly string[]).includes(value));
  return known.length > 0 && known.every((value) => value === acrMultiFactor);
}

/** Whether any of these classes is one Latchkey can meet: an essential acr that names none of them can't be (OIDC Core §5.5.1.1). */
export function acrCanBeMet(values: readonly string[]): boolean {
  return values.some((value) => (acrValuesSupported as readonly string[]).includes(value));
}

/**
 * The class a token states for a sign-in. When the request named classes (the values of an `acr`
 * claim request), the first of them the sign-in meets, so that the value matches one asked for
 * (OIDC Core §5.5.1.1): any sign-in meets the single-factor class. Otherwise the sign-in's own.
 */
export function acrFor(amr: readonly string[], requested: readonly string[]): string | undefined {
  const own = acrOf(amr);
  if (own === undefined) return undefined;
  // A class name, not a credential: the single-factor class is acrPassword's value.
  const singleFactor: string = acrPassword;
  return requested.find((value) => value === own || value === singleFactor) ?? own;
}

/** Joins the methods of a first factor and of the second one proven after it; `mfa` says both were used (RFC 8176 §2). */
export function combinedAmr(first: readonly string[], second: readonly string[]): string[] {
  const methods = [...new Set([...first, ...second].filter((method) => method !== 'mfa'))];
  return first.length > 0 && second.length > 0 ? [...methods, 'mfa'] : methods;
}
