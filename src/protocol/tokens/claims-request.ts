import type { JsonValue } from '../../ports/app-repositories.js';
import type { ClaimRequest, ClaimsRequest } from '../../ports/oauth-repositories.js';
import { OAuthError } from '../errors.js';
import { supportedClaims, userClaimScopes } from './claims.js';

export type { ClaimRequest, ClaimsRequest };

export type ClaimsRequestMember = keyof ClaimsRequest;

const members: readonly ClaimsRequestMember[] = ['id_token', 'userinfo'];

/** Bounds on what a request may carry: the parameter travels in a URL, and what is kept of it is stored with the grant. */
export const claimsParameterMaxLength = 4000;
const maxClaimsPerMember = 50;

function malformed(description: string): OAuthError {
  return new OAuthError('invalid_request', `${description} (OIDC Core §5.5)`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function claimRequest(member: ClaimsRequestMember, name: string, value: unknown): ClaimRequest | null {
  if (value === null) return null;
  if (!isObject(value)) throw malformed(`claims.${member}.${name} must be null or an object with essential, value or values`);
  const request: ClaimRequest = {};
  if (value.essential !== undefined) {
    if (typeof value.essential !== 'boolean') throw malformed(`claims.${member}.${name}.essential must be true or false`);
    request.essential = value.essential;
  }
  if (value.value !== undefined) request.value = value.value as JsonValue;
  if (value.values !== undefined) {
    if (!Array.isArray(value.values)) throw malformed(`claims.${member}.${name}.values must be an array`);
    request.values = value.values as JsonValue[];
  }
  return request;
}

/**
 * The claims parameter (OIDC Core §5.5), as text (the authorization endpoint) or as the JSON
 * object a request object holds (§6.1): an object whose `id_token` and `userinfo` members are
 * objects of claim requests. Claims Latchkey does not know are left out (§5.5: they are ignored),
 * and so are members other than those two. Throws invalid_request when it is not of that shape.
 */
export function parseClaimsRequest(text: string): ClaimsRequest {
  if (text.length > claimsParameterMaxLength) throw malformed(`claims must be at most ${claimsParameterMaxLength} characters`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw malformed('claims must be a JSON object');
  }
  if (!isObject(parsed)) throw malformed('claims must be a JSON object');
  const request: ClaimsRequest = {};
  for (const member of members) {
    const requested = parsed[member];
    if (requested === undefined) continue;
    if (!isObject(requested)) throw malformed(`claims.${member} must be a JSON object of claim requests`);
    const names = Object.keys(requested);
    if (names.length > maxClaimsPerMember) throw malformed(`claims.${member} may ask for at most ${maxClaimsPerMember} claims`);
    const kept: Record<string, ClaimRequest | null> = {};
    for (const name of names) {
      const claim = claimRequest(member, name, requested[name]);
      if (supportedClaims.includes(name)) kept[name] = claim;
    }
    request[member] = kept;
  }
  return request;
}

/** The values a claim request accepts (`value`, or the strings of `values`, §5.5.1); empty when it names none. */
export function requestedValues(claim: ClaimRequest | null | undefined): JsonValue[] {
  if (!claim) return [];
  if (claim.value !== undefined) return [claim.value];
  return claim.values ?? [];
}

/** The user claims (profile, email, ...) a claims request asks for in either member. */
export function requestedUserClaims(request: ClaimsRequest | null): string[] {
  if (!request) return [];
  const names = members.flatMap((member) => Object.keys(request[member] ?? {}));
  return [...new Set(names.filter((name) => name in userClaimScopes))];
}

/**
 * What of a claims request this app may be given: user claims of a scope the app may not ask for
 * are left out, as if Latchkey did not know them. The app can't get through the claims parameter
 * what it could not get through scopes.
 */
export function claimsForApp(request: ClaimsRequest, allowedScopes: readonly string[]): ClaimsRequest {
  const allowed = (name: string) => !(name in userClaimScopes) || allowedScopes.includes(userClaimScopes[name]!);
  const kept: ClaimsRequest = {};
  for (const member of members) {
    const requested = request[member];
    if (requested) kept[member] = Object.fromEntries(Object.entries(requested).filter(([name]) => allowed(name)));
  }
  return kept;
}

/**
 * The requested user claims that the request's scopes do not cover: each needs the user's consent
 * of its own (`claim:<name>`), as oidc-provider records claims granted apart from scopes.
 */
export function claimsBeyondScope(request: ClaimsRequest | null, scope: readonly string[]): string[] {
  return requestedUserClaims(request).filter((name) => !scope.includes(userClaimScopes[name]!));
}

/** The subject an ID token is asked for (`id_token.sub.value`, OIDC Core §5.5.1); null when the request names none. */
export function requestedSubject(request: ClaimsRequest | null): string | null {
  const value = request?.id_token?.sub?.value;
  return typeof value === 'string' ? value : null;
}
