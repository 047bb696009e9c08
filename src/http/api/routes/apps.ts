import { z } from 'zod';
import { maxSecretGracePeriodSeconds } from '../../../contracts/limits.js';
import { reviewItemViewSchema, rotatedSecretSchema } from '../../../contracts/views.js';
import { lifecycle } from '../../../domain/apps/app-service.js';
import { defineRoute, listQuery, pageOf, pageSchema, paging, type AnyApiRoute } from '../route-kit.js';
import {
  appSecretView,
  appSecretViewSchema,
  appView,
  appViewSchema,
  appWithSecretSchema,
  assetSigningCertificateView,
  assetSigningCertificateViewSchema,
  certificateView,
  certificateViewSchema,
  logoutDeliveryView,
  logoutDeliveryViewSchema,
} from '../views.js';
import { orgIdOf, type ManagementApiDependencies } from './deps.js';

const appListQuery = listQuery.extend({ status: z.enum(['draft', 'submitted', 'active', 'disabled']).optional() });

export function appRoutes(deps: ManagementApiDependencies): AnyApiRoute[] {
  const { apps } = deps.registry;
  const lifecycleRoute = (action: 'submit' | 'approve' | 'reject' | 'activate' | 'disable' | 'enable', summary: string) =>
    defineRoute({
      method: 'POST',
      path: `/apps/{clientId}/${action}`,
      operationId: `${action}App`,
      summary,
      tag: 'Apps',
      permission: lifecycle[action].permission,
      ...(action === 'reject' ? { body: z.object({ reason: z.string() }) } : {}),
      response: { status: 200, description: 'The app in its new status', schema: appViewSchema },
      handler: async ({ context, params, body }) => ({
        body: appView(
          await apps.transition(context, params.clientId!, action, action === 'reject' ? ((body as { reason?: string } | null)?.reason ?? '') : undefined),
        ),
      }),
    });
  return [
    defineRoute({
      method: 'GET',
      path: '/orgs/{org}/apps',
      operationId: 'listApps',
      summary: 'List OAuth apps, searching by name',
      tag: 'Apps',
      permission: 'apps:read',
      query: appListQuery,
      response: { status: 200, description: 'A page of apps', schema: pageSchema(appViewSchema) },
      handler: async ({ context, params, query }) => {
        const orgId = await orgIdOf(deps, context, params.org!);
        const result = await apps.list(context, orgId, { ...paging(query), ...(query.status ? { status: query.status } : {}) });
        return { body: pageOf(query, result, appView) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/reviews',
      operationId: 'listReviews',
      summary:
        'The review queue: submitted public apps awaiting a review you may give, oldest first (server administrators: every organization; owners and admins: their organizations, without their own submissions)',
      tag: 'Apps',
      serverOperation: 'reviews:read',
      query: listQuery,
      response: { status: 200, description: 'A page of submitted apps, each with its organization', schema: pageSchema(reviewItemViewSchema) },
      handler: async ({ context, query }) => {
        const result = await apps.reviewQueue(context, paging(query));
        return { body: pageOf(query, result, (item) => ({ ...appView(item.app), orgName: item.orgName })) };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/orgs/{org}/apps',
      operationId: 'createApp',
      summary: 'Register an OAuth app; the response holds the client secret, once',
      tag: 'Apps',
      permission: 'apps:create',
      body: apps.inputSchema,
      response: { status: 201, description: 'The app, with its client secret (confidential apps)', schema: appWithSecretSchema },
      handler: async ({ context, params, body }) => {
        const orgId = await orgIdOf(deps, context, params.org!);
        const { app, clientSecret } = await apps.create(context, orgId, body);
        return { status: 201, body: { ...appView(app), clientSecret } };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/apps/{clientId}',
      operationId: 'getApp',
      summary: 'Get an app and every setting (never its secret)',
      tag: 'Apps',
      permission: 'apps:read',
      response: { status: 200, description: 'The app', schema: appViewSchema },
      handler: async ({ context, params }) => ({ body: appView(await apps.get(context, params.clientId!)) }),
    }),
    defineRoute({
      method: 'GET',
      path: '/apps/{clientId}/logout-deliveries',
      operationId: 'listLogoutDeliveries',
      summary: "The app's latest back-channel logout deliveries (newest first, at most 100): whether each reached the app, and why not",
      tag: 'Apps',
      permission: 'apps:read',
      response: { status: 200, description: 'The delivery log', schema: z.object({ items: z.array(logoutDeliveryViewSchema) }) },
      handler: async ({ context, params }) => ({
        body: { items: (await deps.registry.logoutDeliveries.list(context, params.clientId!)).map(logoutDeliveryView) },
      }),
    }),
    defineRoute({
      method: 'PATCH',
      path: '/apps/{clientId}',
      operationId: 'updateApp',
      summary: 'Change settings: nested groups merge, lists replace; on any invalid value nothing is saved',
      tag: 'Apps',
      permission: 'apps:update',
      body: apps.inputSchema,
      response: { status: 200, description: 'The app', schema: appViewSchema },
      handler: async ({ context, params, body }) => ({ body: appView(await apps.update(context, params.clientId!, body)) }),
    }),
    defineRoute({
      method: 'DELETE',
      path: '/apps/{clientId}',
      operationId: 'deleteApp',
      summary: 'Delete an app with its secrets and certificates',
      tag: 'Apps',
      permission: 'apps:delete',
      response: { status: 204, description: 'Deleted' },
      handler: async ({ context, params }) => {
        await apps.delete(context, params.clientId!);
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/apps/{clientId}/secret/rotate',
      operationId: 'rotateAppSecret',
      summary: 'Generate a new client secret (returned once); the old one stops now or after a grace period of up to 7 days',
      tag: 'Apps',
      permission: 'apps:rotate_secret',
      body: z.object({ gracePeriodSeconds: z.number().int().min(0).max(maxSecretGracePeriodSeconds).optional() }),
      response: {
        status: 200,
        description: 'The new secret',
        schema: rotatedSecretSchema,
      },
      handler: async ({ context, params, body }) => {
        const grace = (body as { gracePeriodSeconds?: unknown } | undefined)?.gracePeriodSeconds;
        const { clientSecret, previousSecretsExpireAt } = await apps.rotateSecret(context, params.clientId!, {
          ...(grace !== undefined ? { gracePeriodSeconds: grace as number } : {}),
        });
        return { body: { clientId: params.clientId, clientSecret, previousSecretsExpireAt: new Date(previousSecretsExpireAt).toISOString() } };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/apps/{clientId}/secrets',
      operationId: 'listAppSecrets',
      summary: 'The client secrets that work now (never their values): the current one, and a previous one until its grace period ends',
      tag: 'Apps',
      permission: 'apps:read',
      response: { status: 200, description: 'The working secrets, newest first', schema: z.object({ items: z.array(appSecretViewSchema) }) },
      handler: async ({ context, params }) => ({ body: { items: (await apps.listSecrets(context, params.clientId!)).map(appSecretView) } }),
    }),
    defineRoute({
      method: 'POST',
      path: '/apps/{clientId}/secret/end-grace-period',
      operationId: 'endAppSecretGracePeriod',
      summary: 'End the grace period of a rotation now: the previous secret stops working at once, the current one keeps working',
      tag: 'Apps',
      permission: 'apps:rotate_secret',
      response: { status: 200, description: 'The secrets that still work', schema: z.object({ items: z.array(appSecretViewSchema) }) },
      handler: async ({ context, params }) => ({ body: { items: (await apps.endPreviousSecrets(context, params.clientId!)).map(appSecretView) } }),
    }),
    lifecycleRoute('submit', 'Submit a public draft app for approval (every redirect URI must be real)'),
    lifecycleRoute('approve', 'Approve a submitted app: it becomes active'),
    lifecycleRoute('reject', 'Reject a submitted app with a reason: it returns to draft'),
    lifecycleRoute('activate', 'Activate a private draft app'),
    lifecycleRoute('disable', 'Disable an app: it gets no tokens and its tokens stop introspecting'),
    lifecycleRoute('enable', 'Enable a disabled app'),
    defineRoute({
      method: 'GET',
      path: '/apps/{clientId}/export',
      operationId: 'exportApp',
      summary: 'Download the credentials file: client_id, issuer, discovery URL, endpoints, redirect URIs (never a secret)',
      tag: 'Apps',
      permission: 'apps:read',
      response: { status: 200, description: 'The credentials file', schema: z.record(z.string(), z.unknown()) },
      handler: async ({ context, params }) => ({
        body: await apps.exportCredentials(context, params.clientId!, deps.serverMetadata),
        headers: { 'content-disposition': `attachment; filename="latchkey-app-${params.clientId}.json"` },
      }),
    }),
    defineRoute({
      method: 'GET',
      path: '/apps/{clientId}/certificates',
      operationId: 'listAppCertificates',
      summary: 'List uploaded certificates and keys',
      tag: 'Apps',
      permission: 'apps:read',
      response: { status: 200, description: 'The certificates', schema: z.object({ items: z.array(certificateViewSchema) }) },
      handler: async ({ context, params }) => ({
        body: { items: (await apps.listCertificates(context, params.clientId!)).map(certificateView) },
      }),
    }),
    defineRoute({
      method: 'POST',
      path: '/apps/{clientId}/certificates',
      operationId: 'uploadAppCertificate',
      summary: 'Upload a PEM certificate, PEM public key, JWK or JWKS (4 KB at most) for the JWT bearer flow and private_key_jwt',
      tag: 'Apps',
      permission: 'apps:update',
      body: z.object({ certificate: z.string().describe('The PEM or JSON text') }),
      response: { status: 201, description: 'The keys it held', schema: z.object({ items: z.array(certificateViewSchema) }) },
      handler: async ({ context, params, body }) => ({
        status: 201,
        body: {
          items: (await apps.addCertificate(context, params.clientId!, (body as { certificate?: unknown } | null)?.certificate)).map(certificateView),
        },
      }),
    }),
    defineRoute({
      method: 'DELETE',
      path: '/apps/{clientId}/certificates/{certificateId}',
      operationId: 'deleteAppCertificate',
      summary: 'Delete a certificate or key',
      tag: 'Apps',
      permission: 'apps:update',
      response: { status: 204, description: 'Deleted' },
      handler: async ({ context, params }) => {
        await apps.deleteCertificate(context, params.clientId!, params.certificateId!);
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/apps/{clientId}/asset-signing-certificate',
      operationId: 'getAssetSigningCertificate',
      summary: 'Get the asset signing certificate (never its private key)',
      tag: 'Apps',
      permission: 'apps:read',
      response: { status: 200, description: 'The certificate', schema: assetSigningCertificateViewSchema },
      handler: async ({ context, params }) => ({ body: assetSigningCertificateView(await apps.getAssetSigningKey(context, params.clientId!)) }),
    }),
    defineRoute({
      method: 'PUT',
      path: '/apps/{clientId}/asset-signing-certificate',
      operationId: 'setAssetSigningCertificate',
      summary:
        'Set the certificate and private key that sign asset tokens (PEM, 4 KB at most each; the key must match); the key is stored encrypted and never returned',
      tag: 'Apps',
      permission: 'apps:update',
      body: z.object({
        certificate: z.string().describe('The PEM certificate (-----BEGIN CERTIFICATE-----)'),
        privateKey: z.string().describe('Its unencrypted PEM private key (-----BEGIN PRIVATE KEY-----); write-only'),
      }),
      response: { status: 200, description: 'The certificate now in use', schema: assetSigningCertificateViewSchema },
      handler: async ({ context, params, body }) => ({ body: assetSigningCertificateView(await apps.setAssetSigningKey(context, params.clientId!, body)) }),
    }),
    defineRoute({
      method: 'DELETE',
      path: '/apps/{clientId}/asset-signing-certificate',
      operationId: 'deleteAssetSigningCertificate',
      summary: 'Remove the asset signing certificate and its key (refused while asset tokens are signed with it)',
      tag: 'Apps',
      permission: 'apps:update',
      response: { status: 204, description: 'Removed' },
      handler: async ({ context, params }) => {
        await apps.deleteAssetSigningKey(context, params.clientId!);
        return { status: 204 };
      },
    }),
  ];
}
