import { useState } from 'react';
import { ApiError, type FieldProblem } from './api';

/** Field-level problems, from the server (RFC 9457 `errors`) or from the console's own checks. */
export type FieldErrors = readonly FieldProblem[];

export function fieldErrorsOf(error: unknown): FieldErrors {
  return error instanceof ApiError ? error.fieldErrors : [];
}

/** The messages for exactly this field path (`accessToken.ttlMinutes`, `redirectUris[1]`). */
export function messagesFor(errors: FieldErrors, field: string): string[] {
  return errors.filter((problem) => problem.field === field).map((problem) => problem.message);
}

export function firstFor(errors: FieldErrors, field: string): string | undefined {
  return messagesFor(errors, field)[0];
}

/** Whether any problem is about this field or something inside it. */
export function anyUnder(errors: FieldErrors, prefix: string): boolean {
  return errors.some((problem) => problem.field === prefix || problem.field.startsWith(`${prefix}.`) || problem.field.startsWith(`${prefix}[`));
}

/** `a.b[2].c` → ['a', 'b', 2, 'c']. */
function segmentsOf(path: string): (string | number)[] {
  const segments: (string | number)[] = [];
  for (const match of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) segments.push(match[2] !== undefined ? Number(match[2]) : match[1]!);
  return segments;
}

/** The value at the path, or the deepest one the form tracks on it (a text area holding a list). */
function valueAt(values: unknown, path: string): unknown {
  let current = values;
  for (const segment of segmentsOf(path)) {
    if (current === null || typeof current !== 'object') return current;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
}

/**
 * The server's field problems that still apply. `values` holds what the form shows, by the API's
 * field paths (`{ name, accessToken: { ttlMinutes } }`); a problem is dropped as soon as the value
 * at its path differs from the one the form held when the problem came back, so a message never
 * stays under a field the user has since changed. Problems at paths the form doesn't list stay.
 * Field paths inside the messages are named by their labels.
 */
export function useServerProblems(error: unknown, values: object, labels: FieldLabels = {}): FieldErrors {
  const [seen, setSeen] = useState<{ error: unknown; values: object }>({ error, values });
  let sent = seen.values;
  if (seen.error !== error) {
    // The values of the render the problem arrived in: React's "state from the previous render".
    setSeen({ error, values });
    sent = values;
  }
  const problems = fieldErrorsOf(error);
  const fields = problems.map((problem) => problem.field);
  return problems
    .filter((problem) => JSON.stringify(valueAt(values, problem.field)) === JSON.stringify(valueAt(sent, problem.field)))
    .map((problem) => ({ field: problem.field, message: withLabels(problem.message, fields, labels) }));
}

/**
 * What a form calls its fields, by API path. A list item's path uses `[]` and its label `{n}` for
 * the item's number, counted from 1: `{ 'redirectUris[]': 'Redirect URI {n}' }`.
 */
export type FieldLabels = Readonly<Record<string, string>>;

/** The labels most forms use; a form passes its own for the fields it names differently. */
const commonLabels: FieldLabels = {
  name: 'Name',
  description: 'Description',
  type: 'App type',
  visibility: 'Visibility',
  status: 'Status',
  email: 'Email',
  role: 'Role',
  redirectUris: 'Redirect URIs',
  'redirectUris[]': 'Redirect URI {n}',
  postLogoutRedirectUris: 'Post-logout redirect URIs',
  'postLogoutRedirectUris[]': 'Post-logout redirect URI {n}',
  logoUri: 'Logo URL',
  homepageUri: 'Homepage',
  privacyPolicyUri: 'Privacy policy URL',
  termsOfServiceUri: 'Terms of service URL',
  'accessToken.ttlMinutes': 'Access token TTL (minutes)',
  'idToken.ttlMinutes': 'ID token validity (minutes)',
  'refreshToken.ttlMinutes': 'Refresh token TTL (minutes)',
  'refreshToken.rotation': 'Rotate refresh tokens',
  grantTypes: 'Grant types',
  scopes: 'Scopes',
  'scopes[]': 'Scope {n}',
  defaultAudience: 'Default audience',
  apiGrants: 'APIs and scopes',
  'apiGrants[]': 'API {n}',
  'deviceCode.lifetimeSeconds': 'Device code lifetime (seconds)',
  'deviceCode.pollIntervalSeconds': 'Device polling interval (seconds)',
  backchannelLogoutUri: 'Back-channel logout URL',
  frontchannelLogoutUri: 'Front-channel logout URL',
};

/** A path the tables don't name, in words: `security.requirePkce` → "Require pkce, security". */
function wordsOf(path: string): string {
  const words = segmentsOf(path).map((segment) =>
    typeof segment === 'number'
      ? String(segment + 1)
      : segment
          .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
          .toLowerCase()
          .replace(/\b(uri|url|id|ttl|jwt|mfa)\b/g, (word) => word.toUpperCase()),
  );
  // The last segment is the field, the ones before it say where it is.
  const text = words.reverse().join(', ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The field's label as the form shows it, never its API path. */
export function labelOf(field: string, labels: FieldLabels = {}): string {
  const exact = labels[field] ?? commonLabels[field];
  if (exact) return exact;
  const numbers = [...field.matchAll(/\[(\d+)\]/g)].map((match) => Number(match[1]) + 1);
  const pattern = field.replace(/\[\d+\]/g, '[]');
  const template = labels[pattern] ?? commonLabels[pattern];
  if (template) return template.replace(/\{n\}/g, () => String(numbers.shift() ?? ''));
  // A part of a listed item: "Scope 2, description".
  const item = /^(.*\[\d+\])\.(.+)$/.exec(field);
  if (item) return `${labelOf(item[1]!, labels)}, ${wordsOf(item[2]!).toLowerCase()}`;
  return wordsOf(field);
}

function hasLabel(field: string, labels: FieldLabels): boolean {
  const pattern = field.replace(/\[\d+\]/g, '[]');
  return [field, pattern].some((key) => key in labels || key in commonLabels);
}

/**
 * Text with every field path it names (`redirectUris[1]`, `accessToken.ttlMinutes`) replaced by the
 * field's label. Plain words are left alone: "name" in a sentence is not the field `name`.
 */
export function withLabels(text: string, fields: readonly string[], labels: FieldLabels = {}): string {
  return text.replace(/(?<![\w.[\]/:@-])[a-z][A-Za-z0-9]*(?:\[\d+\]|\.[a-z][A-Za-z0-9]*)*(?![\w[]|\.\w)/g, (token) =>
    /[[.A-Z]/.test(token) && (fields.includes(token) || hasLabel(token, labels)) ? labelOf(token, labels) : token,
  );
}
