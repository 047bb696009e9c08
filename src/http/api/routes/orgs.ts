import { z } from 'zod';
import { defineRoute, listQuery, pageOf, pageSchema, paging, type AnyApiRoute } from '../route-kit.js';
import { invitationView, invitationViewSchema, memberView, memberViewSchema, orgView, orgViewSchema } from '../views.js';
import type { ManagementApiDependencies } from './deps.js';

const roleEnum = z.enum(['owner', 'admin', 'developer', 'viewer']);

export function orgRoutes(deps: ManagementApiDependencies): AnyApiRoute[] {
  const { orgs } = deps.registry;
  return [
    defineRoute({
      method: 'GET',
      path: '/orgs',
      operationId: 'listOrganizations',
      summary: 'List the organizations you belong to (all of them for administrators)',
      tag: 'Organizations',
      serverOperation: 'orgs:list',
      query: listQuery,
      response: { status: 200, description: 'A page of organizations', schema: pageSchema(orgViewSchema) },
      handler: async ({ context, query }) => ({ body: pageOf(query, await orgs.list(context, paging(query)), orgView) }),
    }),
    defineRoute({
      method: 'POST',
      path: '/orgs',
      operationId: 'createOrganization',
      summary: 'Create an organization; you become its owner',
      tag: 'Organizations',
      serverOperation: 'orgs:create',
      body: z.object({
        name: z.string(),
        displayName: z.string().optional(),
        requireMfa: z.boolean().optional().describe('members must sign in with a second factor (default false)'),
        owner: z.string().optional().describe('operators and administrators: user id or email of the first owner'),
      }),
      response: { status: 201, description: 'The organization', schema: orgViewSchema },
      handler: async ({ context, body }) => ({ status: 201, body: orgView(await orgs.create(context, body)) }),
    }),
    defineRoute({
      method: 'GET',
      path: '/orgs/{org}',
      operationId: 'getOrganization',
      summary: 'Get an organization by id or name',
      tag: 'Organizations',
      permission: 'org:read',
      response: { status: 200, description: 'The organization', schema: orgViewSchema },
      handler: async ({ context, params }) => ({ body: orgView(await orgs.get(context, params.org!)) }),
    }),
    defineRoute({
      method: 'PATCH',
      path: '/orgs/{org}',
      operationId: 'updateOrganization',
      summary: 'Rename an organization',
      tag: 'Organizations',
      permission: 'org:update',
      body: z.object({ name: z.string(), displayName: z.string(), requireMfa: z.boolean().describe('members must sign in with a second factor') }).partial(),
      response: { status: 200, description: 'The organization', schema: orgViewSchema },
      handler: async ({ context, params, body }) => ({ body: orgView(await orgs.update(context, params.org!, body)) }),
    }),
    defineRoute({
      method: 'DELETE',
      path: '/orgs/{org}',
      operationId: 'deleteOrganization',
      summary: 'Delete an organization with its apps and APIs (owners only)',
      tag: 'Organizations',
      permission: 'org:delete',
      response: { status: 204, description: 'Deleted' },
      handler: async ({ context, params }) => {
        await orgs.delete(context, params.org!);
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/orgs/{org}/members',
      operationId: 'listMembers',
      summary: 'List members and their roles',
      tag: 'Members',
      permission: 'members:read',
      response: { status: 200, description: 'The members', schema: z.object({ items: z.array(memberViewSchema) }) },
      handler: async ({ context, params }) => ({ body: { items: (await orgs.listMembers(context, params.org!)).map(memberView) } }),
    }),
    defineRoute({
      method: 'POST',
      path: '/orgs/{org}/members',
      operationId: 'addMember',
      summary: 'Add an existing user with a role, or change their role',
      tag: 'Members',
      permission: 'members:manage',
      body: z.object({ userId: z.string().optional(), email: z.string().optional(), role: roleEnum }),
      response: { status: 200, description: 'The membership', schema: memberViewSchema },
      handler: async ({ context, params, body }) => ({ body: memberView(await orgs.putMember(context, params.org!, body)) }),
    }),
    defineRoute({
      method: 'PATCH',
      path: '/orgs/{org}/members/{userId}',
      operationId: 'changeMemberRole',
      summary: "Change a member's role",
      tag: 'Members',
      permission: 'members:manage',
      body: z.object({ role: roleEnum }),
      response: { status: 200, description: 'The membership', schema: memberViewSchema },
      handler: async ({ context, params, body }) => ({ body: memberView(await orgs.changeRole(context, params.org!, params.userId!, body)) }),
    }),
    defineRoute({
      method: 'DELETE',
      path: '/orgs/{org}/members/{userId}',
      operationId: 'removeMember',
      summary: 'Remove a member (or leave, for yourself)',
      tag: 'Members',
      permission: 'members:manage',
      response: { status: 204, description: 'Removed' },
      handler: async ({ context, params }) => {
        await orgs.removeMember(context, params.org!, params.userId!);
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/orgs/{org}/invitations',
      operationId: 'listInvitations',
      summary: 'List invitations',
      tag: 'Members',
      permission: 'members:read',
      response: { status: 200, description: 'The invitations', schema: z.object({ items: z.array(invitationViewSchema) }) },
      handler: async ({ context, params }) => ({
        body: { items: (await orgs.listInvitations(context, params.org!)).map((invitation) => invitationView(invitation)) },
      }),
    }),
    defineRoute({
      method: 'POST',
      path: '/orgs/{org}/invitations',
      operationId: 'inviteMember',
      summary: 'Invite someone by email; the token is returned once, to be sent to them',
      tag: 'Members',
      permission: 'members:manage',
      body: z.object({ email: z.string(), role: roleEnum }),
      response: {
        status: 201,
        description: 'The invitation and its single-use token',
        schema: invitationViewSchema.extend({ token: z.string().describe('Shown once; valid 7 days') }),
      },
      handler: async ({ context, params, body }) => {
        const { invitation, token } = await orgs.invite(context, params.org!, body);
        return { status: 201, body: { ...invitationView(invitation), token } };
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: '/orgs/{org}/invitations/{invitationId}',
      operationId: 'revokeInvitation',
      summary: 'Revoke a pending invitation',
      tag: 'Members',
      permission: 'members:manage',
      response: { status: 204, description: 'Revoked' },
      handler: async ({ context, params }) => {
        await orgs.revokeInvitation(context, params.org!, params.invitationId!);
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/invitations/accept',
      operationId: 'acceptInvitation',
      summary: 'Accept an invitation sent to your email',
      tag: 'Members',
      serverOperation: 'invitations:accept',
      body: z.object({ token: z.string() }),
      response: { status: 200, description: 'Your membership', schema: memberViewSchema },
      handler: async ({ context, body }) => ({
        body: memberView(await orgs.acceptInvitation(context, (body as { token?: unknown } | null)?.token)),
      }),
    }),
  ];
}
