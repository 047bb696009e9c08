import { defineRoute, listQuery, pageOf, pageSchema, paging, type AnyApiRoute } from '../route-kit.js';
import { apiView, apiViewSchema } from '../views.js';
import { orgIdOf, type ManagementApiDependencies } from './deps.js';

export function apiRoutes(deps: ManagementApiDependencies): AnyApiRoute[] {
  const { apis } = deps.registry;
  return [
    defineRoute({
      method: 'GET',
      path: '/orgs/{org}/apis',
      operationId: 'listApis',
      summary: 'List registered APIs, searching by name or identifier',
      tag: 'APIs',
      permission: 'apis:read',
      query: listQuery,
      response: { status: 200, description: 'A page of APIs', schema: pageSchema(apiViewSchema) },
      handler: async ({ context, params, query }) => {
        const orgId = await orgIdOf(deps, context, params.org!);
        return { body: pageOf(query, await apis.list(context, orgId, paging(query)), apiView) };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/orgs/{org}/apis',
      operationId: 'createApi',
      summary: 'Register an API: its identifier is the audience of its access tokens',
      tag: 'APIs',
      permission: 'apis:manage',
      body: apis.inputSchema,
      response: { status: 201, description: 'The API', schema: apiViewSchema },
      handler: async ({ context, params, body }) => {
        const orgId = await orgIdOf(deps, context, params.org!);
        return { status: 201, body: apiView(await apis.create(context, orgId, body)) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/apis/{api}',
      operationId: 'getApi',
      summary: 'Get an API by id or identifier',
      tag: 'APIs',
      permission: 'apis:read',
      response: { status: 200, description: 'The API', schema: apiViewSchema },
      handler: async ({ context, params }) => ({ body: apiView(await apis.get(context, params.api!)) }),
    }),
    defineRoute({
      method: 'PATCH',
      path: '/apis/{api}',
      operationId: 'updateApi',
      summary: 'Change an API (its identifier is immutable); apps lose scopes it no longer has',
      tag: 'APIs',
      permission: 'apis:manage',
      body: apis.inputSchema,
      response: { status: 200, description: 'The API', schema: apiViewSchema },
      handler: async ({ context, params, body }) => ({ body: apiView(await apis.update(context, params.api!, body)) }),
    }),
    defineRoute({
      method: 'DELETE',
      path: '/apis/{api}',
      operationId: 'deleteApi',
      summary: 'Delete an API; apps lose its audience and scopes',
      tag: 'APIs',
      permission: 'apis:manage',
      response: { status: 204, description: 'Deleted' },
      handler: async ({ context, params }) => {
        await apis.delete(context, params.api!);
        return { status: 204 };
      },
    }),
  ];
}
