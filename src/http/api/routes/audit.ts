import { z } from 'zod';
import { defineRoute, listQuery, pageOf, pageSchema, type AnyApiRoute } from '../route-kit.js';
import { auditView, auditViewSchema } from '../views.js';
import { orgIdOf, type ManagementApiDependencies } from './deps.js';

const time = z.iso.datetime({ offset: true, error: 'must be an RFC 3339 time such as 2026-01-31T12:00:00Z' });

const auditQuery = listQuery.omit({ q: true }).extend({
  appId: z.string().optional().describe('client_id of an app or credential (or any target id)'),
  action: z.string().optional(),
  from: time.optional(),
  to: time.optional(),
});

function auditRequest(orgId: string | null, query: z.output<typeof auditQuery>) {
  return {
    orgId,
    offset: (query.page - 1) * query.perPage,
    limit: query.perPage,
    ...(query.appId ? { targetId: query.appId } : {}),
    ...(query.action ? { action: query.action } : {}),
    ...(query.from ? { from: Date.parse(query.from) } : {}),
    ...(query.to ? { to: Date.parse(query.to) } : {}),
  };
}

export function auditRoutes(deps: ManagementApiDependencies): AnyApiRoute[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/audit',
      operationId: 'listServerAuditEvents',
      summary: 'Read the server-wide audit log (users, personal access tokens): server administrators',
      tag: 'Audit log',
      serverOperation: 'audit:read_all',
      query: auditQuery,
      response: { status: 200, description: 'A page of audit records', schema: pageSchema(auditViewSchema) },
      handler: async ({ context, query }) => ({
        body: pageOf({ ...query, q: undefined }, await deps.registry.audit.list(context, auditRequest(null, query)), auditView),
      }),
    }),
    defineRoute({
      method: 'GET',
      path: '/orgs/{org}/audit',
      operationId: 'listAuditEvents',
      summary: 'Read the audit log, newest first: who changed what, when (never a secret); filter by app, action and time',
      tag: 'Audit log',
      permission: 'audit:read',
      query: auditQuery,
      response: { status: 200, description: 'A page of audit records', schema: pageSchema(auditViewSchema) },
      handler: async ({ context, params, query }) => {
        const orgId = await orgIdOf(deps, context, params.org!);
        const result = await deps.registry.audit.list(context, auditRequest(orgId, query));
        return { body: pageOf({ ...query, q: undefined }, result, auditView) };
      },
    }),
  ];
}
