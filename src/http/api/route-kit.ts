import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { permissionTable, serverOperations, type ManagementScope, type Permission, type ServerOperation } from '../../contracts/permissions.js';
import type { RequestContext } from '../../domain/audit/audit-log.js';
import { DomainError } from '../../domain/errors.js';
import { parseOrThrow } from '../../domain/validation.js';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export interface ApiRequest<Query> {
  params: Record<string, string>;
  query: Query;
  body: unknown;
  context: RequestContext;
  raw: FastifyRequest;
}

export interface ApiResult {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** One operation of the management API: its route, its documentation and its handler, together. */
export interface ApiRoute<Query = Record<string, never>> {
  method: HttpMethod;
  /** OpenAPI-style path below /api/v1, e.g. `/apps/{clientId}`. */
  path: string;
  operationId: string;
  summary: string;
  tag: string;
  /**
   * The permission of the role table the domain checks, or several that need the same scope
   * (your own credentials or a member's); the documented scope is the table's, so the two can't
   * disagree.
   */
  permission?: Permission | readonly [Permission, ...Permission[]];
  /** For an operation outside any organization, which no role governs: its scope. */
  serverOperation?: ServerOperation;
  /** Whether the operation needs no token (the OpenAPI document itself). */
  public?: boolean;
  query?: z.ZodType<Query>;
  body?: z.ZodType;
  response: { status: number; description: string; schema?: z.ZodType };
  handler(request: ApiRequest<Query>): Promise<ApiResult> | ApiResult;
}

// Routes are heterogeneous in their query type; the kit only needs the shape.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyApiRoute = ApiRoute<any>;

export function defineRoute<Query = Record<string, never>>(route: ApiRoute<Query>): ApiRoute<Query> {
  requiredScopeOf(route);
  return route;
}

/** The management scope a token needs for the route (the role table decides the rest), or undefined when it needs none. */
export function requiredScopeOf(route: Pick<AnyApiRoute, 'permission' | 'serverOperation' | 'method' | 'path'>): ManagementScope | undefined {
  if (route.serverOperation) return serverOperations[route.serverOperation].scope;
  if (!route.permission) return undefined;
  const scopes = new Set([route.permission].flat().map((permission) => permissionTable[permission].scope));
  if (scopes.size !== 1) throw new Error(`${route.method} ${route.path}: its permissions need different scopes (${[...scopes].join(', ')})`);
  return [...scopes][0];
}

/** Pagination and search shared by every list: `?page=1&perPage=20&q=name`. */
export const listQuery = z
  .object({
    page: z.coerce.number().int().min(1, { error: 'must be 1 or more' }).default(1),
    perPage: z.coerce.number().int().min(1, { error: 'must be from 1 to 100' }).max(100, { error: 'must be from 1 to 100' }).default(20),
    q: z.string().max(100).optional(),
  })
  .strict();
export type ListQuery = z.output<typeof listQuery>;

export function paging(query: ListQuery): { offset: number; limit: number; search?: string } {
  return { offset: (query.page - 1) * query.perPage, limit: query.perPage, ...(query.q ? { search: query.q } : {}) };
}

export function pageOf<T, V>(query: ListQuery, result: { items: T[]; total: number }, view: (item: T) => V) {
  return { items: result.items.map(view), page: query.page, perPage: query.perPage, total: result.total };
}

export { pageSchema } from '../../contracts/views.js';

export type ContextResolver = (request: FastifyRequest, reply: FastifyReply) => Promise<RequestContext | undefined>;

/** Fastify types the parsed query and body as any; the route's schema is what gives them a type. */
function queryOf(request: FastifyRequest): unknown {
  return request.query ?? {};
}

function bodyOf(request: FastifyRequest): unknown {
  return request.body;
}

function fastifyPath(path: string): string {
  return path.replace(/\{([^}]+)\}/g, ':$1');
}

/** Registers the routes under `prefix`; each resolves its caller first, then parses its query, then runs. */
export function registerApiRoutes(app: FastifyInstance, prefix: string, routes: readonly AnyApiRoute[], resolveContext: ContextResolver): void {
  for (const route of routes) {
    app.route({
      method: route.method,
      url: prefix + fastifyPath(route.path),
      handler: async (request, reply) => {
        let context: RequestContext = { actor: { kind: 'operator' }, requestId: request.id };
        if (!route.public) {
          const resolved = await resolveContext(request, reply);
          if (!resolved) return reply;
          context = resolved;
        }
        const query: unknown = route.query ? parseOrThrow(route.query, queryOf(request)) : {};
        if (route.body && route.method !== 'GET' && request.body === undefined) {
          throw DomainError.validation([{ field: '(body)', message: 'expected a JSON body' }]);
        }
        const result = await route.handler({
          params: request.params as Record<string, string>,
          query,
          body: bodyOf(request),
          context,
          raw: request,
        });
        reply.code(result.status ?? route.response.status).header('cache-control', 'no-store');
        if (result.headers) reply.headers(result.headers);
        return result.body === undefined ? reply.send() : reply.send(result.body);
      },
    });
  }
}

/** OpenAPI 3.1 for the routes, their schemas converted from zod (JSON Schema 2020-12). */
export function buildOpenApiDocument(routes: readonly AnyApiRoute[], info: { serverUrl: string; version: string }) {
  const toSchema = (schema: z.ZodType, io: 'input' | 'output') =>
    z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
  const paths: Record<string, Record<string, unknown>> = {};
  const problem = {
    description: 'An RFC 9457 problem: `detail` names the rule that was broken; `errors` lists each failing field.',
    content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
  };
  for (const route of routes) {
    const parameters: unknown[] = [...route.path.matchAll(/\{([^}]+)\}/g)].map((match) => ({
      name: match[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    if (route.query) {
      const querySchema = toSchema(route.query, 'input') as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, schema] of Object.entries(querySchema.properties ?? {})) {
        parameters.push({ name, in: 'query', required: querySchema.required?.includes(name) ?? false, schema });
      }
    }
    const scope = requiredScopeOf(route);
    const operation: Record<string, unknown> = {
      operationId: route.operationId,
      summary: route.summary,
      tags: [route.tag],
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: toSchema(route.body, 'input') } } } } : {}),
      responses: {
        [String(route.response.status)]: {
          description: route.response.description,
          ...(route.response.schema ? { content: { 'application/json': { schema: toSchema(route.response.schema, 'output') } } } : {}),
        },
        ...(route.public ? {} : { '400': problem, '401': problem, '403': problem, '404': problem, '409': problem }),
      },
      ...(route.public ? { security: [] } : {}),
      ...(scope ? { 'x-required-scope': scope } : {}),
    };
    paths[route.path] ??= {};
    paths[route.path]![route.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Latchkey management API',
      version: info.version,
      description:
        "Organizations, members, APIs, OAuth apps, per-user client credentials, audit log and users. Authorize with a personal access token (`latchkey tokens create`) or a Latchkey access token for the management API, as `Authorization: Bearer <token>`. Each operation needs the scope in `x-required-scope`, and the caller's role in the organization must allow it (docs/permissions.md).",
    },
    servers: [{ url: info.serverUrl }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        Problem: {
          type: 'object',
          required: ['type', 'title', 'status', 'detail'],
          properties: {
            type: { type: 'string' },
            title: { type: 'string' },
            status: { type: 'integer' },
            detail: { type: 'string' },
            instance: { type: 'string' },
            errors: {
              type: 'array',
              items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } }, required: ['field', 'message'] },
            },
          },
        },
      },
    },
    paths,
  };
}
