import type { ApiRecord } from '../../ports/api-repository.js';
import type { JsonValue } from '../../ports/app-repositories.js';
import type { OAuthClient } from '../../ports/directories.js';
import type { GrantRecord } from '../../ports/oauth-repositories.js';
import { timeOrderedGrantId } from '../../shared/random.js';
import { credentialOwnerClaim } from '../credential-owner.js';
import { OAuthError } from '../errors.js';
import { audiencesOf, type TokenValidator } from '../tokens/token-validator.js';
import type { GrantChange } from './grant-handler.js';
import { checkLifetimeAndJti, checkSubjectAllowed, userOfSubject, verifySignedJwt, type JwtRole, type SignedJwtDependencies } from './signed-jwt.js';

/** The token types of RFC 8693 §3 that token exchange reads. */
export const exchangeTokenTypes = {
  accessToken: 'urn:ietf:params:oauth:token-type:access_token',
  idToken: 'urn:ietf:params:oauth:token-type:id_token',
  jwt: 'urn:ietf:params:oauth:token-type:jwt',
} as const;

/** The subject and actor token types accepted, in the order error descriptions name them. */
export const supportedExchangeTokenTypes: readonly string[] = Object.values(exchangeTokenTypes);

/**
 * A subject or actor token, read: whom it speaks for and what it may carry over into the new token.
 */
export interface ExchangeParty {
  /** The user (or, for an app's own access token, the app) the token speaks for. */
  subject: string;
  /** Whether the subject is a user: then the exchanging app must be one they may use. */
  isUser: boolean;
  /**
   * The scopes the token itself carries over: an access token's own, a trusted issuer's
   * relationship's. Null for an ID token, which authenticates but grants nothing.
   */
  scope: readonly string[] | null;
  /**
   * Whether the user must have authorized the exchanging app for the new token's scopes (consent
   * or pre-authorization), as for the JWT bearer grant: true unless an access token of this
   * server delegated them already.
   */
  needsAuthorization: boolean;
  grant: GrantRecord | null;
  /** The audiences it was for: an access token's; the management API is reached only from a token for it. */
  audiences: readonly string[];
  /** The act claim it carries (RFC 8693 §4.1), for a chain of delegation. */
  act: JsonValue | undefined;
  /** The owner claim of a per-user client credentials' access token: the new token still answers to that person. */
  owner: JsonValue | undefined;
  expiresAt: number;
  authTime?: number;
}

export interface ExchangeTokenDependencies extends SignedJwtDependencies {
  validator: Pick<TokenValidator, 'accessToken' | 'idToken'>;
}

type Which = 'subject_token' | 'actor_token';

/** RFC 8693 §2.2.2: a subject or actor token that is not valid for this exchange is invalid_request. */
function invalid(which: Which, reason: string): never {
  throw new OAuthError('invalid_request', `the ${which} ${reason} (RFC 8693 §2.2.2)`);
}

function foreignOrganization(which: Which, client: OAuthClient, issuedTo: OAuthClient): void {
  if (issuedTo.app.orgId !== client.app.orgId) invalid(which, "was issued to another organization's app");
}

/** The type parameter names one of the supported types, else invalid_request naming them. */
export function requireSupportedType(which: Which, type: string | undefined): string {
  const parameter = `${which}_type`;
  if (type === undefined) throw new OAuthError('invalid_request', `${parameter} is required with ${which} (RFC 8693 §2.1)`);
  if (!supportedExchangeTokenTypes.includes(type)) {
    throw new OAuthError('invalid_request', `${parameter} ${type} is not supported: send one of ${supportedExchangeTokenTypes.join(', ')} (RFC 8693 §2.1)`);
  }
  return type;
}

/** Reads a subject or actor token of a supported type (RFC 8693 §2.1), for the exchanging client. */
export async function readExchangeToken(
  token: string,
  type: string,
  which: Which,
  client: OAuthClient,
  deps: ExchangeTokenDependencies,
  now: number,
): Promise<ExchangeParty> {
  switch (type) {
    case exchangeTokenTypes.accessToken: {
      const active = await deps.validator.accessToken(token);
      if (!active) invalid(which, 'is not an active access token of this server: invalid, expired or revoked');
      foreignOrganization(which, client, active.client);
      return {
        subject: active.subject,
        isUser: active.grant !== null,
        scope: active.scope,
        needsAuthorization: false,
        grant: active.grant,
        audiences: audiencesOf(active),
        act: active.claims.act,
        owner: active.claims[credentialOwnerClaim],
        expiresAt: active.expiresAt,
        ...(active.grant ? { authTime: active.grant.authTime } : {}),
      };
    }
    case exchangeTokenTypes.idToken: {
      const idToken = await deps.validator.idToken(token);
      if (!idToken) invalid(which, 'is not an ID token of this server that still stands: invalid, expired, or its app or user is gone or disabled');
      foreignOrganization(which, client, idToken.client);
      if (idToken.pairwise) {
        invalid(which, `is an ID token of an app with pairwise subjects (OIDC Core §8.1), whose sub names no user: exchange that app's access token instead`);
      }
      return {
        subject: idToken.subject,
        isUser: true,
        scope: null,
        needsAuthorization: true,
        grant: null,
        audiences: [],
        act: undefined,
        owner: undefined,
        expiresAt: idToken.expiresAt,
        ...(typeof idToken.claims.auth_time === 'number' ? { authTime: idToken.claims.auth_time * 1000 } : {}),
      };
    }
    default:
      return trustedIssuerJwt(token, which, client, deps, now);
  }
}

/** A JWT of an issuer the app trusts: the same rules as its JWT bearer assertions, answered with invalid_request. */
async function trustedIssuerJwt(token: string, which: Which, client: OAuthClient, deps: ExchangeTokenDependencies, now: number): Promise<ExchangeParty> {
  const role: JwtRole = { label: `the ${which}`, error: 'invalid_request', section: 'RFC 8693 §2.2.2' };
  const verified = await verifySignedJwt(token, client, deps, now, role);
  const { signer } = verified;
  if (signer.kind !== 'trusted-issuer') invalid(which, `of type ${exchangeTokenTypes.jwt} must come from an issuer this app trusts, not from the app itself`);
  const subject = String(verified.payload.sub);
  checkSubjectAllowed(signer, subject, role);
  const user = await userOfSubject(subject, deps, role);
  await checkLifetimeAndJti(verified, client, deps, now, role);
  return {
    subject: user.id,
    isUser: true,
    scope: signer.relationship.scopes,
    needsAuthorization: true,
    grant: null,
    audiences: [],
    act: undefined,
    owner: undefined,
    expiresAt: (verified.payload.exp ?? 0) * 1000,
  };
}

/**
 * The grant a token for a user stands on: an access token subject's own; for an ID token or a
 * trusted issuer's JWT a new one, as the JWT bearer grant makes, so that revoking it, or
 * disabling the user, ends the new token too. None for an app's own token.
 */
export function grantOfExchange(
  subject: ExchangeParty,
  client: OAuthClient,
  scope: string[],
  apis: readonly ApiRecord[],
  now: number,
): { grantId: string | null; change: GrantChange } {
  if (subject.grant || !subject.isUser) return { grantId: subject.grant?.id ?? null, change: { kind: 'none' } };
  const id = timeOrderedGrantId(now);
  const authTime = subject.authTime ?? now;
  return {
    grantId: id,
    change: {
      kind: 'create-grant',
      grant: { id, clientId: client.clientId, userId: subject.subject, scope, apis, authTime, amr: [], sessionSid: null },
      consumeDeviceCode: null,
      conflict: () => Promise.reject(new Error('creating a grant without a device code has no condition to lose')),
    },
  };
}
