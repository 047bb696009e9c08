import { z } from 'zod';
import { rotatedSecretSchema } from '../../../contracts/views.js';
import { credentialInputSchema } from '../../../domain/apps/credential-service.js';
import { defineRoute, listQuery, pageOf, pageSchema, paging, type AnyApiRoute } from '../route-kit.js';
import { appSecretView, appSecretViewSchema, appView, appViewSchema, appWithSecretSchema } from '../views.js';
import { orgIdOf, type ManagementApiDependencies } from './deps.js';

export function credentialRoutes(deps: ManagementApiDependencies): AnyApiRoute[] {
  const { credentials } = deps.registry;
  return [
    defineRoute({
      method: 'GET',
      path: '/orgs/{org}/credentials',
      operationId: 'listCredentials',
      summary: "List per-user client credentials: your own, or (owners and admins) a member's or everyone's, with their owner",
      tag: 'Client credentials',
      permission: 'credentials:read',
      query: listQuery.extend({ userId: z.string().optional() }),
      response: { status: 200, description: 'A page of credentials', schema: pageSchema(appViewSchema) },
      handler: async ({ context, params, query }) => {
        const orgId = await orgIdOf(deps, context, params.org!);
        const result = await credentials.list(context, orgId, { ...paging(query), ...(query.userId ? { userId: query.userId } : {}) });
        return { body: pageOf(query, result, appView) };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/orgs/{org}/credentials',
      operationId: 'createCredential',
      summary: 'Make OAuth 2.0 client credentials with audience + scope pairs, for yourself or (owners and admins) another member; the secret is shown once',
      tag: 'Client credentials',
      permission: ['credentials:create_own', 'credentials:manage'],
      body: credentialInputSchema,
      response: { status: 201, description: 'The credentials with their secret', schema: appWithSecretSchema },
      handler: async ({ context, params, body }) => {
        const orgId = await orgIdOf(deps, context, params.org!);
        const { app, clientSecret } = await credentials.create(context, orgId, body);
        return { status: 201, body: { ...appView(app), clientSecret } };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/credentials/{clientId}',
      operationId: 'getCredential',
      summary: 'Get client credentials (never the secret)',
      tag: 'Client credentials',
      permission: 'credentials:read',
      response: { status: 200, description: 'The credentials', schema: appViewSchema },
      handler: async ({ context, params }) => ({ body: appView(await credentials.get(context, params.clientId!)) }),
    }),
    defineRoute({
      method: 'DELETE',
      path: '/credentials/{clientId}',
      operationId: 'deleteCredential',
      summary: 'Delete client credentials',
      tag: 'Client credentials',
      permission: ['credentials:create_own', 'credentials:manage'],
      response: { status: 204, description: 'Deleted' },
      handler: async ({ context, params }) => {
        await credentials.delete(context, params.clientId!);
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/credentials/{clientId}/secret/rotate',
      operationId: 'rotateCredentialSecret',
      summary: 'Generate a new secret for client credentials (returned once)',
      tag: 'Client credentials',
      permission: ['credentials:create_own', 'credentials:manage'],
      body: z.object({ gracePeriodSeconds: z.number().int().optional() }),
      response: { status: 200, description: 'The new secret', schema: rotatedSecretSchema },
      handler: async ({ context, params, body }) => {
        const grace = (body as { gracePeriodSeconds?: unknown } | undefined)?.gracePeriodSeconds;
        const result = await credentials.rotateSecret(context, params.clientId!, grace !== undefined ? { gracePeriodSeconds: grace as number } : {});
        return {
          body: {
            clientId: params.clientId,
            clientSecret: result.clientSecret,
            previousSecretsExpireAt: new Date(result.previousSecretsExpireAt).toISOString(),
          },
        };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/credentials/{clientId}/secrets',
      operationId: 'listCredentialSecrets',
      summary: 'The secrets of client credentials that work now (never their values): the current one, and a previous one until its grace period ends',
      tag: 'Client credentials',
      permission: 'credentials:read',
      response: { status: 200, description: 'The working secrets, newest first', schema: z.object({ items: z.array(appSecretViewSchema) }) },
      handler: async ({ context, params }) => ({ body: { items: (await credentials.listSecrets(context, params.clientId!)).map(appSecretView) } }),
    }),
    defineRoute({
      method: 'POST',
      path: '/credentials/{clientId}/secret/end-grace-period',
      operationId: 'endCredentialSecretGracePeriod',
      summary: 'End the grace period of a rotation now: the previous secret stops working at once, the current one keeps working',
      tag: 'Client credentials',
      permission: ['credentials:create_own', 'credentials:manage'],
      response: { status: 200, description: 'The secrets that still work', schema: z.object({ items: z.array(appSecretViewSchema) }) },
      handler: async ({ context, params }) => ({ body: { items: (await credentials.endPreviousSecrets(context, params.clientId!)).map(appSecretView) } }),
    }),
  ];
}
