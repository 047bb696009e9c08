import { z } from 'zod';
import { appTypeRules, clientKindOf } from '../../domain/apps/app-types.js';
import { placeholderUris } from '../../domain/apps/redirect-uris.js';
import type { MemberView } from '../../domain/orgs/org-service.js';
import type { ApiRecord } from '../../ports/api-repository.js';
import type { AppCertificateRecord, AppRecord } from '../../ports/app-repositories.js';
import type { AuditEventRecord } from '../../ports/audit-repository.js';
import type { PersonalAccessTokenRecord, UserRecord } from '../../ports/identity-repositories.js';
import type { InvitationRecord, OrganizationRecord } from '../../ports/org-repositories.js';

function iso(epochMs: number | null): string | null {
  return epochMs === null ? null : new Date(epochMs).toISOString();
}

const isoTime = z.string().describe('RFC 3339 time');

export function orgView(org: OrganizationRecord) {
  return { id: org.id, name: org.name, displayName: org.displayName, createdAt: iso(org.createdAt), updatedAt: iso(org.updatedAt) };
}
export const orgViewSchema = z.object({ id: z.string(), name: z.string(), displayName: z.string(), createdAt: isoTime, updatedAt: isoTime });

export function memberView(member: MemberView) {
  return { userId: member.userId, email: member.email, name: member.name, role: member.role, joinedAt: iso(member.createdAt) };
}
export const memberViewSchema = z.object({
  userId: z.string(),
  email: z.string(),
  name: z.string(),
  role: z.enum(['owner', 'admin', 'developer', 'viewer']),
  joinedAt: isoTime,
});

export function invitationView(invitation: InvitationRecord, now = Date.now()) {
  const state = invitation.acceptedAt
    ? 'accepted'
    : invitation.revokedAt
      ? 'revoked'
      : invitation.expiresAt <= now
        ? 'expired'
        : 'pending';
  return {
    id: invitation.id,
    orgId: invitation.orgId,
    email: invitation.email,
    role: invitation.role,
    state,
    createdAt: iso(invitation.createdAt),
    expiresAt: iso(invitation.expiresAt),
    acceptedAt: iso(invitation.acceptedAt),
  };
}
export const invitationViewSchema = z.object({
  id: z.string(),
  orgId: z.string(),
  email: z.string(),
  role: z.string(),
  state: z.enum(['pending', 'accepted', 'revoked', 'expired']),
  createdAt: isoTime,
  expiresAt: isoTime,
  acceptedAt: isoTime.nullable(),
});

export function userView(user: UserRecord) {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    emailVerified: user.emailVerified,
    isAdmin: user.isAdmin,
    disabled: user.disabledAt !== null,
    disabledAt: iso(user.disabledAt),
    hasPassword: user.passwordHash !== null,
    createdAt: iso(user.createdAt),
    updatedAt: iso(user.updatedAt),
  };
}
export const userViewSchema = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  emailVerified: z.boolean(),
  isAdmin: z.boolean(),
  disabled: z.boolean().describe('A disabled user cannot sign in, and nothing issued to them works'),
  disabledAt: isoTime.nullable(),
  hasPassword: z.boolean(),
  createdAt: isoTime,
  updatedAt: isoTime,
});

export function tokenView(token: PersonalAccessTokenRecord) {
  return {
    id: token.id,
    userId: token.userId,
    name: token.name,
    scopes: token.scopes,
    createdAt: iso(token.createdAt),
    expiresAt: iso(token.expiresAt),
    lastUsedAt: iso(token.lastUsedAt),
    revokedAt: iso(token.revokedAt),
  };
}
export const tokenViewSchema = z.object({
  id: z.string(),
  userId: z.string(),
  name: z.string(),
  scopes: z.array(z.string()),
  createdAt: isoTime,
  expiresAt: isoTime,
  lastUsedAt: isoTime.nullable(),
  revokedAt: isoTime.nullable(),
});

export function apiView(api: ApiRecord) {
  return {
    id: api.id,
    orgId: api.orgId,
    identifier: api.identifier,
    name: api.name,
    scopes: api.scopes,
    allowOfflineAccess: api.allowOfflineAccess,
    tokenFormat: api.tokenFormat,
    signingAlgorithm: api.signingAlgorithm,
    accessTokenTtlMinutes: api.accessTokenTtlMinutes,
    createdAt: iso(api.createdAt),
    updatedAt: iso(api.updatedAt),
  };
}
export const apiViewSchema = z.object({
  id: z.string(),
  orgId: z.string(),
  identifier: z.string(),
  name: z.string(),
  scopes: z.array(z.object({ name: z.string(), description: z.string() })),
  allowOfflineAccess: z.boolean(),
  tokenFormat: z.enum(['jwt', 'opaque']),
  signingAlgorithm: z.enum(['RS256', 'ES256', 'EdDSA']),
  accessTokenTtlMinutes: z.number().int(),
  createdAt: isoTime,
  updatedAt: isoTime,
});

function allowsCustomScheme(app: AppRecord): boolean {
  const rule = appTypeRules[app.type].redirectUris;
  return rule !== 'none' && rule.customScheme;
}

/** An app as the API shows it: every setting, what it is derived to be, never a secret. */
export function appView(app: AppRecord) {
  return {
    clientId: app.clientId,
    orgId: app.orgId,
    ownerUserId: app.ownerUserId,
    name: app.name,
    description: app.description,
    type: app.type,
    clientType: clientKindOf(app.type),
    visibility: app.visibility,
    status: app.status,
    ...app.settings,
    placeholderRedirectUris: placeholderUris(app.settings.redirectUris, { customScheme: allowsCustomScheme(app) }),
    review: app.review
      ? {
          ...app.review,
          submittedAt: iso(app.review.submittedAt),
          reviewedAt: iso(app.review.reviewedAt),
        }
      : null,
    createdBy: app.createdBy,
    createdAt: iso(app.createdAt),
    updatedAt: iso(app.updatedAt),
  };
}

export const appViewSchema = z.object({
  clientId: z.string(),
  orgId: z.string(),
  ownerUserId: z.string().nullable(),
  name: z.string(),
  description: z.string(),
  type: z.enum(['native', 'spa', 'web', 'm2m', 'device']),
  clientType: z.enum(['public', 'confidential']),
  visibility: z.enum(['private', 'public']),
  status: z.enum(['draft', 'submitted', 'active', 'disabled']),
  logoUri: z.string().nullable(),
  homepageUri: z.string().nullable(),
  privacyPolicyUri: z.string().nullable(),
  termsOfServiceUri: z.string().nullable(),
  redirectUris: z.array(z.string()),
  postLogoutRedirectUris: z.array(z.string()),
  grantTypes: z.array(z.string()),
  tokenEndpointAuthMethod: z.string(),
  scopes: z.array(z.string()),
  apiGrants: z.array(z.object({ audience: z.string(), scopes: z.array(z.string()) })),
  defaultAudience: z.string().nullable(),
  accessToken: z.object({ ttlMinutes: z.number().int().nullable() }),
  refreshToken: z.object({
    ttlMinutes: z.number().int(),
    rotation: z.boolean(),
    reuseIntervalSeconds: z.number().int(),
    requireSecret: z.boolean(),
  }),
  idToken: z.object({
    ttlMinutes: z.number().int(),
    audiences: z.array(z.string()),
    includeStandardClaims: z.boolean(),
    includeCustomClaims: z.boolean(),
  }),
  customClaims: z.record(z.string(), z.unknown()),
  security: z.object({
    requirePkce: z.boolean(),
    requireSecretForWebServerFlow: z.boolean(),
    introspectAllTokens: z.boolean(),
    firstParty: z.boolean().describe('Users are not asked to consent (server administrators set it)'),
    managementApiAccess: z.boolean().describe('The app may get tokens for the Latchkey management API (server administrators set it)'),
  }),
  placeholderRedirectUris: z.array(z.string()).describe('Redirect URIs that are placeholders: fine in a draft, refused on submit or activate'),
  review: z
    .object({
      submittedAt: isoTime.nullable(),
      submittedBy: z.string().nullable(),
      reviewedAt: isoTime.nullable(),
      reviewedBy: z.string().nullable(),
      decision: z.enum(['approved', 'rejected']).nullable(),
      reason: z.string().nullable(),
    })
    .nullable(),
  createdBy: z.string().nullable(),
  createdAt: isoTime,
  updatedAt: isoTime,
});

/** The response that creates an app or rotates its secret: the only place a client secret appears. */
export const appWithSecretSchema = appViewSchema.extend({
  clientSecret: z.string().nullable().describe('Shown once: store it now. Null for public apps.'),
});

export function certificateView(certificate: AppCertificateRecord) {
  return {
    id: certificate.id,
    kind: certificate.kind,
    kid: certificate.publicJwk.kid ?? null,
    alg: certificate.alg,
    fingerprint: certificate.fingerprint,
    subject: certificate.subject,
    notBefore: iso(certificate.notBefore),
    expiresAt: iso(certificate.expiresAt),
    createdAt: iso(certificate.createdAt),
  };
}
export const certificateViewSchema = z.object({
  id: z.string(),
  kind: z.enum(['x509', 'jwk']),
  kid: z.string().nullable(),
  alg: z.string(),
  fingerprint: z.string(),
  subject: z.string().nullable(),
  notBefore: isoTime.nullable(),
  expiresAt: isoTime.nullable(),
  createdAt: isoTime,
});

export function auditView(event: AuditEventRecord) {
  return {
    id: event.id,
    orgId: event.orgId,
    actor: event.actor,
    action: event.action,
    targetType: event.targetType,
    targetId: event.targetId,
    changes: event.changes,
    requestId: event.requestId,
    createdAt: iso(event.createdAt),
  };
}
export const auditViewSchema = z.object({
  id: z.string(),
  orgId: z.string().nullable(),
  actor: z.object({
    type: z.enum(['user', 'operator', 'client', 'system']),
    id: z.string().nullable(),
    label: z.string(),
    client: z.object({ id: z.string(), name: z.string() }).optional().describe('A user acting through a token issued to an app: that app'),
    act: z.unknown().optional().describe('The delegation chain of a token-exchange token (RFC 8693 §4.1)'),
    ownerUserId: z.string().optional().describe('Per-user client credentials acting: the user they belong to'),
  }),
  action: z.string(),
  targetType: z.string(),
  targetId: z.string(),
  changes: z.record(z.string(), z.unknown()),
  requestId: z.string().nullable(),
  createdAt: isoTime,
});
