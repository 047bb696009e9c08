import { createHash } from 'node:crypto';
import { calculateJwkThumbprint, decodeProtectedHeader, EmbeddedJWK, jwtVerify, type JWK } from 'jose';
import { dpopAlgorithms } from '../../contracts/algorithms.js';
import type { Clock } from '../../ports/clock.js';
import type { DpopProofRepository } from '../../ports/dpop-proof-repository.js';
import { OAuthError } from '../errors.js';
import type { ProtocolRequest } from '../messages.js';
import type { DpopNonces } from './nonce.js';

/** How the server treats DPoP proofs, from its configuration (dpop.*). */
export interface DpopPolicy {
  /** Every proof at the token and pushed authorization request endpoints must carry a nonce this server gave (RFC 9449 §8). */
  requireNonce: boolean;
  /** How long after its iat a proof is accepted, in seconds. */
  maxAgeSeconds: number;
  /** How far ahead of this server's clock a proof's iat may be, in seconds. */
  clockSkewSeconds: number;
}

export interface DpopDependencies {
  clock: Clock;
  dpopProofs: Pick<DpopProofRepository, 'addIfAbsent'>;
  dpopNonces: Pick<DpopNonces, 'current' | 'accepts'>;
  dpopPolicy: DpopPolicy;
}

/** What a proof checked against a request: the proof key and its thumbprint. */
export interface DpopProof {
  /** The JWK SHA-256 thumbprint of the proof key (RFC 7638), base64url: what tokens are bound to (`cnf.jkt`). */
  jkt: string;
  jwk: JWK;
}

/** What the proof must match: the request's method and URI, and at a resource the access token (RFC 9449 §4.3). */
export interface ProofExpectation {
  method: string;
  /** The endpoint's URI, without query or fragment. */
  url: string;
  /** Present when the proof goes with an access token at a protected resource: then `ath` must match it. */
  accessToken?: string;
  /** Whether this endpoint asks for server-provided nonces when the policy does (the authorization server's endpoints). */
  nonces: boolean;
}

const algorithms: string[] = [...dpopAlgorithms];

/** JWK members that only a private or symmetric key has (RFC 7518 §6.2.2, §6.3.2, §6.4; RFC 8037 §2). */
const privateMembers = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/** A jti is a unique identifier (RFC 9449 §4.2); anything longer than this is not one we keep. */
const maxJtiLength = 256;

/** RFC 9449 §4.2: `ath` is the base64url SHA-256 of the ASCII access token. */
export function accessTokenThumbprint(accessToken: string): string {
  return createHash('sha256').update(accessToken, 'ascii').digest('base64url');
}

/** RFC 9449 §4.3 item 9: the URI without query and fragment, normalized (RFC 3986 §6.2.2, §6.2.3). Null when it is no URI. */
export function normalizedHtu(value: string): string | null {
  if (!URL.canParse(value)) return null;
  const url = new URL(value);
  return `${url.protocol}//${url.host}${url.pathname}`;
}

/** The headers that tell the client which nonce to use (RFC 9449 §8): the current one, while nonces are required. */
export function dpopNonceHeaders(deps: Pick<DpopDependencies, 'clock' | 'dpopNonces' | 'dpopPolicy'>): Record<string, string> {
  return deps.dpopPolicy.requireNonce ? { 'dpop-nonce': deps.dpopNonces.current(deps.clock.now()) } : {};
}

function invalidProof(deps: DpopDependencies, description: string): OAuthError {
  return new OAuthError('invalid_dpop_proof', description, { headers: dpopNonceHeaders(deps) });
}

/** The one DPoP header of the request (RFC 9449 §4.3 item 1); undefined when there is none. */
function proofHeader(request: ProtocolRequest, deps: DpopDependencies): string | undefined {
  const value = request.headers.dpop;
  if (value === undefined) return undefined;
  // Node joins repeated headers with ", "; a compact JWS has no comma.
  if (value.includes(',')) throw invalidProof(deps, 'more than one DPoP header was sent; a request carries exactly one proof (RFC 9449 §4.3)');
  return value.trim();
}

interface ProofHeader {
  typ?: unknown;
  alg?: unknown;
  jwk?: unknown;
}

/** RFC 9449 §4.3 items 2, 4, 5 and 7: a compact JWT whose header says dpop+jwt, an asymmetric algorithm and a public jwk. */
function checkHeader(proof: string, deps: DpopDependencies): JWK {
  let header: ProofHeader;
  try {
    header = decodeProtectedHeader(proof);
  } catch {
    throw invalidProof(deps, 'the DPoP header is not a well-formed JWT (RFC 9449 §4.3)');
  }
  if (proof.split('.').length !== 3) throw invalidProof(deps, 'the DPoP proof must be a signed JWT in compact form (RFC 9449 §4.2)');
  if (header.typ !== 'dpop+jwt') throw invalidProof(deps, 'the DPoP proof must have typ dpop+jwt in its header (RFC 9449 §4.2)');
  if (typeof header.alg !== 'string' || !algorithms.includes(header.alg)) {
    throw invalidProof(
      deps,
      `the DPoP proof's alg ${JSON.stringify(header.alg ?? null)} is not accepted: it must be an asymmetric algorithm, one of ${algorithms.join(', ')} (RFC 9449 §4.2)`,
    );
  }
  const jwk = header.jwk;
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) {
    throw invalidProof(deps, 'the DPoP proof must carry its public key as a jwk header (RFC 9449 §4.2)');
  }
  const present = privateMembers.filter((member) => member in jwk);
  if (present.length > 0) {
    throw invalidProof(deps, `the DPoP proof's jwk must be a public key, without private members (${present.join(', ')}) (RFC 9449 §4.2)`);
  }
  return jwk;
}

interface ProofClaims {
  jti?: unknown;
  htm?: unknown;
  htu?: unknown;
  iat?: unknown;
  ath?: unknown;
  nonce?: unknown;
}

/** RFC 9449 §4.3 item 6: the signature, verified with the key in the header. */
async function verifiedClaims(proof: string, deps: DpopDependencies): Promise<ProofClaims> {
  try {
    const { payload } = await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt', algorithms });
    return payload;
  } catch {
    throw invalidProof(deps, 'the DPoP proof signature does not verify with its jwk (RFC 9449 §4.3)');
  }
}

function checkClaims(claims: ProofClaims, expected: ProofExpectation, deps: DpopDependencies): { jti: string; iat: number } {
  const { jti, htm, htu, iat } = claims;
  if (typeof jti !== 'string' || jti === '' || jti.length > maxJtiLength) {
    throw invalidProof(deps, `the DPoP proof needs a jti of 1 to ${maxJtiLength} characters (RFC 9449 §4.2)`);
  }
  if (typeof htm !== 'string') throw invalidProof(deps, 'the DPoP proof needs htm, the HTTP method of the request (RFC 9449 §4.2)');
  if (typeof htu !== 'string') throw invalidProof(deps, 'the DPoP proof needs htu, the URI of the request (RFC 9449 §4.2)');
  if (typeof iat !== 'number' || !Number.isFinite(iat)) throw invalidProof(deps, 'the DPoP proof needs iat, when it was made (RFC 9449 §4.2)');
  // RFC 9449 §4.3 item 8: the method, case-sensitive as HTTP methods are (RFC 9110 §9.1).
  if (htm !== expected.method) throw invalidProof(deps, `the DPoP proof's htm ${htm} does not match the request method ${expected.method} (RFC 9449 §4.3)`);
  // RFC 9449 §4.3 item 9: the URI, ignoring query and fragment.
  if (normalizedHtu(htu) !== normalizedHtu(expected.url)) {
    throw invalidProof(deps, `the DPoP proof's htu does not match the request URI ${expected.url} (RFC 9449 §4.3)`);
  }
  return { jti, iat };
}

/** RFC 9449 §4.3 item 11, §11.1: made within the accepted window around now. */
function checkIat(iat: number, deps: DpopDependencies, now: number): void {
  const { maxAgeSeconds, clockSkewSeconds } = deps.dpopPolicy;
  const seconds = now / 1000;
  if (iat > seconds + clockSkewSeconds) {
    throw invalidProof(deps, `the DPoP proof's iat lies more than ${clockSkewSeconds} seconds in the future (RFC 9449 §4.3)`);
  }
  if (iat < seconds - maxAgeSeconds) {
    throw invalidProof(deps, `the DPoP proof is too old: a proof is accepted for ${maxAgeSeconds} seconds after its iat (RFC 9449 §4.3, §11.1)`);
  }
}

/** RFC 9449 §4.3 item 10, §8: the server's nonce, when it requires one. */
function checkNonce(nonce: unknown, expected: ProofExpectation, deps: DpopDependencies, now: number): void {
  if (!expected.nonces || !deps.dpopPolicy.requireNonce) return;
  if (typeof nonce !== 'string' || !deps.dpopNonces.accepts(nonce, now)) {
    throw new OAuthError(
      'use_dpop_nonce',
      nonce === undefined
        ? 'this server requires a nonce in DPoP proofs: send the proof again with the nonce of the DPoP-Nonce header (RFC 9449 §8)'
        : 'the nonce of the DPoP proof is not a current one: send the proof again with the nonce of the DPoP-Nonce header (RFC 9449 §8)',
      { headers: { 'dpop-nonce': deps.dpopNonces.current(now) } },
    );
  }
}

/** RFC 9449 §4.3 item 12, §7.1: at a resource, the proof names the access token it goes with. */
function checkAth(ath: unknown, expected: ProofExpectation, deps: DpopDependencies): void {
  if (expected.accessToken === undefined) return;
  if (typeof ath !== 'string') throw invalidProof(deps, 'the DPoP proof needs ath, the hash of the access token it goes with (RFC 9449 §4.2)');
  if (ath !== accessTokenThumbprint(expected.accessToken)) {
    throw invalidProof(deps, "the DPoP proof's ath does not match the access token presented with it (RFC 9449 §4.3)");
  }
}

/**
 * The request's DPoP proof (RFC 9449 §4.3), checked in full, or null when it has none. A proof is
 * accepted once (§11.1): its jti, recorded with its key's thumbprint for as long as the proof
 * could be accepted, is refused afterwards on every node. The jti is recorded last, so that a
 * proof refused for another reason does not use up its jti.
 */
export async function verifyDpopProof(request: ProtocolRequest, expected: ProofExpectation, deps: DpopDependencies): Promise<DpopProof | null> {
  const proof = proofHeader(request, deps);
  if (proof === undefined) return null;
  const jwk = checkHeader(proof, deps);
  const claims = await verifiedClaims(proof, deps);
  const now = deps.clock.now();
  const { jti, iat } = checkClaims(claims, expected, deps);
  checkNonce(claims.nonce, expected, deps, now);
  checkIat(iat, deps, now);
  checkAth(claims.ath, expected, deps);
  const jkt = await calculateJwkThumbprint(jwk, 'sha256');
  const proofKey = createHash('sha256').update(`${jkt} ${jti}`).digest('base64url');
  // Kept while checkIat would still accept the proof; a second longer for the rounding of iat.
  const acceptedUntil = Math.ceil((iat + deps.dpopPolicy.maxAgeSeconds + 1) * 1000);
  if (!(await deps.dpopProofs.addIfAbsent(proofKey, acceptedUntil))) {
    throw invalidProof(deps, 'this DPoP proof was used already: every request needs a fresh proof with a new jti (RFC 9449 §11.1)');
  }
  return { jkt, jwk };
}
