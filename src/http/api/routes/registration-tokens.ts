import { z } from 'zod';
import { initialTokenViewSchema } from '../../../contracts/views.js';
import { initialTokenInputSchema, type InitialAccessTokenView } from '../../../domain/apps/initial-access-tokens.js';
import { defineRoute, type AnyApiRoute } from '../route-kit.js';
import { orgIdOf, type ManagementApiDependencies } from './deps.js';

const iso = (time: number | null) => (time === null ? null : new Date(time).toISOString());

function initialTokenView(record: InitialAccessTokenView, now: number) {
  const state = record.revokedAt !== null ? 'revoked' : record.expiresAt <= now ? 'expired' : record.usesLeft <= 0 ? 'used_up' : 'active';
  return {
    id: record.id,
    orgId: record.orgId,
    name: record.name,
    policy: record.policy,
    maxUses: record.maxUses,
    usesLeft: record.usesLeft,
    state,
    createdBy: record.createdBy,
    createdAt: iso(record.createdAt)!,
    expiresAt: iso(record.expiresAt)!,
    lastUsedAt: iso(record.lastUsedAt),
    revokedAt: iso(record.revokedAt),
  };
}

/** Initial access tokens for dynamic client registration (RFC 7591 §3), per organization. */
export function registrationTokenRoutes(deps: ManagementApiDependencies): AnyApiRoute[] {
  const { initialAccessTokens } = deps.registry;
  return [
    defineRoute({
      method: 'GET',
      path: '/orgs/{org}/registration-tokens',
      operationId: 'listRegistrationTokens',
      summary: 'List the initial access tokens for dynamic client registration (never the tokens themselves)',
      tag: 'Dynamic registration',
      permission: 'registration_tokens:read',
      response: { status: 200, description: 'The tokens, newest first', schema: z.object({ items: z.array(initialTokenViewSchema) }) },
      handler: async ({ context, params }) => {
        const orgId = await orgIdOf(deps, context, params.org!);
        const now = Date.now();
        return { body: { items: (await initialAccessTokens.list(context, orgId)).map((record) => initialTokenView(record, now)) } };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/orgs/{org}/registration-tokens',
      operationId: 'createRegistrationToken',
      summary:
        'Issue an initial access token with which apps register themselves into the organization (RFC 7591 §3), within a policy of app types, grant types, scopes and redirect URI hosts; the token is shown once',
      tag: 'Dynamic registration',
      permission: 'registration_tokens:manage',
      body: initialTokenInputSchema,
      response: { status: 201, description: 'The token', schema: initialTokenViewSchema.extend({ token: z.string().describe('Shown once') }) },
      handler: async ({ context, params, body }) => {
        const orgId = await orgIdOf(deps, context, params.org!);
        const { record, token } = await initialAccessTokens.create(context, orgId, body);
        return { status: 201, body: { ...initialTokenView(record, Date.now()), token } };
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: '/orgs/{org}/registration-tokens/{tokenId}',
      operationId: 'revokeRegistrationToken',
      summary: 'Revoke an initial access token: it registers no more apps (apps it registered stay)',
      tag: 'Dynamic registration',
      permission: 'registration_tokens:manage',
      response: { status: 204, description: 'Revoked' },
      handler: async ({ context, params }) => {
        const orgId = await orgIdOf(deps, context, params.org!);
        await initialAccessTokens.revoke(context, orgId, params.tokenId!);
        return { status: 204 };
      },
    }),
  ];
}
