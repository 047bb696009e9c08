import { dpopAlgorithms } from '../../contracts/algorithms.js';
import type { JsonValue } from '../../ports/app-repositories.js';
import type { UserDirectory } from '../../ports/directories.js';
import type { SubjectIdentifiers } from '../../domain/apps/subject-identifiers.js';
import { verifyDpopProof, type DpopDependencies, type DpopProof } from '../dpop/proof.js';
import { isOAuthError } from '../errors.js';
import type { ProtocolRequest, ProtocolResponse } from '../messages.js';
import { releasedClaims, userClaimScopes } from '../tokens/claims.js';
import { boundJktOf, type ActiveToken, type TokenValidator } from '../tokens/token-validator.js';
import { corsHeaders, jsonResponse } from './common.js';

const realm = 'realm="latchkey"';

type Scheme = 'Bearer' | 'DPoP';

interface ChallengeError {
  scheme: Scheme;
  code: string;
  description: string;
  /** More auth-params, e.g. `, scope="openid"`. */
  extra?: string;
}

/**
 * The WWW-Authenticate header, built in one place: a challenge for each scheme the endpoint
 * takes, Bearer (RFC 6750 §3) and DPoP with the algorithms it accepts (RFC 9449 §7.1), the error
 * (when there is one) in the challenge of the scheme the client used.
 */
function challenges(error?: ChallengeError): string {
  const params = (scheme: Scheme) =>
    error?.scheme === scheme ? `, error="${error.code}", error_description="${headerText(error.description)}"${error.extra ?? ''}` : '';
  return `Bearer ${realm}${params('Bearer')}, DPoP ${realm}${params('DPoP')}, algs="${dpopAlgorithms.join(' ')}"`;
}

/** RFC 6750 §3: error_description in the header is printable ASCII without `"` or `\`. */
function headerText(description: string): string {
  return description
    .replace(/§/g, 'section ')
    .replace(/"/g, "'")
    .replace(/[^\x20-\x21\x23-\x5B\x5D-\x7E]/g, '');
}

function refusal(status: number, error: ChallengeError, headers: Record<string, string> = {}): ProtocolResponse {
  // RFC 6750 §3: the error travels in the WWW-Authenticate challenge as well as in the body.
  return jsonResponse(status, { error: error.code, error_description: error.description }, { ...headers, 'www-authenticate': challenges(error) });
}

export type UserinfoDependencies = DpopDependencies & {
  users: Pick<UserDirectory, 'getUser'>;
  endpoints: { userinfo: string };
  subjects: Pick<SubjectIdentifiers, 'of'>;
};

/**
 * The sender constraint (RFC 9449 §7): a DPoP-bound token only with the DPoP scheme and a proof
 * of its key for this request and this token; an unbound one only as Bearer. A refusal, or null.
 */
async function senderRefusal(
  request: ProtocolRequest,
  scheme: Scheme,
  value: string,
  token: ActiveToken,
  deps: UserinfoDependencies,
): Promise<ProtocolResponse | null> {
  const bound = boundJktOf(token);
  const headers = corsHeaders(request, token.client);
  if (scheme === 'Bearer') {
    if (bound === undefined) return null;
    const description = 'the access token is bound to a DPoP key: send it as Authorization: DPoP <token> with a DPoP proof (RFC 9449 §7.1)';
    return refusal(401, { scheme: 'Bearer', code: 'invalid_token', description }, headers);
  }
  if (bound === undefined) {
    const description = 'the access token is not bound to a DPoP key: send it as Authorization: Bearer <token> (RFC 9449 §7.1)';
    return refusal(401, { scheme: 'DPoP', code: 'invalid_token', description }, headers);
  }
  let proof: DpopProof | null;
  try {
    proof = await verifyDpopProof(request, { method: request.method, url: deps.endpoints.userinfo, accessToken: value, nonces: false }, deps);
  } catch (error) {
    if (!isOAuthError(error)) throw error;
    return refusal(401, { scheme: 'DPoP', code: error.code, description: error.description }, { ...error.headers, ...headers });
  }
  if (proof === null) {
    const description = 'a DPoP-bound access token needs a DPoP proof in the DPoP header (RFC 9449 §7.1)';
    return refusal(401, { scheme: 'DPoP', code: 'invalid_dpop_proof', description }, headers);
  }
  if (proof.jkt !== bound) {
    const description = 'the DPoP proof is made with another key than the one the access token is bound to (cnf.jkt, RFC 9449 §7.1)';
    return refusal(401, { scheme: 'DPoP', code: 'invalid_dpop_proof', description }, headers);
  }
  return null;
}

/**
 * The UserInfo endpoint (OIDC Core §5.3): GET or POST with the access token in the Authorization
 * header only, as Bearer (RFC 6750) or, when it is bound to a key, as DPoP with a proof (RFC 9449 §7).
 */
export async function handleUserinfo(
  request: ProtocolRequest,
  deps: UserinfoDependencies,
  validator: Pick<TokenValidator, 'accessToken'>,
): Promise<ProtocolResponse> {
  if (request.query.has('access_token') || request.body.has('access_token')) {
    const description = 'send the access token in the Authorization header, never in the URL or body (RFC 6750 §2.1, RFC 9700 §4.3)';
    return refusal(400, { scheme: 'Bearer', code: 'invalid_request', description });
  }
  const header = request.headers.authorization;
  if (!header) {
    // RFC 6750 §3.1: no error code when the request had no credentials at all.
    return jsonResponse(
      401,
      {
        error: 'invalid_token',
        error_description: 'an access token is required: Authorization: Bearer <token> or DPoP <token> (RFC 6750 §2.1, RFC 9449 §7.1)',
      },
      { 'www-authenticate': challenges() },
    );
  }
  const match = /^(Bearer|DPoP) +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
  if (!match) {
    const description = 'the Authorization header must be Bearer <token> or DPoP <token> (RFC 6750 §2.1, RFC 9449 §7.1)';
    return refusal(400, { scheme: 'Bearer', code: 'invalid_request', description });
  }
  // Auth schemes are case-insensitive (RFC 9110 §11.1).
  const scheme: Scheme = match[1]!.toLowerCase() === 'dpop' ? 'DPoP' : 'Bearer';
  const value = match[2]!;
  const token = await validator.accessToken(value);
  if (!token) return refusal(401, { scheme, code: 'invalid_token', description: 'the access token is invalid, expired or revoked' });
  const refused = await senderRefusal(request, scheme, value, token, deps);
  if (refused) return refused;
  const headers = corsHeaders(request, token.client);
  if (!token.scope.includes('openid')) {
    return refusal(
      403,
      { scheme, code: 'insufficient_scope', description: 'userinfo needs a token with the openid scope', extra: ', scope="openid"' },
      headers,
    );
  }
  const user = token.grant ? await deps.users.getUser(token.subject) : undefined;
  if (!user) return refusal(401, { scheme, code: 'invalid_token', description: 'the access token does not stand for a user' }, headers);
  // The claims the authorization request asked for by name from userinfo (OIDC Core §5.5), besides those of the token's scopes.
  const named = Object.keys(token.grant?.claims?.userinfo ?? {}).filter((name) => name in userClaimScopes);
  const claims: Record<string, JsonValue> = { ...releasedClaims(user, token.scope, named), sub: deps.subjects.of(token.client, user.id) };
  return jsonResponse(200, claims, headers);
}
