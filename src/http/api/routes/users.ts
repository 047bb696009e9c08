import { z } from 'zod';
import { allManagementScopes } from '../../../contracts/scopes.js';
import { consentViewSchema, meViewSchema } from '../../../contracts/views.js';
import type { RequestContext } from '../../../domain/audit/audit-log.js';
import { DomainError } from '../../../domain/errors.js';
import type { UserRecord } from '../../../ports/identity-repositories.js';
import { describeConsent } from '../../../protocol/authorize/scope-descriptions.js';
import { defineRoute, listQuery, pageOf, pageSchema, paging, type AnyApiRoute } from '../route-kit.js';
import { orgView, sessionView, sessionViewSchema, tokenView, tokenViewSchema, userView, userViewSchema } from '../views.js';
import type { ManagementApiDependencies } from './deps.js';

/** `{user}` is an id, an email, or `me` for the caller. */
function userOf(context: RequestContext, user: string): string {
  if (user !== 'me') return user;
  if (context.actor.kind !== 'user') throw new DomainError('forbidden', 'only a user has a "me"');
  return context.actor.userId;
}

/** The user view, with the user's two-step state (read after the use case authorized the read). */
async function viewOf(deps: ManagementApiDependencies, user: UserRecord) {
  return userView(user, await deps.registry.users.secondFactorsOf(user));
}

/** `POST /users/{user}/<action>`: a server administrator's one-word change to a user; answers with the user. */
function userActionRoute(
  deps: ManagementApiDependencies,
  action: string,
  operationId: string,
  summary: string,
  run: (context: RequestContext, user: string) => Promise<UserRecord>,
): AnyApiRoute[] {
  return [
    defineRoute({
      method: 'POST',
      path: `/users/{user}/${action}`,
      operationId,
      summary,
      tag: 'Users',
      serverOperation: 'users:write',
      response: { status: 200, description: 'The user', schema: userViewSchema },
      handler: async ({ context, params }) => ({ body: await viewOf(deps, await run(context, userOf(context, params.user!))) }),
    }),
  ];
}

export function userRoutes(deps: ManagementApiDependencies): AnyApiRoute[] {
  const { users, tokens, orgs } = deps.registry;
  return [
    defineRoute({
      method: 'GET',
      path: '/me',
      operationId: 'getMe',
      summary: 'Who you are, your organizations and roles, and the scopes your token carries',
      tag: 'Users',
      response: {
        status: 200,
        description: 'The caller',
        schema: meViewSchema,
      },
      handler: async ({ context }) => {
        const { actor } = context;
        if (actor.kind !== 'user') {
          return {
            body: {
              kind: actor.kind,
              user: null,
              scopes: actor.kind === 'operator' ? allManagementScopes : [...actor.scopes],
              organizations: [],
              mayCreateOrganizations: await orgs.mayCreate(context),
            },
          };
        }
        const user = await users.get(context, actor.userId);
        const memberships = (await orgs.listMine(context)).map((org) => ({ ...orgView(org), role: org.role }));
        const mayCreateOrganizations = await orgs.mayCreate(context);
        return { body: { kind: 'user', user: await viewOf(deps, user), scopes: [...actor.scopes], organizations: memberships, mayCreateOrganizations } };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/limits',
      operationId: 'getLimits',
      summary: 'The bounds app and API settings are checked against (token lifetimes, redirect URI length, grace period, upload sizes)',
      tag: 'Meta',
      response: { status: 200, description: 'The limits', schema: z.record(z.string(), z.unknown()) },
      handler: () => ({ body: deps.registry.apps.limits() }),
    }),
    defineRoute({
      method: 'GET',
      path: '/me/consents',
      operationId: 'listMyConsents',
      summary: 'The apps you allowed, and the scopes you allowed each',
      tag: 'Users',
      response: {
        status: 200,
        description: 'Your consents',
        schema: z.object({ items: z.array(consentViewSchema) }),
      },
      handler: async ({ context }) => ({
        body: {
          items: await Promise.all(
            (await deps.registry.consents.listMine(context)).map(async (consent) => ({
              clientId: consent.clientId,
              clientName: consent.clientName,
              scopes: consent.scopes,
              access: await describeConsent(consent.scopes, deps.resources),
              createdAt: new Date(consent.createdAt).toISOString(),
              updatedAt: new Date(consent.updatedAt).toISOString(),
            })),
          ),
        },
      }),
    }),
    defineRoute({
      method: 'DELETE',
      path: '/me/consents/{clientId}',
      operationId: 'revokeMyConsent',
      summary: 'Withdraw consent from an app: it must ask again, and the tokens you gave it stop working',
      tag: 'Users',
      response: { status: 204, description: 'Withdrawn' },
      handler: async ({ context, params }) => {
        await deps.registry.consents.revoke(context, params.clientId!);
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/users',
      operationId: 'listUsers',
      summary: 'List users (server administrators)',
      tag: 'Users',
      serverOperation: 'users:read',
      query: listQuery,
      response: { status: 200, description: 'A page of users', schema: pageSchema(userViewSchema) },
      handler: async ({ context, query }) => {
        const page = await users.list(context, paging(query));
        const items = await Promise.all(page.items.map((user) => viewOf(deps, user)));
        return { body: pageOf(query, { items, total: page.total }, (item) => item) };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/users',
      operationId: 'createUser',
      summary:
        'Create a user (server administrators); the password is stored with argon2id. Without a password the user is mailed a link (72 hours) to set one',
      tag: 'Users',
      serverOperation: 'users:write',
      body: z.object({
        email: z.string(),
        name: z.string().optional(),
        password: z.string().optional(),
        emailVerified: z.boolean().optional(),
        isAdmin: z.boolean().optional(),
      }),
      response: { status: 201, description: 'The user', schema: userViewSchema },
      handler: async ({ context, body }) => ({ status: 201, body: await viewOf(deps, await users.create(context, body)) }),
    }),
    defineRoute({
      method: 'GET',
      path: '/users/{user}',
      operationId: 'getUser',
      summary: 'Get a user by id or email',
      tag: 'Users',
      serverOperation: 'users:read',
      response: { status: 200, description: 'The user', schema: userViewSchema },
      handler: async ({ context, params }) => ({ body: await viewOf(deps, await users.get(context, userOf(context, params.user!))) }),
    }),
    defineRoute({
      method: 'PATCH',
      path: '/users/{user}',
      operationId: 'updateUser',
      summary: 'Change a user',
      tag: 'Users',
      serverOperation: 'users:write',
      body: z.object({ name: z.string(), password: z.string(), emailVerified: z.boolean(), isAdmin: z.boolean() }).partial(),
      response: { status: 200, description: 'The user', schema: userViewSchema },
      handler: async ({ context, params, body }) => ({ body: await viewOf(deps, await users.update(context, userOf(context, params.user!), body)) }),
    }),
    defineRoute({
      method: 'DELETE',
      path: '/users/{user}',
      operationId: 'deleteUser',
      summary: 'Delete a user',
      tag: 'Users',
      serverOperation: 'users:write',
      response: { status: 204, description: 'Deleted' },
      handler: async ({ context, params }) => {
        await users.delete(context, userOf(context, params.user!));
        return { status: 204 };
      },
    }),
    ...userActionRoute(
      deps,
      'disable',
      'disableUser',
      'Disable a user: they cannot sign in, their sessions end and their tokens stop working',
      (context, user) => users.disable(context, user),
    ),
    ...userActionRoute(deps, 'enable', 'enableUser', 'Enable a disabled user again', (context, user) => users.enable(context, user)),
    ...userActionRoute(deps, 'verify', 'verifyUserEmail', "Mark a user's email address as verified", (context, user) => users.markVerified(context, user)),
    ...userActionRoute(deps, 'unlock', 'unlockUser', 'End a lockout after failed sign-ins before it expires', (context, user) => users.unlock(context, user)),
    defineRoute({
      method: 'POST',
      path: '/users/{user}/password-reset',
      operationId: 'sendPasswordReset',
      summary: 'Mail the user a link (30 minutes) to set a new password',
      tag: 'Users',
      serverOperation: 'users:write',
      response: { status: 204, description: 'Queued' },
      handler: async ({ context, params }) => {
        await users.sendPasswordReset(context, userOf(context, params.user!));
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/users/{user}/second-factors/reset',
      operationId: 'resetSecondFactors',
      summary:
        'Remove every second factor of a user (authenticator apps, passkeys, recovery codes), for a lost device; the user is mailed and sets one up again at their next sign-in where it is required',
      tag: 'Users',
      serverOperation: 'users:write',
      response: {
        status: 200,
        description: 'What was removed, and the user',
        schema: z.object({ removed: z.number().int().describe('Second factors removed, recovery codes not counted'), user: userViewSchema }),
      },
      handler: async ({ context, params }) => {
        const { user, removed } = await users.resetSecondFactors(context, userOf(context, params.user!));
        return { body: { removed, user: await viewOf(deps, user) } };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/users/{user}/sessions',
      operationId: 'listUserSessions',
      summary: "A user's live sign-in sessions, most recently used first",
      tag: 'Users',
      serverOperation: 'users:read',
      response: { status: 200, description: 'The sessions', schema: z.object({ items: z.array(sessionViewSchema) }) },
      handler: async ({ context, params }) => ({ body: { items: (await users.listSessions(context, userOf(context, params.user!))).map(sessionView) } }),
    }),
    defineRoute({
      method: 'DELETE',
      path: '/users/{user}/sessions',
      operationId: 'endUserSessions',
      summary: "End all of a user's sign-in sessions (tokens already issued are not sessions: disable the user to stop those)",
      tag: 'Users',
      serverOperation: 'users:write',
      response: { status: 204, description: 'Ended' },
      handler: async ({ context, params }) => {
        await users.endSessions(context, userOf(context, params.user!));
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: '/users/{user}/sessions/{sid}',
      operationId: 'endUserSession',
      summary: "End one of a user's sign-in sessions",
      tag: 'Users',
      serverOperation: 'users:write',
      response: { status: 204, description: 'Ended' },
      handler: async ({ context, params }) => {
        await users.endSessions(context, userOf(context, params.user!), params.sid);
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/users/{user}/tokens',
      operationId: 'listPersonalAccessTokens',
      summary: "List a user's personal access tokens (never the tokens themselves)",
      tag: 'Personal access tokens',
      serverOperation: 'users:read',
      response: { status: 200, description: 'The tokens', schema: z.object({ items: z.array(tokenViewSchema) }) },
      handler: async ({ context, params }) => ({ body: { items: (await tokens.list(context, userOf(context, params.user!))).map(tokenView) } }),
    }),
    defineRoute({
      method: 'POST',
      path: '/users/{user}/tokens',
      operationId: 'createPersonalAccessToken',
      summary: 'Make a personal access token; it is returned once',
      tag: 'Personal access tokens',
      serverOperation: 'users:write',
      body: z.object({ name: z.string(), scopes: z.array(z.enum(allManagementScopes as [string, ...string[]])), expiresInDays: z.number().int().optional() }),
      response: { status: 201, description: 'The token', schema: tokenViewSchema.extend({ token: z.string().describe('Shown once') }) },
      handler: async ({ context, params, body }) => {
        const { record, token } = await tokens.create(context, userOf(context, params.user!), body);
        return { status: 201, body: { ...tokenView(record), token } };
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: '/users/{user}/tokens/{tokenId}',
      operationId: 'revokePersonalAccessToken',
      summary: 'Revoke a personal access token',
      tag: 'Personal access tokens',
      serverOperation: 'users:write',
      response: { status: 204, description: 'Revoked' },
      handler: async ({ context, params }) => {
        await tokens.revoke(context, userOf(context, params.user!), params.tokenId!);
        return { status: 204 };
      },
    }),
  ];
}
