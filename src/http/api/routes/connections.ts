import { paths } from '../../../contracts/paths.js';
import { connectionViewSchema, type ConnectionView } from '../../../contracts/views.js';
import type { ConnectionRecord } from '../../../ports/federation-repositories.js';
import { defineRoute, listQuery, pageOf, pageSchema, type AnyApiRoute, type ListQuery } from '../route-kit.js';
import { orgIdOf, type ManagementApiDependencies } from './deps.js';

/** A connection as the API shows it: never the client secret, only that one is set. */
export function connectionView(connection: ConnectionRecord, callbackUrl: string): ConnectionView {
  return {
    id: connection.id,
    orgId: connection.orgId,
    name: connection.name,
    displayName: connection.displayName,
    issuer: connection.issuer,
    clientId: connection.clientId,
    clientSecretSet: connection.clientSecretJwe.length > 0,
    scopes: connection.scopes,
    claimMapping: { ...connection.claimMapping },
    domains: connection.domains,
    trustUpstreamMfa: connection.trustUpstreamMfa,
    enabled: connection.enabled,
    callbackUrl,
    createdAt: new Date(connection.createdAt).toISOString(),
    updatedAt: new Date(connection.updatedAt).toISOString(),
  };
}

function searched(items: ConnectionRecord[], query: ListQuery) {
  const needle = query.q?.toLowerCase();
  const found = needle ? items.filter((item) => item.name.includes(needle) || item.displayName.toLowerCase().includes(needle)) : items;
  const offset = (query.page - 1) * query.perPage;
  return { items: found.slice(offset, offset + query.perPage), total: found.length };
}

/** Sign-in connections to upstream OpenID providers: the server's (server administrators) and each organization's. */
export function connectionRoutes(deps: ManagementApiDependencies): AnyApiRoute[] {
  const { connections } = deps.registry;
  const callbackUrl = `${String(deps.serverMetadata.issuer)}${paths.federationCallback}`;
  const view = (connection: ConnectionRecord) => connectionView(connection, callbackUrl);
  const listResponse = { status: 200, description: 'A page of connections', schema: pageSchema(connectionViewSchema) };
  const oneResponse = (status: number) => ({ status, description: 'The connection (its client secret is write-only)', schema: connectionViewSchema });
  return [
    defineRoute({
      method: 'GET',
      path: '/connections',
      operationId: 'listServerConnections',
      summary: "List the server's own sign-in connections, offered on every sign-in page",
      tag: 'Connections',
      serverOperation: 'server-connections:read',
      query: listQuery,
      response: listResponse,
      handler: async ({ context, query }) => ({ body: pageOf(query, searched(await connections.list(context, null), query), view) }),
    }),
    defineRoute({
      method: 'POST',
      path: '/connections',
      operationId: 'createServerConnection',
      summary: 'Add a sign-in connection to an upstream OpenID provider for the whole server',
      tag: 'Connections',
      serverOperation: 'server-connections:manage',
      body: connections.inputSchema,
      response: oneResponse(201),
      handler: async ({ context, body }) => ({ status: 201, body: view(await connections.create(context, null, body)) }),
    }),
    defineRoute({
      method: 'GET',
      path: '/orgs/{org}/connections',
      operationId: 'listOrgConnections',
      summary: "List an organization's sign-in connections, offered when an authorization request names the organization",
      tag: 'Connections',
      permission: 'connections:read',
      query: listQuery,
      response: listResponse,
      handler: async ({ context, params, query }) => {
        const orgId = await orgIdOf(deps, context, params.org!);
        return { body: pageOf(query, searched(await connections.list(context, orgId), query), view) };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/orgs/{org}/connections',
      operationId: 'createOrgConnection',
      summary: 'Add a sign-in connection to an upstream OpenID provider for an organization',
      tag: 'Connections',
      permission: 'connections:manage',
      body: connections.inputSchema,
      response: oneResponse(201),
      handler: async ({ context, params, body }) => {
        const orgId = await orgIdOf(deps, context, params.org!);
        return { status: 201, body: view(await connections.create(context, orgId, body)) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/connections/{connection}',
      operationId: 'getConnection',
      summary: 'Get a sign-in connection',
      tag: 'Connections',
      permission: 'connections:read',
      response: oneResponse(200),
      handler: async ({ context, params }) => ({ body: view(await connections.get(context, params.connection!)) }),
    }),
    defineRoute({
      method: 'PATCH',
      path: '/connections/{connection}',
      operationId: 'updateConnection',
      summary: 'Change a sign-in connection; a clientSecret given replaces the stored one',
      tag: 'Connections',
      permission: 'connections:manage',
      body: connections.inputSchema,
      response: oneResponse(200),
      handler: async ({ context, params, body }) => ({ body: view(await connections.update(context, params.connection!, body)) }),
    }),
    defineRoute({
      method: 'DELETE',
      path: '/connections/{connection}',
      operationId: 'deleteConnection',
      summary: 'Delete a sign-in connection and the identities linked through it',
      tag: 'Connections',
      permission: 'connections:manage',
      response: { status: 204, description: 'Deleted' },
      handler: async ({ context, params }) => {
        await connections.delete(context, params.connection!);
        return { status: 204 };
      },
    }),
  ];
}
