import type { GrantRecord } from '../../ports/oauth-repositories.js';
import type { NewGrantFields } from './grant-handler.js';

/**
 * A grant row for tokens issued to a user without an authorization code (device flow, JWT
 * bearer): it ties the tokens together, so that revoking the grant or withdrawing consent
 * revokes them.
 */
export function directGrant(
  fields: NewGrantFields & {
    now: number;
    expiresAt: number;
    refresh?: { hash: string; expiresAt: number } | null;
  },
): GrantRecord {
  return {
    id: fields.id,
    clientId: fields.clientId,
    userId: fields.userId,
    orgId: null,
    scope: fields.scope,
    audiences: fields.apis.map((api) => api.identifier),
    sessionSid: fields.sessionSid,
    authTime: fields.authTime,
    amr: fields.amr,
    nonce: null,
    redirectUri: null,
    codeHash: null,
    codeChallenge: null,
    codeExpiresAt: null,
    codeConsumedAt: fields.now,
    refreshHash: fields.refresh?.hash ?? null,
    refreshPreviousHash: null,
    refreshGeneration: 0,
    refreshRotatedAt: fields.refresh ? fields.now : null,
    refreshExpiresAt: fields.refresh?.expiresAt ?? null,
    createdAt: fields.now,
    expiresAt: Math.max(fields.expiresAt, fields.refresh?.expiresAt ?? 0),
    revokedAt: null,
    dpopJkt: fields.dpopJkt ?? null,
    claims: null,
  };
}
