import { createLocalJWKSet, decodeProtectedHeader, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { assertionAlgorithms } from '../../contracts/algorithms.js';
import type { Clock } from '../../ports/clock.js';
import type { ClientDirectory, OAuthClient } from '../../ports/directories.js';
import { OAuthError } from '../errors.js';
import type { ParameterBag } from '../messages.js';

export interface RequestObjectDependencies {
  issuer: string;
  clock: Clock;
  clients: Pick<ClientDirectory, 'clientKeys'>;
}

/** RFC 9101 §4: the media type of a request object; `JWT` (or none) is what older OpenID Connect clients send. */
const acceptedTypes = new Set(['oauth-authz-req+jwt', 'jwt']);

/** Claims of the JWT itself, not authorization request parameters. */
const jwtClaims = new Set(['iss', 'aud', 'exp', 'iat', 'nbf', 'jti', 'sub']);

/** How long ahead a request object's exp may lie: it is sent and used within a minute or so. */
const maxLifetimeMs = 3600_000;

function refused(description: string): OAuthError {
  return new OAuthError('invalid_request_object', description);
}

/** A claim of the request object as the authorization request parameter(s) it stands for. */
function parameterValues(name: string, value: unknown): string[] {
  // OIDC Core §5.5, §6.1: in a request object the claims parameter is a JSON object, not its text.
  if (name === 'claims') {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return [JSON.stringify(value)];
    throw refused("the request object's claims claim must be a JSON object, not a string (OIDC Core §5.5, §6.1)");
  }
  if (typeof value === 'string') return [value];
  if (typeof value === 'number' || typeof value === 'boolean') return [String(value)];
  // RFC 8707: resource may name several APIs.
  if (name === 'resource' && Array.isArray(value) && value.every((item) => typeof item === 'string')) return value;
  throw refused(`the request object's ${name} claim must be a string (RFC 9101 §4)`);
}

/** The header of a request object: asymmetric signatures only, and no other kind of JWT. */
function checkHeader(jwt: string): void {
  let header;
  try {
    header = decodeProtectedHeader(jwt);
  } catch {
    throw refused('the request object is not a JWT (RFC 9101 §4)');
  }
  if (header.alg === 'none' || !assertionAlgorithms.includes(header.alg as (typeof assertionAlgorithms)[number])) {
    throw refused(`the request object must be signed with one of ${assertionAlgorithms.join(', ')}, not ${String(header.alg)} (RFC 9101 §6.1)`);
  }
  if (header.typ !== undefined && !acceptedTypes.has(header.typ.toLowerCase())) {
    throw refused(`the request object's typ is ${header.typ}: it must be oauth-authz-req+jwt (RFC 9101 §4)`);
  }
}

/** Verifies the signature with the app's uploaded keys, and that the app addressed it to this server. */
async function verifiedClaims(jwt: string, client: OAuthClient, deps: RequestObjectDependencies): Promise<JWTPayload> {
  const keys = await deps.clients.clientKeys(client.clientId);
  if (keys.length === 0) throw refused('this app has no uploaded keys to verify a request object with: upload its public key first');
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(jwt, createLocalJWKSet({ keys }), {
      algorithms: [...assertionAlgorithms],
      issuer: client.clientId,
      audience: deps.issuer,
      currentDate: new Date(deps.clock.now()),
      clockTolerance: 30,
    }));
  } catch (error) {
    const reason =
      error instanceof joseErrors.JWTExpired
        ? 'it has expired'
        : error instanceof joseErrors.JWTClaimValidationFailed
          ? `its ${error.claim} claim is not valid (iss is the client_id, aud this server's issuer)`
          : 'its signature does not match any key the app uploaded';
    throw refused(`the request object was refused: ${reason} (RFC 9101 §6.2)`);
  }
  if (payload.exp !== undefined && payload.exp * 1000 - deps.clock.now() > maxLifetimeMs) {
    throw refused('the request object lives longer than an hour: keep its exp short');
  }
  if (payload.client_id !== undefined && payload.client_id !== client.clientId) {
    throw refused('the request object names another client_id than the request (RFC 9101 §5)');
  }
  if ('request' in payload || 'request_uri' in payload) throw refused('a request object must not hold another one (RFC 9101 §4)');
  return payload;
}

/**
 * A signed request object (RFC 9101), sent by value in `request`: verified with the keys the app
 * uploaded (never `none` or a shared secret), addressed to this server by the app itself. Its
 * parameters win over those of the URL (RFC 9101 §6.3, OIDC Core §6.3.3); what it does not say
 * comes from the URL. Every refusal is invalid_request_object.
 */
export async function resolveRequestObject(parameters: ParameterBag, client: OAuthClient, deps: RequestObjectDependencies): Promise<ParameterBag> {
  const values = parameters.get('request');
  if (values === undefined) return parameters;
  if (values.length > 1) throw new OAuthError('invalid_request', 'the request parameter is included more than once (RFC 6749 §3.1)');
  if (parameters.has('request_uri')) {
    throw new OAuthError('invalid_request', 'send a request object either by value (request) or by reference (request_uri), not both (RFC 9101 §5)');
  }
  const jwt = values[0] ?? '';
  checkHeader(jwt);
  const payload = await verifiedClaims(jwt, client, deps);
  const merged = new Map<string, readonly string[]>([...parameters].filter(([name]) => name !== 'request'));
  for (const [name, value] of Object.entries(payload)) {
    if (!jwtClaims.has(name)) merged.set(name, parameterValues(name, value));
  }
  return merged;
}
