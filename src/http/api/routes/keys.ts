import { z } from 'zod';
import { signingKeyViewSchema, type SigningKeyView } from '../../../contracts/views.js';
import type { StoredSigningKey } from '../../../ports/signing-key-repository.js';
import { defineRoute, type AnyApiRoute } from '../route-kit.js';
import type { ManagementApiDependencies } from './deps.js';

const isoOrNull = (time: number | null) => (time === null ? null : new Date(time).toISOString());

/** A key as the API shows it: its public half and lifecycle, never its private material. */
export function signingKeyView(key: StoredSigningKey): SigningKeyView {
  return {
    kid: key.kid,
    alg: key.alg,
    status: key.status,
    published: key.status === 'next' || key.status === 'active' || key.status === 'retiring',
    createdAt: new Date(key.createdAt).toISOString(),
    activateAt: isoOrNull(key.activateAt),
    rotatedAt: isoOrNull(key.rotatedAt),
    retireAt: isoOrNull(key.retireAt),
    revokedAt: isoOrNull(key.revokedAt),
  };
}

/** The server's signing keys, for server administrators: list, rotate now, revoke in an emergency. */
export function keyRoutes(deps: ManagementApiDependencies): AnyApiRoute[] {
  const { keys } = deps.registry;
  const listed = async (context: Parameters<typeof keys.list>[0]) => ({ items: (await keys.list(context)).map(signingKeyView) });
  const listSchema = z.object({ items: z.array(signingKeyViewSchema) });
  return [
    defineRoute({
      method: 'GET',
      path: '/keys',
      operationId: 'listSigningKeys',
      summary: 'List the signing keys, newest first, with their lifecycle',
      tag: 'Keys',
      serverOperation: 'keys:read',
      response: { status: 200, description: 'Every key, newest first', schema: listSchema },
      handler: async ({ context }) => ({ body: await listed(context) }),
    }),
    defineRoute({
      method: 'POST',
      path: '/keys/rotate',
      operationId: 'rotateSigningKeys',
      summary: 'Make a new key sign now for each algorithm (all configured ones by default); the old keys stay published until what they signed has expired',
      tag: 'Keys',
      serverOperation: 'keys:write',
      body: z.object({ algorithms: z.array(z.string()).optional().describe('e.g. ["RS256"]; all configured algorithms when absent') }),
      response: { status: 200, description: 'Every key after the rotation', schema: listSchema },
      handler: async ({ context, body }) => ({ body: { items: (await keys.rotate(context, body)).keys.map(signingKeyView) } }),
    }),
    defineRoute({
      method: 'POST',
      path: '/keys/{kid}/revoke',
      operationId: 'revokeSigningKey',
      summary:
        'Revoke a key in an emergency: it leaves the JWKS at once on every node and tokens it signed stop verifying; an active key is replaced by a new one',
      tag: 'Keys',
      serverOperation: 'keys:write',
      response: { status: 200, description: 'Every key after the revocation', schema: listSchema },
      handler: async ({ context, params }) => ({ body: { items: (await keys.revoke(context, params.kid!)).keys.map(signingKeyView) } }),
    }),
  ];
}
