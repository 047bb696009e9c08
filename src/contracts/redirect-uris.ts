import { redirectUrisTotalLimit } from './limits.js';

export { redirectUrisTotalLimit };

/** A broken rule, named by the field it is about (the shape of the domain's and the API's field problems). */
export interface UriProblem {
  field: string;
  message: string;
}

export interface RedirectUriPolicy {
  /** Native apps may use private-use URI schemes (RFC 8252 §7.1). */
  customScheme: boolean;
  /** Drafts may hold placeholders; submitted and active apps may not. */
  allowPlaceholders: boolean;
}

const forbiddenSchemes = new Set(['javascript', 'data', 'vbscript', 'file', 'blob', 'about', 'ws', 'wss', 'ftp']);

export function isLoopbackHost(hostname: string): boolean {
  return hostname === '127.0.0.1' || hostname === '[::1]' || hostname === 'localhost';
}

/** A URI that is only a stand-in: `.invalid` hosts (RFC 6761 §6.4) are reserved never to resolve. */
function isInvalidTld(hostname: string): boolean {
  return hostname === 'invalid' || hostname.endsWith('.invalid');
}

export interface RedirectUriCheck {
  /** Problems that make the URI unacceptable, even in a draft. */
  errors: string[];
  /** Why it is a placeholder (acceptable only in a draft), or null for a real URI. */
  placeholderReason: string | null;
}

/** The rules for one redirect URI: exact, absolute, no fragment or credentials (RFC 9700 §4.1, RFC 6749 §3.1.2). */
export function checkRedirectUri(uri: string, policy: Pick<RedirectUriPolicy, 'customScheme'>): RedirectUriCheck {
  const errors: string[] = [];
  if (uri.trim() !== uri || /\s/.test(uri)) errors.push('must not contain whitespace');
  if (uri.includes('*')) errors.push('must not contain a wildcard: redirect URIs are matched as exact strings (RFC 9700 §4.1)');
  if (uri.includes('#')) errors.push('must not contain a fragment (RFC 6749 §3.1.2)');
  let parsed: URL | undefined;
  try {
    parsed = new URL(uri);
  } catch {
    errors.push('must be an absolute URI such as https://app.example.com/callback');
  }
  if (!parsed) return { errors, placeholderReason: null };

  const scheme = parsed.protocol.slice(0, -1).toLowerCase();
  if (parsed.username || parsed.password) errors.push('must not contain user credentials');
  if (forbiddenSchemes.has(scheme)) errors.push(`must not use the ${scheme}: scheme`);
  if (errors.length > 0) return { errors, placeholderReason: null };

  let placeholderReason: string | null = null;
  if (scheme === 'https') {
    if (isInvalidTld(parsed.hostname)) placeholderReason = 'its host is under .invalid, which never resolves';
  } else if (scheme === 'http') {
    if (!isLoopbackHost(parsed.hostname)) {
      placeholderReason = 'plain http is allowed only for loopback addresses (127.0.0.1, [::1], localhost); use https';
    }
  } else if (!policy.customScheme) {
    placeholderReason = `the ${scheme}: scheme is allowed only for native apps; use https`;
  } else if (!scheme.includes('.')) {
    placeholderReason = `a custom scheme must be a reverse domain name such as com.example.app (RFC 8252 §7.1), not ${scheme}:`;
  }
  return { errors, placeholderReason };
}

/** The characters a list of URIs takes against the limit: the URIs' own, no separators. */
export function redirectUrisLength(uris: readonly string[]): number {
  return uris.reduce((sum, uri) => sum + uri.length, 0);
}

/**
 * Checks a list of redirect URIs (or post-logout redirect URIs) against every rule: each URI's,
 * no URI twice, and the total length.
 * Returns the problems, each naming the URI by its index.
 */
export function checkRedirectUris(field: string, uris: readonly string[], policy: RedirectUriPolicy): UriProblem[] {
  const problems: UriProblem[] = [];
  const seen = new Set<string>();
  uris.forEach((uri, index) => {
    const at = `${field}[${index}]`;
    if (seen.has(uri)) problems.push({ field: at, message: `${uri} is listed twice` });
    seen.add(uri);
    const { errors, placeholderReason } = checkRedirectUri(uri, policy);
    for (const error of errors) problems.push({ field: at, message: `${uri} ${error}` });
    if (errors.length === 0 && placeholderReason && !policy.allowPlaceholders) {
      problems.push({
        field: at,
        message: `${uri} is a placeholder (${placeholderReason}); placeholders are allowed only while the app is a draft`,
      });
    }
  });
  const total = redirectUrisLength(uris);
  if (total > redirectUrisTotalLimit) {
    // The message names no field path: the console shows it under the list, as the list's label.
    problems.push({ field, message: `the URIs take ${total} characters in all; the limit is ${redirectUrisTotalLimit}` });
  }
  return problems;
}

/** The URIs of the list that are placeholders (allowed only in drafts). */
export function placeholderUris(uris: readonly string[], policy: Pick<RedirectUriPolicy, 'customScheme'>): string[] {
  return uris.filter((uri) => {
    const check = checkRedirectUri(uri, policy);
    return check.errors.length === 0 && check.placeholderReason !== null;
  });
}
