import { acrFor, acrOf } from '../acr.js';
import { createHash } from 'node:crypto';
import { SignJWT } from 'jose';
import type { SubjectIdentifiers } from '../../domain/apps/subject-identifiers.js';
import { defaultSigningAlgorithm } from '../../contracts/algorithms.js';
import { defaultLifetimes } from '../../contracts/limits.js';
import type { SigningAlgorithm, SigningKeys } from '../../domain/keys/signing-keys.js';
import type { ApiRecord } from '../../ports/api-repository.js';
import type { JsonValue } from '../../ports/app-repositories.js';
import type { OAuthClient } from '../../ports/directories.js';
import type { UserRecord } from '../../ports/identity-repositories.js';
import type { AccessTokenRecord, ClaimsRequest } from '../../ports/oauth-repositories.js';
import { generateTimeOrderedSecret, timeOrderedKey, type SecretHasher } from '../../shared/opaque-secret.js';
import { randomId } from '../../shared/random.js';
import { releasedClaims, userClaimScopes } from './claims.js';
import { requestedValues } from './claims-request.js';

export interface TokenIssuerDependencies {
  issuer: string;
  /** The audience of access tokens that name no API: they are good for userinfo only. */
  userinfoAudience: string;
  signingKeys: Pick<SigningKeys, 'signingKey' | 'algorithms'>;
  tokenHasher: SecretHasher;
  subjects: Pick<SubjectIdentifiers, 'of'>;
}

export interface AccessTokenRequest {
  client: OAuthClient;
  /** The user's id, or the client_id for client credentials (RFC 9068 §2.2). */
  subject: string;
  scope: readonly string[];
  /** The APIs the token is for (RFC 8707); empty means userinfo only. */
  apis: readonly ApiRecord[];
  grantId: string | null;
  authTime?: number;
  amr?: readonly string[];
  now: number;
  /** Claims a grant adds, e.g. `act` for token exchange. */
  extraClaims?: Record<string, JsonValue>;
  /** The token must not outlive this (epoch ms): an exchanged token ends with its subject token. */
  notAfter?: number;
  /** The thumbprint of the DPoP key the token is bound to (RFC 9449 §6): its `cnf.jkt`. */
  dpopJkt?: string;
}

export interface IssuedAccessToken {
  token: string;
  format: 'jwt' | 'opaque';
  jti: string;
  audiences: string[];
  expiresIn: number;
  expiresAt: number;
  /** For opaque tokens: what must be stored (by hash) for introspection and userinfo. */
  record: AccessTokenRecord | null;
  /** Whether it is bound to a DPoP key (token_type DPoP). */
  dpopBound: boolean;
}

/** The key an opaque access token is stored and looked up under. */
export function opaqueAccessTokenKey(hasher: SecretHasher, token: string): string {
  return timeOrderedKey(hasher, token, 'at');
}

/** Separates a grant id from the rest of a JWT access token's jti. */
export const grantJtiSeparator = '.';

export function grantIdOfJti(jti: string | undefined): string | null {
  if (!jti) return null;
  const at = jti.indexOf(grantJtiSeparator);
  return at > 0 ? jti.slice(0, at) : null;
}

/** OIDC Core §3.1.3.6: the left half of the hash of the access token, with the hash of the ID token's alg. */
export function accessTokenHash(accessToken: string, alg: SigningAlgorithm): string {
  const digest = createHash(alg === 'EdDSA' ? 'sha512' : 'sha256')
    .update(accessToken, 'ascii')
    .digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}

/** Issues access tokens (RFC 9068 JWTs or opaque, per API) and ID tokens (OIDC Core §2). */
export class TokenIssuer {
  readonly #deps: TokenIssuerDependencies;

  constructor(deps: TokenIssuerDependencies) {
    this.#deps = deps;
  }

  /** The lifetime an app's access tokens get: its own setting, else the shortest of its APIs' defaults. */
  accessTokenTtlSeconds(client: OAuthClient, apis: readonly ApiRecord[]): number {
    const appMinutes = client.policy.accessToken.ttlMinutes;
    const apiMinutes = apis.length > 0 ? Math.min(...apis.map((api) => api.accessTokenTtlMinutes)) : defaultLifetimes.accessTokenTtlMinutes;
    return (appMinutes ?? apiMinutes) * 60;
  }

  async issueAccessToken(request: AccessTokenRequest): Promise<IssuedAccessToken> {
    const { client, now } = request;
    const primary = request.apis[0];
    const format = primary?.tokenFormat ?? 'jwt';
    const alg: SigningAlgorithm = primary?.signingAlgorithm ?? defaultSigningAlgorithm;
    const audiences = request.apis.length > 0 ? request.apis.map((api) => api.identifier) : [this.#deps.userinfoAudience];
    const iat = Math.floor(now / 1000);
    const ttl = this.accessTokenTtlSeconds(client, request.apis);
    const expiresIn = request.notAfter !== undefined ? Math.max(1, Math.min(ttl, Math.floor(request.notAfter / 1000) - iat)) : ttl;
    const jti = request.grantId ? `${request.grantId}${grantJtiSeparator}${randomId(9)}` : randomId(16);
    const claims: Record<string, JsonValue> = {
      ...client.policy.customClaims,
      ...request.extraClaims,
      iss: this.#deps.issuer,
      sub: request.subject,
      aud: audiences.length === 1 ? audiences[0]! : audiences,
      exp: iat + expiresIn,
      iat,
      jti,
      client_id: client.clientId,
      scope: request.scope.join(' '),
      ...(request.authTime !== undefined ? { auth_time: Math.floor(request.authTime / 1000) } : {}),
      ...(request.amr && request.amr.length > 0 ? { amr: [...request.amr], acr: acrOf(request.amr)! } : {}),
      // RFC 9449 §6.1 (JWT) and §6.2 (introspection of an opaque token, from the stored claims).
      ...(request.dpopJkt !== undefined ? { cnf: { jkt: request.dpopJkt } } : {}),
    };
    const dpopBound = request.dpopJkt !== undefined;
    if (format === 'opaque') {
      const token = generateTimeOrderedSecret('at', now);
      return {
        token,
        format,
        jti,
        audiences,
        expiresIn,
        expiresAt: (iat + expiresIn) * 1000,
        record: {
          tokenHash: opaqueAccessTokenKey(this.#deps.tokenHasher, token),
          grantId: request.grantId,
          clientId: client.clientId,
          subject: request.subject,
          payload: claims,
          issuedAt: now,
          expiresAt: (iat + expiresIn) * 1000,
          revokedAt: null,
        },
        dpopBound,
      };
    }
    const { kid, privateKey } = this.#deps.signingKeys.signingKey(alg);
    // RFC 9068 §2.1: typ at+jwt, so that an access token can't be passed off as an ID token.
    const token = await new SignJWT(claims).setProtectedHeader({ alg, kid, typ: 'at+jwt' }).sign(privateKey);
    return { token, format, jti, audiences, expiresIn, expiresAt: (iat + expiresIn) * 1000, record: null, dpopBound };
  }

  /** An ID token (OIDC Core §2, §3.1.3.6): claims by scope, the app's audiences and custom claims. */
  async issueIdToken(request: {
    client: OAuthClient;
    user: UserRecord;
    scope: readonly string[];
    authTime: number;
    amr: readonly string[];
    nonce: string | null;
    sid: string | null;
    accessToken?: string;
    now: number;
    extraClaims?: Record<string, JsonValue>;
    /** The claims the authorization request asked for in the ID token (claims parameter `id_token`, OIDC Core §5.5). */
    claims?: ClaimsRequest['id_token'];
  }): Promise<string> {
    const { client, now } = request;
    const settings = client.policy.idToken;
    // The app's choice, while the server still keeps a key for it (the operator may drop an algorithm).
    const alg: SigningAlgorithm = this.#deps.signingKeys.algorithms.includes(settings.signingAlg) ? settings.signingAlg : defaultSigningAlgorithm;
    const audiences = [client.clientId, ...settings.audiences.filter((audience) => audience !== client.clientId)];
    const iat = Math.floor(now / 1000);
    const requested = request.claims ?? {};
    // Claims asked for by name go into the ID token whether or not the app puts its scopes' claims there.
    const named = Object.keys(requested).filter((name) => name in userClaimScopes);
    const acrValues = requestedValues(requested.acr).filter((value): value is string => typeof value === 'string');
    const claims: Record<string, JsonValue> = {
      ...(settings.includeCustomClaims ? client.policy.customClaims : {}),
      ...releasedClaims(request.user, settings.includeStandardClaims ? request.scope : [], named),
      ...request.extraClaims,
      iss: this.#deps.issuer,
      sub: this.#deps.subjects.of(client, request.user.id),
      aud: audiences.length === 1 ? client.clientId : audiences,
      exp: iat + settings.ttlMinutes * 60,
      iat,
      auth_time: Math.floor(request.authTime / 1000),
      ...(audiences.length > 1 ? { azp: client.clientId } : {}),
      ...(request.nonce ? { nonce: request.nonce } : {}),
      ...(request.accessToken ? { at_hash: accessTokenHash(request.accessToken, alg) } : {}),
      // OIDC Core §2: the class the sign-in met, from the methods it used; one of those asked for, when it meets one (§5.5.1.1).
      ...(request.amr.length > 0 ? { amr: [...request.amr], acr: acrFor(request.amr, acrValues)! } : {}),
      ...(request.sid ? { sid: request.sid } : {}),
    };
    const { kid, privateKey } = this.#deps.signingKeys.signingKey(alg);
    return new SignJWT(claims).setProtectedHeader({ alg, kid, typ: 'JWT' }).sign(privateKey);
  }
}
