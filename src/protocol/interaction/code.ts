import type { OAuthClient } from '../../ports/directories.js';
import type { GrantRecord } from '../../ports/oauth-repositories.js';
import { generateOpaqueSecret } from '../../shared/opaque-secret.js';
import { timeOrderedGrantId } from '../../shared/random.js';
import type { AuthorizationRequest } from '../authorize/request.js';
import type { CurrentSession } from '../sessions.js';
import type { InteractionDependencies } from './dependencies.js';

/** Authorization codes live at most 60 seconds. */
export const codeLifetimeMs = 60_000;

/** Issues the code: single use, 60 s, bound to client, redirect URI and PKCE challenge. Returns the code. */
export async function issueCode(
  deps: Pick<InteractionDependencies, 'clock' | 'storage' | 'tokenHasher' | 'events'>,
  client: OAuthClient,
  request: AuthorizationRequest,
  current: CurrentSession,
): Promise<string> {
  const now = deps.clock.now();
  const code = generateOpaqueSecret('ac');
  const grant: GrantRecord = {
    id: timeOrderedGrantId(now),
    clientId: client.clientId,
    userId: current.user.id,
    orgId: request.organizationId,
    scope: request.scope,
    audiences: request.audiences,
    sessionSid: current.session.sid,
    authTime: current.session.authTime,
    amr: current.session.amr,
    nonce: request.nonce,
    redirectUri: request.redirectUriGiven ? request.redirectUri : null,
    codeHash: deps.tokenHasher.hash(code),
    codeChallenge: request.codeChallenge,
    codeExpiresAt: now + codeLifetimeMs,
    codeConsumedAt: null,
    refreshHash: null,
    refreshPreviousHash: null,
    refreshGeneration: 0,
    refreshRotatedAt: null,
    refreshExpiresAt: null,
    createdAt: now,
    expiresAt: now + codeLifetimeMs,
    revokedAt: null,
    dpopJkt: request.dpopJkt,
    claims: request.claims,
  };
  await deps.storage.grants.insert(grant);
  deps.events.publish({ type: 'code.issued', orgId: client.app.orgId, clientId: client.clientId });
  return code;
}
