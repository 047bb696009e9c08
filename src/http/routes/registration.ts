import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isRegistrationError, type DynamicRegistration } from '../../domain/apps/dynamic-registration.js';
import { endpointPaths, issuerPath } from '../../protocol/endpoints.js';

export interface RegistrationRouteOptions {
  issuer: string;
  registration: DynamicRegistration;
}

/** The bearer token of the request (RFC 6750 §2.1), or null when none was sent. */
function bearerOf(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return null;
  return /^Bearer[ ]+([\x21-\x7E]+)\s*$/i.exec(header)?.[1] ?? '';
}

/** The header-safe text of an error description (RFC 6750 §3: no double quote or backslash). */
function quoted(text: string): string {
  return text.replace(/["\\]/g, "'").replace(/[^\x20-\x7E]/g, '?');
}

/**
 * Readable from any browser origin: a client registering itself has no registered origin yet.
 * Safe with `*` because these endpoints read no cookie; the only credential is the bearer token
 * the caller sends (credentialed CORS requests are refused by browsers for `*`).
 */
const corsHeaders = { 'access-control-allow-origin': '*' };

async function answer(reply: FastifyReply, status: number, run: () => Promise<unknown>): Promise<FastifyReply> {
  // RFC 7591 §3.2.1: the response carries credentials, so nothing may cache it.
  reply.header('cache-control', 'no-store').header('pragma', 'no-cache').headers(corsHeaders);
  try {
    const body = await run();
    return body === undefined ? reply.code(status).send() : reply.code(status).send(body);
  } catch (error) {
    if (!isRegistrationError(error)) throw error;
    if (error.retryAfterSeconds !== null) reply.header('retry-after', String(error.retryAfterSeconds));
    if (error.status === 401) {
      reply.header('www-authenticate', `Bearer realm="latchkey", error="invalid_token", error_description="${quoted(error.description)}"`);
    }
    return reply.code(error.status).send({ error: error.code, error_description: error.description });
  }
}

/** The registration endpoint (RFC 7591 §3) and each registration's client configuration endpoint (RFC 7592 §2). */
export function registerRegistrationRoutes(app: FastifyInstance, options: RegistrationRouteOptions): void {
  const { registration } = options;
  const endpoint = issuerPath(options.issuer) + endpointPaths.registration;
  type WithClient = FastifyRequest<{ Params: { clientId: string } }>;
  const clientIdOf = (request: FastifyRequest) => (request as WithClient).params.clientId;

  app.post(endpoint, (request, reply) =>
    answer(reply, 201, () => registration.register(bearerOf(request), request.body, { requestId: request.id, address: request.ip })),
  );
  app.get(`${endpoint}/:clientId`, (request, reply) => answer(reply, 200, () => registration.read(clientIdOf(request), bearerOf(request))));
  app.put(`${endpoint}/:clientId`, (request, reply) =>
    answer(reply, 200, () => registration.update(clientIdOf(request), bearerOf(request), request.body, request.id)),
  );
  app.delete(`${endpoint}/:clientId`, (request, reply) =>
    answer(reply, 204, async () => {
      await registration.delete(clientIdOf(request), bearerOf(request), request.id);
      return undefined;
    }),
  );
  for (const [path, methods] of [
    [endpoint, 'POST'],
    [`${endpoint}/:clientId`, 'GET, PUT, DELETE'],
  ] as const) {
    app.options(path, (_request, reply) =>
      reply
        .headers(corsHeaders)
        .header('access-control-allow-methods', methods)
        .header('access-control-allow-headers', 'Authorization, Content-Type')
        .header('access-control-max-age', '600')
        .code(204)
        .send(),
    );
  }
}
