import { createLocalJWKSet, jwtVerify, errors as joseErrors } from 'jose';
import { assertionAlgorithms } from '../../contracts/algorithms.js';
import { isStorableText } from '../../shared/text.js';
import { OAuthError } from '../errors.js';
import { param } from '../messages.js';
import type { ClientAuthMethod } from './methods.js';

export const jwtBearerAssertionType = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** A JWT signed with a key the app uploaded (RFC 7523 §2.2, §3; OIDC Core §9). */
export const privateKeyJwt: ClientAuthMethod = {
  name: 'private_key_jwt',
  presentIn: (request) => request.body.has('client_assertion') || request.body.has('client_assertion_type'),
  extract(request) {
    const type = param(request.body, 'client_assertion_type');
    const assertion = param(request.body, 'client_assertion');
    if (type !== jwtBearerAssertionType) {
      throw new OAuthError('invalid_request', `client_assertion_type must be ${jwtBearerAssertionType} (RFC 7523 §2.2)`);
    }
    if (!assertion) throw new OAuthError('invalid_request', 'client_assertion is missing (RFC 7523 §2.2)');
    let clientId = param(request.body, 'client_id');
    if (!clientId) {
      try {
        const payload = JSON.parse(Buffer.from(assertion.split('.')[1] ?? '', 'base64url').toString('utf8')) as { sub?: unknown };
        clientId = typeof payload.sub === 'string' ? payload.sub : undefined;
      } catch {
        clientId = undefined;
      }
    }
    return { method: 'private_key_jwt', clientId, assertion };
  },
  async verify(client, presented, deps) {
    const keys = await deps.clients.clientKeys(client.clientId);
    if (keys.length === 0) {
      throw new OAuthError('invalid_client', 'this app has no uploaded keys to verify a client assertion with', { status: 401 });
    }
    let payload;
    try {
      ({ payload } = await jwtVerify(presented.assertion ?? '', createLocalJWKSet({ keys }), {
        algorithms: [...assertionAlgorithms],
        issuer: client.clientId,
        subject: client.clientId,
        audience: [deps.issuer, deps.endpoints.token],
        currentDate: new Date(deps.clock.now()),
        clockTolerance: 30,
        requiredClaims: ['exp', 'jti'],
      }));
    } catch (error) {
      const reason =
        error instanceof joseErrors.JWTExpired
          ? 'it has expired'
          : error instanceof joseErrors.JWTClaimValidationFailed
            ? `its ${error.claim} claim is not valid (RFC 7523 §3: iss and sub are the client_id, aud the issuer or token endpoint)`
            : 'its signature does not match any key the app uploaded';
      throw new OAuthError('invalid_client', `the client assertion was refused: ${reason}`, { status: 401 });
    }
    if ((payload.exp ?? 0) * 1000 - deps.clock.now() > 3600_000) {
      throw new OAuthError('invalid_client', 'the client assertion lives longer than an hour; keep exp short (RFC 7523 §3)', { status: 401 });
    }
    if (typeof payload.jti !== 'string' || !isStorableText(payload.jti)) {
      throw new OAuthError('invalid_client', 'the client assertion was refused: its jti claim must be a string without NUL characters (RFC 7519 §4.1.7)', {
        status: 401,
      });
    }
    const fresh = await deps.revokedJtis.addIfAbsent(`assertion:${client.clientId}:${payload.jti}`, (payload.exp ?? 0) * 1000 + 60_000);
    if (!fresh) throw new OAuthError('invalid_client', 'the client assertion was already used: its jti must be unique (RFC 7523 §3)', { status: 401 });
  },
};
