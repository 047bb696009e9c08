import type { ApiRecord } from '../../ports/api-repository.js';
import type { JsonValue } from '../../ports/app-repositories.js';
import type { OAuthClient } from '../../ports/directories.js';
import type { UserRecord } from '../../ports/identity-repositories.js';
import type { ClaimsRequest, GrantRecord } from '../../ports/oauth-repositories.js';
import type { AuthenticatedClient } from '../client-auth/authenticate-client.js';
import type { DpopProof } from '../dpop/proof.js';
import type { ParameterBag } from '../messages.js';
import type { AccessTokenRequest } from '../tokens/token-issuer.js';

/** A successful token response (RFC 6749 §5.1). */
export interface TokenResponse {
  access_token: string;
  /** DPoP for an access token bound to a DPoP key (RFC 9449 §5). */
  token_type: 'Bearer' | 'DPoP' | 'N_A';
  expires_in: number;
  scope?: string;
  refresh_token?: string;
  id_token?: string;
  issued_token_type?: string;
}

export interface GrantContext<Dependencies> {
  /** The form parameters the grant declared (`parameters`), and no others. */
  form: ParameterBag;
  authenticated: AuthenticatedClient;
  client: OAuthClient;
  /** The request's DPoP proof (RFC 9449), checked; null when it had none. */
  proof: DpopProof | null;
  now: number;
  deps: Dependencies;
}

/**
 * Which clients may use a grant, checked before `validate`. `confidential`: only a confidential
 * app; with `proven`, one that also authenticated with its secret or key.
 */
export type ClientRequirement = { kind: 'any' } | { kind: 'confidential'; proven: boolean; refusal: string };

/** How the user authenticated, for an ID token (OIDC Core §2). */
export interface AuthenticationFacts {
  authTime: number;
  amr: readonly string[];
  nonce: string | null;
  sid: string | null;
}

/**
 * Whether a refresh token is issued: none; the first of a new family (its secret is installed by
 * the grant change); or the successor of `of` (installed by a rotation, or repeated on a retry).
 */
export type RefreshDecision = { kind: 'none' } | { kind: 'new'; ttlMinutes: number } | { kind: 'successor'; of: string; ttlMinutes: number };

/** Fields of a grant row made at issue, for tokens issued to a user without an authorization code. */
export interface NewGrantFields {
  id: string;
  clientId: string;
  userId: string;
  scope: string[];
  apis: readonly ApiRecord[];
  authTime: number;
  amr: string[];
  sessionSid: string | null;
  /** RFC 9449 §5: the DPoP key a public client's refresh tokens are bound to; null when unbound. */
  dpopJkt?: string | null;
}

/**
 * The write that makes the tokens stand, done with the opaque access token in one transaction.
 * The conditional ones (`redeem-code`, `create-grant` with a device code, `rotate-refresh`) may
 * lose a race to a parallel request; `conflict` then says what that means, where the grant that
 * detects it publishes its event: it throws, or resolves when the tokens stand all the same.
 */
export type GrantChange =
  | { kind: 'none' }
  | { kind: 'redeem-code'; grantId: string; conflict(): Promise<never> }
  | { kind: 'create-grant'; grant: NewGrantFields; consumeDeviceCode: string | null; conflict(): Promise<never> }
  | { kind: 'rotate-refresh'; grant: GrantRecord; conflict(successor: string): Promise<void> };

/** What a grant grants, once it is validated: `issueTokens` turns it into tokens. */
export interface Authorization {
  client: OAuthClient;
  /** The access token: subject, scope, APIs, grant, authentication time and extra claims. */
  accessToken: Omit<AccessTokenRequest, 'client' | 'now'>;
  /** The user, when the tokens speak for one: an ID token is issued for them when openid is in scope. */
  user: UserRecord | null;
  /** Null when the grant never issues an ID token (client credentials, token exchange). */
  idToken: {
    authentication: AuthenticationFacts;
    extraClaims?: Record<string, JsonValue>;
    /** What the authorization request's claims parameter asked for in the ID token (OIDC Core §5.5). */
    claims?: ClaimsRequest['id_token'];
  } | null;
  refresh: RefreshDecision;
  change: GrantChange;
  /** RFC 8693 §2.2.1: the type of the issued token, for token exchange. */
  issuedTokenType?: string;
}

/**
 * A token other than an access token that a grant makes itself (RFC 8693 §2.2.1: an asset
 * token, docs/asset-tokens.md); the token endpoint answers with what `issue` makes, as it is.
 */
export interface OwnTokenIssue {
  kind: 'own-token';
  issue(): Promise<TokenResponse>;
}

/** One grant type of the token endpoint. One file per grant, in one registry. */
export interface GrantHandler<Dependencies, Grant extends Authorization | OwnTokenIssue = Authorization> {
  readonly grantType: string;
  /** The form parameters the grant reads; others are ignored (RFC 6749 §3.2: unknown parameters are). */
  readonly parameters: readonly string[];
  readonly client: ClientRequirement;
  /** Whether a confidential app may redeem this grant without its credentials (its policy decides). */
  mayOmitSecret?(client: OAuthClient): boolean;
  /** Checks the request against what is stored, and says what is granted; issues nothing. */
  validate(context: GrantContext<Dependencies>): Promise<Grant>;
}
