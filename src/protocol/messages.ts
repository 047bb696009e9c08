import { OAuthError } from './errors.js';

/** Parameters of a query string or form body: every value of every name, in order. */
export type ParameterBag = ReadonlyMap<string, readonly string[]>;

/** An HTTP request as the protocol sees it, without any framework. */
export interface ProtocolRequest {
  method: string;
  query: ParameterBag;
  body: ParameterBag;
  /** Header values by lower-case name. */
  headers: Readonly<Record<string, string | undefined>>;
  /** The media type of the body, without parameters (`application/x-www-form-urlencoded`). */
  contentType: string | undefined;
  /** Cookie values by name. */
  cookies: Readonly<Record<string, string | undefined>>;
  ip: string;
}

/** A hosted page for the UI adapter to render: the protocol names it and gives its data. */
export interface PageModel {
  template:
    | 'error'
    | 'form-post'
    | 'login'
    | 'consent'
    | 'logout-confirm'
    | 'logged-out'
    | 'device'
    | 'signup'
    | 'forgot-password'
    | 'reset-password'
    | 'account'
    | 'account-sign-in'
    | 'account-notice'
    | 'setup'
    | 'invitation'
    | 'link-notice'
    | 'second-factor'
    | 'federation-link';
  data: Record<string, unknown>;
}

export interface CookieInstruction {
  name: string;
  /** Null deletes the cookie. */
  value: string | null;
  maxAgeSeconds?: number;
  path?: string;
}

/** What the protocol answers; the HTTP adapter only translates it. */
export type ProtocolResponse =
  | { kind: 'json'; status: number; body: unknown; headers?: Record<string, string>; cookies?: CookieInstruction[] }
  | { kind: 'redirect'; status: 302 | 303; location: string; headers?: Record<string, string>; cookies?: CookieInstruction[] }
  | { kind: 'page'; status: number; page: PageModel; headers?: Record<string, string>; cookies?: CookieInstruction[] };

export function emptyBag(): ParameterBag {
  return new Map();
}

export function bagFromEntries(entries: Iterable<[string, string]>): ParameterBag {
  const bag = new Map<string, string[]>();
  for (const [name, value] of entries) {
    const values = bag.get(name);
    if (values) values.push(value);
    else bag.set(name, [value]);
  }
  return bag;
}

/** The one value of a parameter; an empty value counts as absent (RFC 6749 §3.1). Duplicates were refused earlier. */
export function param(bag: ParameterBag, name: string): string | undefined {
  const value = bag.get(name)?.[0];
  return value === undefined || value === '' ? undefined : value;
}

/** Every non-empty value of a parameter that may repeat (`resource`, RFC 8707 §2). */
export function params(bag: ParameterBag, name: string): string[] {
  return (bag.get(name) ?? []).filter((value) => value !== '');
}

/**
 * RFC 6749 §3.1 and §3.2: request parameters MUST NOT be included more than once. `repeatable`
 * names those a later spec lets repeat.
 */
export function rejectDuplicateParameters(bag: ParameterBag, repeatable: ReadonlySet<string> = new Set()): void {
  for (const [name, values] of bag) {
    if (values.length > 1 && !repeatable.has(name)) {
      throw new OAuthError('invalid_request', `the ${name} parameter is included more than once (RFC 6749 §3.1)`);
    }
  }
}

/** Splits a scope parameter (RFC 6749 §3.3): space-delimited, case-sensitive tokens, no duplicates. */
export function parseScope(value: string | undefined): string[] {
  if (value === undefined) return [];
  const scopes = value.split(' ').filter(Boolean);
  for (const scope of scopes) {
    if (!/^[\x21\x23-\x5B\x5D-\x7E]+$/.test(scope)) {
      throw new OAuthError('invalid_scope', `the scope ${JSON.stringify(scope)} has a character RFC 6749 §3.3 does not allow`);
    }
  }
  return [...new Set(scopes)];
}
