import type { JsonValue } from '../../ports/app-repositories.js';
import type { UserDirectory } from '../../ports/directories.js';
import type { ProtocolRequest, ProtocolResponse } from '../messages.js';
import { standardClaims } from '../tokens/claims.js';
import type { TokenValidator } from '../tokens/token-validator.js';
import { corsHeaders, jsonResponse } from './common.js';

const realm = 'realm="latchkey"';

function bearerError(status: number, code: string, description: string, extra = '', headers: Record<string, string> = {}): ProtocolResponse {
  // RFC 6750 §3: the error travels in the WWW-Authenticate challenge as well as in the body.
  return jsonResponse(
    status,
    { error: code, error_description: description },
    {
      ...headers,
      'www-authenticate': `Bearer ${realm}, error="${code}", error_description="${description.replace(/"/g, "'")}"${extra}`,
    },
  );
}

/** The UserInfo endpoint (OIDC Core §5.3): GET or POST with the access token in the Authorization header only. */
export async function handleUserinfo(
  request: ProtocolRequest,
  deps: { users: Pick<UserDirectory, 'getUser'> },
  validator: Pick<TokenValidator, 'accessToken'>,
): Promise<ProtocolResponse> {
  if (request.query.has('access_token') || request.body.has('access_token')) {
    return bearerError(400, 'invalid_request', 'send the access token in the Authorization header, never in the URL or body (RFC 6750 §2.1, RFC 9700 §4.3)');
  }
  const header = request.headers.authorization;
  if (!header) {
    // RFC 6750 §3.1: no error code when the request had no credentials at all.
    return jsonResponse(
      401,
      { error: 'invalid_token', error_description: 'an access token is required: Authorization: Bearer <token> (RFC 6750 §2.1)' },
      {
        'www-authenticate': `Bearer ${realm}`,
      },
    );
  }
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
  if (!match) return bearerError(400, 'invalid_request', 'the Authorization header must be Bearer <token> (RFC 6750 §2.1)');
  const token = await validator.accessToken(match[1]!);
  if (!token) return bearerError(401, 'invalid_token', 'the access token is invalid, expired or revoked');
  const headers = corsHeaders(request, token.client);
  if (!token.scope.includes('openid')) {
    return bearerError(403, 'insufficient_scope', 'userinfo needs a token with the openid scope', ', scope="openid"', headers);
  }
  const user = token.grant ? await deps.users.getUser(token.subject) : undefined;
  if (!user) return bearerError(401, 'invalid_token', 'the access token does not stand for a user', '', headers);
  const claims: Record<string, JsonValue> = { ...standardClaims(user, token.scope), sub: user.id };
  return jsonResponse(200, claims, headers);
}
