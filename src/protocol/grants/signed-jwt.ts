import { createLocalJWKSet, decodeJwt, errors as joseErrors, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';
import { assertionAlgorithms } from '../../contracts/algorithms.js';
import type { TrustedIssuerRecord } from '../../ports/app-repositories.js';
import type { ClientDirectory, OAuthClient, UserDirectory } from '../../ports/directories.js';
import type { UserRecord } from '../../ports/identity-repositories.js';
import type { RevokedJtiRepository } from '../../ports/oauth-repositories.js';
import { isStorableText } from '../../shared/text.js';
import type { EndpointUrls, JwtBearerPolicy } from '../context.js';
import { OAuthError } from '../errors.js';

/**
 * JWTs an app presents for a user, signed by itself or by an issuer it trusts: JWT bearer
 * assertions (RFC 7523) and token exchange subject or actor tokens of type jwt (RFC 8693 §3).
 * The same rules hold for both; only the error code differs (invalid_grant for an assertion,
 * RFC 7523 §3.1; invalid_request for a subject or actor token, RFC 8693 §2.2.2).
 */
export interface SignedJwtDependencies {
  issuer: string;
  endpoints: Pick<EndpointUrls, 'token'>;
  jwtBearer: JwtBearerPolicy;
  clients: Pick<ClientDirectory, 'clientKeys' | 'trustedIssuers'>;
  revokedJtis: Pick<RevokedJtiRepository, 'addIfAbsent'>;
  users: Pick<UserDirectory, 'getUser' | 'getUserByEmail'>;
}

/** What the refusals name and answer: `the assertion` with invalid_grant, `the subject_token` with invalid_request. */
export interface JwtRole {
  label: string;
  error: 'invalid_grant' | 'invalid_request';
  /** The RFC section the refusal cites. */
  section: string;
}

export const assertionRole: JwtRole = { label: 'the assertion', error: 'invalid_grant', section: 'RFC 7523 §3' };

/** Who signed a verified JWT: the app itself (iss = client_id), or one of its trusted issuers. */
export type JwtSigner = { kind: 'client' } | { kind: 'trusted-issuer'; relationship: TrustedIssuerRecord };

export interface VerifiedJwt {
  payload: JWTPayload;
  signer: JwtSigner;
}

function refuse(role: JwtRole, reason: string): never {
  throw new OAuthError(role.error, `${role.label} was refused: ${reason}`);
}

/** The iss a JWT claims before its signature is checked: it only picks the keys to check it with. */
function claimedIssuer(jwt: string): string | undefined {
  try {
    const { iss } = decodeJwt(jwt);
    return typeof iss === 'string' ? iss : undefined;
  } catch {
    return undefined;
  }
}

/**
 * RFC 7523 §3: the signature checks with the keys of whom iss names (the app's uploaded keys when
 * iss is the client_id, else a live trust relationship of the app for that issuer), aud is this
 * server's issuer or token endpoint, exp and sub are present.
 */
export async function verifySignedJwt(jwt: string, client: OAuthClient, deps: SignedJwtDependencies, now: number, role: JwtRole): Promise<VerifiedJwt> {
  const iss = claimedIssuer(jwt);
  let keys: JSONWebKeySet['keys'];
  let signer: JwtSigner;
  // Without a readable iss, the app's own keys refuse it as they always did.
  if (iss === undefined || iss === client.clientId) {
    keys = await deps.clients.clientKeys(client.clientId);
    if (keys.length === 0) {
      if (role === assertionRole) throw new OAuthError(role.error, 'the app has no uploaded certificate or key to verify the assertion with');
      refuse(role, `it is not a JWT of an issuer this app trusts (${role.section})`);
    }
    signer = { kind: 'client' };
  } else {
    // An expired relationship is not among them: its issuer is unknown again.
    const relationship = (await deps.clients.trustedIssuers(client.clientId)).find((candidate) => candidate.issuer === iss);
    if (!relationship) {
      refuse(
        role,
        `its iss is neither this app's client_id nor an issuer this app trusts (${role.section}); register the issuer as a trusted issuer of the app`,
      );
    }
    keys = relationship.keys;
    signer = { kind: 'trusted-issuer', relationship };
  }
  try {
    const { payload } = await jwtVerify(jwt, createLocalJWKSet({ keys }), {
      algorithms: [...assertionAlgorithms],
      issuer: signer.kind === 'client' ? client.clientId : signer.relationship.issuer,
      audience: [deps.issuer, deps.endpoints.token],
      currentDate: new Date(now),
      clockTolerance: 30,
      requiredClaims: ['exp', 'sub'],
    });
    return { payload, signer };
  } catch (error) {
    const whose = signer.kind === 'client' ? "the app's uploaded certificates or keys" : `the keys of the trusted issuer ${signer.relationship.issuer}`;
    const reason =
      error instanceof joseErrors.JWTExpired
        ? `it has expired (${role.section})`
        : error instanceof joseErrors.JWTClaimValidationFailed
          ? `its ${error.claim} claim is not valid: iss is the client_id or a trusted issuer, aud the issuer or token endpoint, sub the user, exp required (${role.section})`
          : `its signature does not match ${whose}`;
    return refuse(role, reason);
  }
}

/**
 * RFC 7523 §3: exp no further ahead than the server allows, and the jti (required unless the
 * server allows its absence) accepted once. An app's own jtis are its own; a trusted issuer's are
 * the issuer's, whichever app presents them and in whichever grant.
 */
export async function checkLifetimeAndJti(verified: VerifiedJwt, client: OAuthClient, deps: SignedJwtDependencies, now: number, role: JwtRole): Promise<void> {
  const { payload, signer } = verified;
  const policy = deps.jwtBearer;
  if ((payload.exp ?? 0) * 1000 - now > policy.maxLifetimeMs) {
    throw new OAuthError(
      role.error,
      `${role.label}'s exp lies more than ${Math.round(policy.maxLifetimeMs / 1000)} seconds ahead, the longest this server accepts; keep exp short (${role.section})`,
    );
  }
  if (payload.jti === undefined) {
    if (policy.requireJti) {
      throw new OAuthError(role.error, `${role.label} has no jti: this server needs a unique jti in every assertion, used once (${role.section})`);
    }
    return;
  }
  if (typeof payload.jti !== 'string' || payload.jti.length === 0 || payload.jti.length > 256 || !isStorableText(payload.jti)) {
    throw new OAuthError(role.error, `${role.label}'s jti must be a string of 1 to 256 characters without NUL (RFC 7519 §4.1.7)`);
  }
  const key = signer.kind === 'client' ? `jwt-bearer:${client.clientId}:${payload.jti}` : `jwt-issuer:${signer.relationship.issuer}:${payload.jti}`;
  if (!(await deps.revokedJtis.addIfAbsent(key, (payload.exp ?? 0) * 1000 + 60_000))) {
    throw new OAuthError(role.error, `${role.label} was already used: its jti must be unique (${role.section})`);
  }
}

/** A trusted issuer speaks only for the subjects its relationship names, unless it may name any. */
export function checkSubjectAllowed(signer: JwtSigner, subject: string, role: JwtRole): void {
  if (signer.kind === 'client' || signer.relationship.allowAnySubject || signer.relationship.subjects.includes(subject)) return;
  throw new OAuthError(
    role.error,
    `${role.label}'s sub is not one of the subjects this app's trust relationship with ${signer.relationship.issuer} allows (${role.section})`,
  );
}

/**
 * A token issued on a trusted issuer's word holds only scopes its relationship allows: without a
 * scope parameter, those; asked for more, invalid_scope (RFC 6749 §5.2).
 */
export function scopesWithinTrust(signer: JwtSigner, requested: readonly string[] | undefined): readonly string[] | undefined {
  if (signer.kind === 'client') return requested;
  const allowed = signer.relationship.scopes;
  if (requested === undefined) return allowed;
  const beyond = requested.filter((name) => !allowed.includes(name));
  if (beyond.length > 0) {
    throw new OAuthError(
      'invalid_scope',
      `the trust relationship with ${signer.relationship.issuer} allows only ${allowed.join(' ')}: ${beyond.join(' ')} is beyond it (RFC 6749 §5.2)`,
    );
  }
  return requested;
}

/** The local user a JWT's sub names, by id or email; disabled users are refused. */
export async function userOfSubject(subject: string, deps: SignedJwtDependencies, role: JwtRole): Promise<UserRecord> {
  const user = subject.includes('@') ? await deps.users.getUserByEmail(subject) : await deps.users.getUser(subject);
  if (!user) throw new OAuthError(role.error, `${role.label}'s sub names no user of this server`);
  if (user.disabledAt !== null) throw new OAuthError(role.error, `${role.label}'s sub names a disabled user`);
  return user;
}
