import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SigningKeys } from '../../domain/keys/signing-keys.js';
import { endpointPaths, issuerPath } from '../../protocol/endpoints.js';
import { cacheJson, sendCachedJson, type CachedJson } from '../cached-json.js';

export interface WellKnownRouteOptions {
  issuer: string;
  metadata: Record<string, unknown>;
  signingKeys: SigningKeys;
  maxAgeSeconds: number;
  /** Browser origins some app registered: they may read discovery and the JWKS (CORS). */
  isKnownOrigin(origin: string): Promise<boolean>;
}

/**
 * Discovery (OpenID Connect Discovery 1.0 §4, RFC 8414 §3) and the JWKS (RFC 7517 §5).
 * Both are serialized once; the JWKS again only when the published keys change.
 */
export function registerWellKnownRoutes(app: FastifyInstance, options: WellKnownRouteOptions): void {
  const prefix = issuerPath(options.issuer);
  // Readable from the browser origins of registered apps only. Vary on every answer, so that a shared
  // cache never hands one origin's answer (with or without the CORS header) to another.
  const cors = async (request: FastifyRequest, reply: FastifyReply) => {
    reply.header('vary', 'Origin');
    const origin = request.headers.origin;
    if (origin && (await options.isKnownOrigin(origin))) reply.header('access-control-allow-origin', origin);
  };
  const cacheControl = `public, max-age=${options.maxAgeSeconds}`;
  const metadata = cacheJson(options.metadata);

  app.get(prefix + endpointPaths.openidConfiguration, { onRequest: cors }, (request, reply) => sendCachedJson(request, reply, metadata, cacheControl));
  // RFC 8414 §3: for an issuer with a path, the well-known segment goes before the path.
  app.get(endpointPaths.oauthAuthorizationServer + prefix, { onRequest: cors }, (request, reply) => sendCachedJson(request, reply, metadata, cacheControl));
  if (prefix) {
    app.get(prefix + endpointPaths.oauthAuthorizationServer, { onRequest: cors }, (request, reply) => sendCachedJson(request, reply, metadata, cacheControl));
  }

  let jwks: CachedJson = cacheJson(options.signingKeys.jwks);
  let jwksVersion = options.signingKeys.version;
  app.get(prefix + endpointPaths.jwks, { onRequest: cors }, (request, reply) => {
    if (jwksVersion !== options.signingKeys.version) {
      jwks = cacheJson(options.signingKeys.jwks);
      jwksVersion = options.signingKeys.version;
    }
    // RFC 7517 §8.5
    return sendCachedJson(request, reply, jwks, cacheControl, 'application/jwk-set+json; charset=utf-8');
  });
}
