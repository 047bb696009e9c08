import { z } from 'zod';
import { trustedIssuerViewSchema } from '../../../contracts/views.js';
import { trustedIssuerInputSchema } from '../../../domain/apps/trusted-issuers.js';
import type { TrustedIssuerRecord } from '../../../ports/app-repositories.js';
import { defineRoute, type AnyApiRoute } from '../route-kit.js';
import type { ManagementApiDependencies } from './deps.js';

function trustedIssuerView(record: TrustedIssuerRecord) {
  return {
    id: record.id,
    clientId: record.clientId,
    issuer: record.issuer,
    keys: record.keys.map((key) => ({ kid: key.kid ?? null, kty: String(key.kty), alg: key.alg ?? null })),
    subjects: record.subjects,
    allowAnySubject: record.allowAnySubject,
    scopes: record.scopes,
    expiresAt: record.expiresAt === null ? null : new Date(record.expiresAt).toISOString(),
    createdBy: record.createdBy,
    createdAt: new Date(record.createdAt).toISOString(),
  };
}

/** Trust relationships of an app with external issuers: JWT bearer assertions (RFC 7523) and token exchange (RFC 8693). */
export function trustedIssuerRoutes(deps: ManagementApiDependencies): AnyApiRoute[] {
  const { apps } = deps.registry;
  return [
    defineRoute({
      method: 'GET',
      path: '/apps/{clientId}/trusted-issuers',
      operationId: 'listTrustedIssuers',
      summary: 'List the external issuers the app trusts, expired ones included',
      tag: 'Apps',
      permission: 'apps:read',
      response: { status: 200, description: 'The trust relationships', schema: z.object({ items: z.array(trustedIssuerViewSchema) }) },
      handler: async ({ context, params }) => ({
        body: { items: (await apps.listTrustedIssuers(context, params.clientId!)).map(trustedIssuerView) },
      }),
    }),
    defineRoute({
      method: 'POST',
      path: '/apps/{clientId}/trusted-issuers',
      operationId: 'createTrustedIssuer',
      summary:
        'Trust an external issuer: JWTs it signs with one of its public keys may name the subjects and ask for the scopes given, as JWT bearer assertions (RFC 7523) and token exchange subject or actor tokens (RFC 8693); web and machine-to-machine apps only',
      tag: 'Apps',
      permission: 'apps:update',
      body: trustedIssuerInputSchema,
      response: { status: 201, description: 'The trust relationship', schema: trustedIssuerViewSchema },
      handler: async ({ context, params, body }) => ({
        status: 201,
        body: trustedIssuerView(await apps.addTrustedIssuer(context, params.clientId!, body)),
      }),
    }),
    defineRoute({
      method: 'DELETE',
      path: '/apps/{clientId}/trusted-issuers/{id}',
      operationId: 'deleteTrustedIssuer',
      summary: 'Stop trusting an external issuer',
      tag: 'Apps',
      permission: 'apps:update',
      response: { status: 204, description: 'Deleted' },
      handler: async ({ context, params }) => {
        await apps.deleteTrustedIssuer(context, params.clientId!, params.id!);
        return { status: 204 };
      },
    }),
  ];
}
