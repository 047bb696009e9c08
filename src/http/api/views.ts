import { appTypeRules, clientKindOf } from '../../contracts/app-types.js';
import { placeholderUris } from '../../contracts/redirect-uris.js';
import type { SecondFactorSummary } from '../../domain/identity/user-service.js';
import type { MemberView as MemberRecord } from '../../domain/orgs/org-service.js';
import type { ApiRecord } from '../../ports/api-repository.js';
import type { AppCertificateRecord, AppRecord, AppSecretRecord, AssetSigningKeyRecord } from '../../ports/app-repositories.js';
import type { AuditEventRecord } from '../../ports/audit-repository.js';
import type { PersonalAccessTokenRecord, UserRecord } from '../../ports/identity-repositories.js';
import type { InvitationRecord, OrganizationRecord } from '../../ports/org-repositories.js';
import type { SessionRecord } from '../../ports/oauth-repositories.js';
import type { OutboxEntry } from '../../ports/outbox.js';
import { deliveryState } from '../../domain/apps/logout-deliveries.js';

export {
  orgViewSchema,
  memberViewSchema,
  invitationViewSchema,
  userViewSchema,
  sessionViewSchema,
  tokenViewSchema,
  apiViewSchema,
  appViewSchema,
  appWithSecretSchema,
  certificateViewSchema,
  appSecretViewSchema,
  assetSigningCertificateViewSchema,
  logoutDeliveryViewSchema,
  auditViewSchema,
} from '../../contracts/views.js';

function iso(epochMs: number | null): string | null {
  return epochMs === null ? null : new Date(epochMs).toISOString();
}

/** A back-channel logout outbox entry as an app's delivery log shows it: never the token, which is signed at send time anyway. */
export function logoutDeliveryView(entry: OutboxEntry) {
  const payload = entry.payload as { sub?: unknown; sid?: unknown } | null;
  const state = deliveryState(entry);
  return {
    id: entry.id,
    state,
    sub: typeof payload?.sub === 'string' ? payload.sub : '',
    sid: typeof payload?.sid === 'string' ? payload.sid : '',
    attempts: entry.attempts,
    lastError: entry.lastError,
    createdAt: iso(entry.createdAt)!,
    nextAttemptAt: state === 'pending' ? iso(entry.nextAttemptAt) : null,
    sentAt: iso(entry.sentAt),
    failedAt: iso(entry.failedAt),
  };
}

export function orgView(org: OrganizationRecord) {
  return { id: org.id, name: org.name, displayName: org.displayName, requireMfa: org.requireMfa, createdAt: iso(org.createdAt), updatedAt: iso(org.updatedAt) };
}

export function memberView(member: MemberRecord) {
  return { userId: member.userId, email: member.email, name: member.name, role: member.role, joinedAt: iso(member.createdAt) };
}

export function invitationView(invitation: InvitationRecord, now = Date.now()) {
  const state = invitation.acceptedAt ? 'accepted' : invitation.revokedAt ? 'revoked' : invitation.expiresAt <= now ? 'expired' : 'pending';
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

/** A user as the API shows it; `secondFactors` from UserService.secondFactorsOf. */
export function userView(user: UserRecord, secondFactors: SecondFactorSummary) {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    emailVerified: user.emailVerified,
    isAdmin: user.isAdmin,
    disabled: user.disabledAt !== null,
    disabledAt: iso(user.disabledAt),
    lockedUntil: iso(user.lockedUntil),
    hasPassword: user.passwordHash !== null,
    secondFactors: { enabled: secondFactors.methods.length > 0, ...secondFactors },
    profile: { ...user.profile },
    createdAt: iso(user.createdAt),
    updatedAt: iso(user.updatedAt),
  };
}

export function sessionView(session: SessionRecord) {
  return {
    sid: session.sid,
    authTime: iso(session.authTime),
    amr: session.amr,
    createdAt: iso(session.createdAt),
    lastSeenAt: iso(session.lastSeenAt),
    expiresAt: iso(session.expiresAt),
    ip: session.ip,
    userAgent: session.userAgent,
  };
}

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
          submitterUserId: app.review.submitterUserId ?? null,
          submittedAt: iso(app.review.submittedAt),
          reviewedAt: iso(app.review.reviewedAt),
        }
      : null,
    createdBy: app.createdBy,
    createdAt: iso(app.createdAt),
    updatedAt: iso(app.updatedAt),
    lastUsedAt: iso(app.lastUsedAt ?? null),
  };
}

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

export function appSecretView(secret: AppSecretRecord) {
  return {
    id: secret.id,
    current: secret.expiresAt === null,
    createdAt: iso(secret.createdAt),
    expiresAt: iso(secret.expiresAt),
    lastUsedAt: iso(secret.lastUsedAt ?? null),
  };
}

/** The asset signing certificate without its private key. */
export function assetSigningCertificateView(record: AssetSigningKeyRecord) {
  return {
    certificate: record.certificatePem,
    alg: record.alg,
    fingerprint: record.fingerprint,
    subject: record.subject,
    notBefore: new Date(record.notBefore).toISOString(),
    expiresAt: new Date(record.expiresAt).toISOString(),
    createdAt: new Date(record.createdAt).toISOString(),
  };
}

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
