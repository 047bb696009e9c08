import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { paths } from '../../contracts/paths.js';
import { operatorActor, type Actor } from '../../domain/access/actor.js';
import { isDomainError } from '../../domain/errors.js';
import type { Registry } from '../../domain/registry.js';
import { problemFromDomainError, problemType, sendProblem } from './problem.js';
import { buildOpenApiDocument, defineRoute, registerApiRoutes, type AnyApiRoute, type ContextResolver } from './route-kit.js';
import { apiRoutes } from './routes/apis.js';
import { appRoutes } from './routes/apps.js';
import { auditRoutes } from './routes/audit.js';
import { keyRoutes } from './routes/keys.js';
import { connectionRoutes } from './routes/connections.js';
import { credentialRoutes } from './routes/credentials.js';
import { orgRoutes } from './routes/orgs.js';
import { preAuthorizationRoutes } from './routes/preauthorizations.js';
import { trustedIssuerRoutes } from './routes/trusted-issuers.js';
import { registrationTokenRoutes } from './routes/registration-tokens.js';
import { userRoutes } from './routes/users.js';

/** Header that marks a request made in-process by the CLI on the operator's behalf. */
export const operatorKeyHeader = 'x-latchkey-operator';

export interface ManagementApiOptions {
  registry: Registry;
  /** Where the API is mounted: the issuer's path plus /api/v1. */
  prefix: string;
  /** Its operations (managementRoutes) and their OpenAPI document (managementOpenApi). */
  routes: readonly AnyApiRoute[];
  openApi: string;
  /**
   * A random key known only to this process. Requests that carry it act as the operator: the CLI
   * uses it with `inject()`, never over a socket. Absent on a listening server.
   */
  operatorKey?: string;
  /** Other bearer tokens the API accepts (Latchkey-issued management access tokens). */
  authenticateBearer?: (token: string) => Promise<Actor | null>;
}

/** Every operation of the management API, for routing and for the OpenAPI document. */
export function managementRoutes(options: { registry: Registry; serverMetadata: Record<string, unknown> }): AnyApiRoute[] {
  const deps = { registry: options.registry, serverMetadata: options.serverMetadata };
  return [
    ...orgRoutes(deps),
    ...userRoutes(deps),
    ...apiRoutes(deps),
    ...appRoutes(deps),
    ...preAuthorizationRoutes(deps),
    ...trustedIssuerRoutes(deps),
    ...credentialRoutes(deps),
    ...registrationTokenRoutes(deps),
    ...auditRoutes(deps),
    ...connectionRoutes(deps),
    ...keyRoutes(deps),
  ];
}

/** The OpenAPI document of the management API, serialized once. */
export function managementOpenApi(routes: readonly AnyApiRoute[], info: { serverUrl: string; version: string }): string {
  const document = buildOpenApiDocument(
    [
      ...routes,
      defineRoute({
        method: 'GET',
        path: '/openapi.json',
        operationId: 'getOpenApi',
        summary: 'This document',
        tag: 'Meta',
        public: true,
        response: { status: 200, description: 'OpenAPI 3.1' },
        handler: () => ({}),
      }),
    ],
    { serverUrl: info.serverUrl + paths.managementApi, version: info.version },
  );
  return JSON.stringify(document);
}

export interface ManagementMountOptions {
  /** Where the routes are mounted, from the host: the issuer's path plus /api/v1 (or the console's mount). */
  prefix: string;
  routes: readonly AnyApiRoute[];
  openApi: string;
  resolveContext: ContextResolver;
  /**
   * Whether every request, the OpenAPI document and unknown operations included, must first
   * pass `resolveContext` (the console's mount: nothing answers without a session). Otherwise
   * the document is public and cacheable, and an unknown operation is a plain 404.
   */
  guardEverything?: boolean;
}

/**
 * Registers the management API's routes under a prefix, with its problem+json error and
 * not-found handlers: for the bearer-token API and again for the console's session-backed mount.
 */
export async function mountManagementApi(app: FastifyInstance, options: ManagementMountOptions): Promise<void> {
  const { prefix, resolveContext } = options;
  const guarded = options.guardEverything === true;
  const routes = guarded ? options.routes.map((route) => ({ ...route, public: false })) : options.routes;
  await app.register(
    // Fastify awaits an async plugin; this one registers everything synchronously.
    // eslint-disable-next-line @typescript-eslint/require-await
    async (scope) => {
      scope.setErrorHandler((error: FastifyError, request, reply) => {
        if (isDomainError(error)) return sendProblem(reply, problemFromDomainError(error, request.url));
        if (error.statusCode && error.statusCode < 500) {
          const detail =
            error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
              ? 'send the body as application/json'
              : error instanceof SyntaxError || error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY'
                ? `the body is not valid JSON: ${error.message}`
                : error.message;
          return sendProblem(reply, { type: problemType('bad-request'), title: 'Bad request', status: error.statusCode, detail, instance: request.url });
        }
        request.log.error({ err: error }, 'management API error');
        return sendProblem(reply, {
          type: problemType('server-error'),
          title: 'Internal server error',
          status: 500,
          detail: `the server hit an unexpected condition; quote request id ${request.id}`,
          instance: request.url,
        });
      });
      const notFound = async (request: FastifyRequest, reply: FastifyReply) => {
        if (guarded && !(await resolveContext(request, reply))) return reply;
        return sendProblem(reply, {
          type: problemType('not-found'),
          title: 'Not found',
          status: 404,
          detail: `no operation ${request.method} ${request.url.split('?')[0]}; see ${prefix}/openapi.json`,
          instance: request.url,
        });
      };
      scope.setNotFoundHandler(notFound);
      // Mounted below another route's wildcard (the console's static files answer `/console/*`),
      // the catch-all keeps unknown operations here.
      if (guarded) scope.all('/*', notFound);
      scope.get('/openapi.json', async (request, reply) => {
        if (guarded && !(await resolveContext(request, reply))) return reply;
        return reply
          .header('cache-control', guarded ? 'no-store' : 'public, max-age=300')
          .type('application/json; charset=utf-8')
          .send(options.openApi);
      });
      registerApiRoutes(scope, '', routes, resolveContext);
    },
    { prefix },
  );
}

/** The management API (`/api/v1`): the console, the CLI and automation all use it. */
export async function registerManagementApi(app: FastifyInstance, options: ManagementApiOptions): Promise<void> {
  const resolveContext: ContextResolver = async (request, reply) => {
    if (options.operatorKey && request.headers[operatorKeyHeader] === options.operatorKey) {
      return { actor: operatorActor, requestId: request.id };
    }
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer[ ]+([\x21-\x7E]+)\s*$/i.exec(header) : null;
    if (!match) {
      reply.header('www-authenticate', 'Bearer realm="latchkey"');
      sendProblem(reply, {
        type: problemType('unauthenticated'),
        title: 'Unauthenticated',
        status: 401,
        detail: 'send a personal access token or a management access token as Authorization: Bearer <token> (RFC 6750 §2.1)',
        instance: request.url,
      });
      return undefined;
    }
    const token = match[1]!;
    const actor = (await options.registry.tokens.authenticate(token)) ?? (await options.authenticateBearer?.(token)) ?? null;
    if (!actor) {
      sendProblem(reply, {
        type: problemType('invalid-token'),
        title: 'Unauthenticated',
        status: 401,
        detail: 'the bearer token is unknown, expired or revoked',
        instance: request.url,
      });
      return undefined;
    }
    return { actor, requestId: request.id };
  };

  await mountManagementApi(app, { prefix: options.prefix, routes: options.routes, openApi: options.openApi, resolveContext });
}
