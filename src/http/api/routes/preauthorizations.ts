import { z } from 'zod';
import { preAuthorizationViewSchema } from '../../../contracts/views.js';
import { preAuthorizationInputSchema, type PreAuthorizationView } from '../../../domain/apps/preauthorization-service.js';
import { defineRoute, type AnyApiRoute } from '../route-kit.js';
import type { ManagementApiDependencies } from './deps.js';

function preAuthorizationView(record: PreAuthorizationView) {
  return {
    id: record.id,
    clientId: record.clientId,
    userId: record.userId,
    email: record.email,
    role: record.role,
    scopes: record.scopes,
    audiences: record.audiences,
    authority: record.authority,
    createdBy: record.createdBy,
    createdAt: new Date(record.createdAt).toISOString(),
  };
}

/** Pre-authorizations of an app: administrators authorizing people in place of their consent. */
export function preAuthorizationRoutes(deps: ManagementApiDependencies): AnyApiRoute[] {
  const { preAuthorizations } = deps.registry;
  return [
    defineRoute({
      method: 'GET',
      path: '/apps/{clientId}/pre-authorizations',
      operationId: 'listPreAuthorizations',
      summary: 'List the users and roles administrators pre-authorized for the app',
      tag: 'Apps',
      permission: 'apps:read',
      response: { status: 200, description: 'The pre-authorizations', schema: z.object({ items: z.array(preAuthorizationViewSchema) }) },
      handler: async ({ context, params }) => ({
        body: { items: (await preAuthorizations.list(context, params.clientId!)).map(preAuthorizationView) },
      }),
    }),
    defineRoute({
      method: 'POST',
      path: '/apps/{clientId}/pre-authorizations',
      operationId: 'createPreAuthorization',
      summary:
        "Pre-authorize a user or every member with a role for some of the app's scopes, in place of their consent (server administrators; an organization's owners and admins for its members and its own APIs)",
      tag: 'Apps',
      permission: 'apps:preauthorize',
      body: preAuthorizationInputSchema,
      response: { status: 201, description: 'The pre-authorization', schema: preAuthorizationViewSchema },
      handler: async ({ context, params, body }) => ({
        status: 201,
        body: preAuthorizationView(await preAuthorizations.create(context, params.clientId!, body)),
      }),
    }),
    defineRoute({
      method: 'DELETE',
      path: '/apps/{clientId}/pre-authorizations/{id}',
      operationId: 'deletePreAuthorization',
      summary: 'Take a pre-authorization back',
      tag: 'Apps',
      permission: 'apps:preauthorize',
      response: { status: 204, description: 'Deleted' },
      handler: async ({ context, params }) => {
        await preAuthorizations.delete(context, params.clientId!, params.id!);
        return { status: 204 };
      },
    }),
  ];
}
