import { createLocalJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { signingAlgorithms } from '../../contracts/algorithms.js';
import type { SigningKeys } from '../../domain/keys/signing-keys.js';
import type { JsonValue } from '../../ports/app-repositories.js';
import type { Clock } from '../../ports/clock.js';
import type { ClientDirectory, OAuthClient } from '../../ports/directories.js';
import type { AccessTokenRepository, GrantRecord, GrantRepository, RevokedJtiRepository } from '../../ports/oauth-repositories.js';
import { isWellFormedSecret, type SecretHasher } from '../../shared/opaque-secret.js';
import { credentialOwnerActive, type CredentialOwnerDependencies } from '../credential-owner.js';
import { parseRefreshToken } from './refresh-token.js';
import { grantIdOfJti, opaqueAccessTokenKey } from './token-issuer.js';

export interface ActiveToken {
  kind: 'access_token' | 'refresh_token';
  format: 'jwt' | 'opaque';
  client: OAuthClient;
  subject: string;
  scope: string[];
  claims: Record<string, JsonValue>;
  grant: GrantRecord | null;
  /** JWT access tokens: the jti; opaque ones: the stored hash. */
  handle: string;
  expiresAt: number;
}

/** An ID token this server issued that still stands: its app, its user and its claims. */
export interface VerifiedIdToken {
  /** The app it was issued to (azp, else its one audience), if it still exists and is active. */
  client: OAuthClient;
  /** The user's id; for an app with pairwise subjects, the pairwise sub, which names no user here. */
  subject: string;
  pairwise: boolean;
  claims: Record<string, JsonValue>;
  expiresAt: number;
}

const jwtAlgorithms: string[] = [...signingAlgorithms];

/** The audiences a token names (RFC 7519 §4.1.3: one string or an array of them). */
export function audiencesOf(token: ActiveToken): string[] {
  const aud = token.claims.aud;
  if (aud === undefined || aud === null) return [];
  return Array.isArray(aud) ? aud.map(claimText) : [claimText(aud)];
}

/** The thumbprint of the DPoP key an access token is bound to (cnf.jkt, RFC 9449 §6), or undefined. */
export function boundJktOf(token: ActiveToken): string | undefined {
  const cnf = token.claims.cnf;
  if (typeof cnf !== 'object' || cnf === null || Array.isArray(cnf)) return undefined;
  const jkt = cnf.jkt;
  return typeof jkt === 'string' ? jkt : undefined;
}

/** A claim as text. Tokens this server issues hold strings here; a structured value is shown as JSON. */
function claimText(value: JsonValue | undefined): string {
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}

/** JWT access tokens whose signature and claims were checked, kept while the key set stays the same. */
const verifiedTokensKept = 2000;

/** What checking a token reads: keys, the stored token or its grant, the client and the user. */
export interface TokenValidatorDependencies extends CredentialOwnerDependencies {
  issuer: string;
  clock: Clock;
  clients: Pick<ClientDirectory, 'getClient'>;
  grants: Pick<GrantRepository, 'get' | 'getWithJtiStatus'>;
  accessTokens: Pick<AccessTokenRepository, 'get'>;
  revokedJtis: Pick<RevokedJtiRepository, 'has'>;
  tokenHasher: SecretHasher;
  signingKeys: Pick<SigningKeys, 'jwks' | 'version'>;
}

/**
 * Checks our own access and refresh tokens: signature or record, expiry, revocation, grant and
 * app status. The composition root makes one and hands it to whoever checks tokens, so that its
 * imported key set and its verified-signature cache are shared.
 */
export class TokenValidator {
  readonly #deps: TokenValidatorDependencies;
  #keySet: JWTVerifyGetKey | undefined;
  #keySetVersion = -1;
  /**
   * An API calls userinfo or introspection with the same JWT again and again; checking its
   * signature once is enough (WebCrypto verification is the largest cost of those calls). Only
   * the signature and the fixed claims are remembered: expiry, revocation, the grant and the app
   * are checked on every call. Emptied when the key set changes.
   */
  readonly #verified = new Map<string, Record<string, JsonValue>>();

  constructor(deps: TokenValidatorDependencies) {
    this.#deps = deps;
  }

  #keys(): JWTVerifyGetKey {
    const { signingKeys } = this.#deps;
    if (!this.#keySet || this.#keySetVersion !== signingKeys.version) {
      this.#keySet = createLocalJWKSet(signingKeys.jwks);
      this.#keySetVersion = signingKeys.version;
      this.#verified.clear();
    }
    return this.#keySet;
  }

  /** The client, if it still exists and is active: disabled apps' tokens stop working. */
  async #activeClient(clientId: unknown): Promise<OAuthClient | null> {
    if (typeof clientId !== 'string') return null;
    const client = await this.#deps.clients.getClient(clientId);
    return client && client.app.status === 'active' ? client : null;
  }

  /**
   * Whether whoever the token speaks for still stands: the user of a grant exists and is not
   * disabled; per-user client credentials keep an owner who is a member and not disabled.
   */
  async #holderActive(client: OAuthClient, grant: GrantRecord | null): Promise<boolean> {
    if (grant) {
      const user = await this.#deps.users.getUser(grant.userId);
      return user !== undefined && user.disabledAt === null;
    }
    return credentialOwnerActive(this.#deps, client);
  }

  async #liveGrant(grantId: string | null): Promise<GrantRecord | null | false> {
    if (grantId === null) return null;
    const grant = await this.#deps.grants.get(grantId);
    return grant && grant.revokedAt === null ? grant : false;
  }

  async accessToken(token: string): Promise<ActiveToken | null> {
    const now = this.#deps.clock.now();
    if (token.startsWith('lk_at_')) return this.#opaqueAccessToken(token, now);
    if (token.split('.').length !== 3) return null;
    return this.#jwtAccessToken(token, now);
  }

  async #opaqueAccessToken(token: string, now: number): Promise<ActiveToken | null> {
    if (!isWellFormedSecret(token, 'at')) return null;
    const stored = await this.#deps.tokenHasher.find(
      (key) => this.#deps.accessTokens.get(key),
      (hasher) => opaqueAccessTokenKey(hasher, token),
    );
    if (!stored) return null;
    const { found: record, key: handle } = stored;
    if (record.revokedAt !== null || record.expiresAt <= now) return null;
    const client = await this.#activeClient(record.clientId);
    const grant = await this.#liveGrant(record.grantId);
    if (!client || grant === false || !(await this.#holderActive(client, grant))) return null;
    return {
      kind: 'access_token',
      format: 'opaque',
      client,
      subject: record.subject,
      scope: claimText(record.payload.scope ?? '')
        .split(' ')
        .filter(Boolean),
      claims: record.payload,
      grant,
      handle,
      expiresAt: record.expiresAt,
    };
  }

  async #jwtAccessToken(token: string, now: number): Promise<ActiveToken | null> {
    const payload = await this.#verifiedJwt(token, now);
    if (!payload) return null;
    const jti = claimText(payload.jti);
    const client = await this.#activeClient(payload.client_id);
    if (!client) return null;
    const grant = await this.#grantOfJti(jti);
    if (grant === false || !(await this.#holderActive(client, grant))) return null;
    return {
      kind: 'access_token',
      format: 'jwt',
      client,
      subject: claimText(payload.sub),
      scope: claimText(payload.scope ?? '')
        .split(' ')
        .filter(Boolean),
      claims: payload,
      grant,
      handle: jti,
      expiresAt: Number(payload.exp) * 1000,
    };
  }

  /**
   * The live grant a JWT access token's jti names (null for one issued without a grant), or false
   * when the token or its grant was revoked: one read either way.
   */
  async #grantOfJti(jti: string): Promise<GrantRecord | null | false> {
    const grantId = grantIdOfJti(jti);
    if (grantId === null) return (await this.#deps.revokedJtis.has(jti)) ? false : null;
    const found = await this.#deps.grants.getWithJtiStatus(grantId, jti);
    if (!found || found.jtiRevoked || found.grant.revokedAt !== null) return false;
    return found.grant;
  }

  /** The payload of one of our JWT access tokens: signature, issuer, typ, required claims, not expired at `now`. */
  async #verifiedJwt(token: string, now: number): Promise<Record<string, JsonValue> | null> {
    const keys = this.#keys();
    const known = this.#verified.get(token);
    if (known) return Number(known.exp) * 1000 > now ? known : null;
    try {
      const { payload } = (await jwtVerify(token, keys, {
        issuer: this.#deps.issuer,
        typ: 'at+jwt',
        algorithms: jwtAlgorithms,
        currentDate: new Date(now),
        requiredClaims: ['exp', 'jti', 'client_id', 'sub'],
      })) as unknown as { payload: Record<string, JsonValue> };
      if (this.#verified.size >= verifiedTokensKept) this.#verified.delete(this.#verified.keys().next().value!);
      this.#verified.set(token, payload);
      return payload;
    } catch {
      return null;
    }
  }

  /**
   * One of our ID tokens (OIDC Core §2): signed with a key of the published JWKS, typ JWT (never
   * an access or logout token), iss this server, not expired, issued to an app that is still
   * active, for a user who still stands. Null otherwise.
   */
  async idToken(token: string): Promise<VerifiedIdToken | null> {
    const now = this.#deps.clock.now();
    let payload: Record<string, JsonValue>;
    try {
      ({ payload } = (await jwtVerify(token, this.#keys(), {
        issuer: this.#deps.issuer,
        typ: 'JWT',
        algorithms: jwtAlgorithms,
        currentDate: new Date(now),
        requiredClaims: ['exp', 'iat', 'sub', 'aud'],
      })) as unknown as { payload: Record<string, JsonValue> });
    } catch {
      return null;
    }
    const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    const client = await this.#activeClient(typeof payload.azp === 'string' ? payload.azp : audiences.length === 1 ? audiences[0] : undefined);
    if (!client || typeof payload.sub !== 'string') return null;
    // A pairwise sub (OIDC Core §8.1) is no user id: only its app's sector can be matched against it.
    if (client.policy.idToken.subjectType === 'pairwise')
      return { client, subject: payload.sub, pairwise: true, claims: payload, expiresAt: Number(payload.exp) * 1000 };
    const user = await this.#deps.users.getUser(payload.sub);
    if (!user || user.disabledAt !== null) return null;
    return { client, subject: payload.sub, pairwise: false, claims: payload, expiresAt: Number(payload.exp) * 1000 };
  }

  async refreshToken(token: string): Promise<ActiveToken | null> {
    const parsed = parseRefreshToken(token);
    if (!parsed) return null;
    const grant = await this.#deps.grants.get(parsed.grantId);
    const now = this.#deps.clock.now();
    if (!grant || grant.revokedAt !== null || grant.refreshHash === null || (grant.refreshExpiresAt ?? 0) <= now) return null;
    if (!this.#deps.tokenHasher.matches(parsed.secret, grant.refreshHash)) return null;
    const client = await this.#activeClient(grant.clientId);
    if (!client || !(await this.#holderActive(client, grant))) return null;
    return {
      kind: 'refresh_token',
      format: 'opaque',
      client,
      subject: grant.userId,
      scope: grant.scope,
      claims: {
        iss: this.#deps.issuer,
        sub: grant.userId,
        client_id: grant.clientId,
        scope: grant.scope.join(' '),
        exp: Math.floor((grant.refreshExpiresAt ?? 0) / 1000),
        iat: Math.floor((grant.refreshRotatedAt ?? grant.createdAt) / 1000),
        ...(grant.audiences.length > 0 ? { aud: grant.audiences.length === 1 ? grant.audiences[0]! : grant.audiences } : {}),
      },
      grant,
      handle: grant.id,
      expiresAt: grant.refreshExpiresAt ?? 0,
    };
  }

  /** Tries the hinted kind first, then the other (RFC 7662 §2.1, RFC 7009 §2.1: a hint only orders the search). */
  async any(token: string, hint: string | undefined): Promise<ActiveToken | null> {
    const accessToken = () => this.accessToken(token);
    const refreshToken = () => this.refreshToken(token);
    const order = hint === 'refresh_token' ? [refreshToken, accessToken] : [accessToken, refreshToken];
    for (const check of order) {
      const found = await check();
      if (found) return found;
    }
    return null;
  }
}
