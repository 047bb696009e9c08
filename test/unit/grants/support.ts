import type { OAuthClient } from '../../../src/ports/directories.js';
import type { DomainEvent } from '../../../src/ports/domain-events.js';
import type { UserRecord } from '../../../src/ports/identity-repositories.js';
import type { GrantRecord } from '../../../src/ports/oauth-repositories.js';
import { isOAuthError } from '../../../src/protocol/errors.js';
import { s256 } from '../../../src/protocol/grants/authorization-code.js';
import type { GrantContext } from '../../../src/protocol/grants/grant-handler.js';
import { bagFromEntries } from '../../../src/protocol/messages.js';
import { generateOpaqueSecret } from '../../../src/shared/opaque-secret.js';
import { timeOrderedGrantId } from '../../../src/shared/random.js';
import type { TestProtocol } from '../../support/protocol.js';

export const verifier = 'v'.repeat(43);
export const redirectUri = 'https://app.example.com/cb';

export type Form = Record<string, string | string[]>;

/** A grant context as the token endpoint builds it, with the form given. */
export function grantContext<D>(t: TestProtocol, client: OAuthClient, form: Form, deps: D, proven = true): GrantContext<D> {
  const entries = Object.entries(form).flatMap(([name, value]) => (Array.isArray(value) ? value : [value]).map((one): [string, string] => [name, one]));
  return {
    form: bagFromEntries(entries),
    authenticated: { client, method: proven ? 'client_secret_basic' : 'none', proven },
    client,
    proof: null,
    now: t.clock.now(),
    deps,
  };
}

/** The OAuth error code and description a promise rejects with, or 'ok'. */
export async function outcome(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    if (!isOAuthError(error)) throw error;
    const body = error.toJSON() as { error: string; error_description: string };
    return `${body.error}: ${body.error_description}`;
  }
}

/** A stored authorization code grant, as the authorization endpoint leaves it; returns the code. */
export async function storeCodeGrant(
  t: TestProtocol,
  client: OAuthClient,
  user: UserRecord,
  overrides: Partial<GrantRecord> = {},
): Promise<{ code: string; grant: GrantRecord }> {
  const code = generateOpaqueSecret('ac');
  const now = t.clock.now();
  const grant: GrantRecord = {
    id: timeOrderedGrantId(now),
    clientId: client.clientId,
    userId: user.id,
    orgId: null,
    scope: ['openid', 'offline_access'],
    audiences: [],
    sessionSid: 'sid-1',
    authTime: now - 1000,
    amr: ['pwd'],
    nonce: 'nonce-1',
    redirectUri,
    codeHash: t.deps.tokenHasher.hash(code),
    codeChallenge: s256(verifier),
    codeExpiresAt: now + 60_000,
    codeConsumedAt: null,
    refreshHash: null,
    refreshPreviousHash: null,
    refreshGeneration: 0,
    refreshRotatedAt: null,
    refreshExpiresAt: null,
    createdAt: now,
    expiresAt: now + 60_000,
    revokedAt: null,
    dpopJkt: null,
    claims: null,
    ...overrides,
  };
  await t.runtime.storage.grants.insert(grant);
  return { code, grant };
}

/** Events published from now on. */
export function recordEvents(t: TestProtocol): DomainEvent[] {
  const events: DomainEvent[] = [];
  t.runtime.events.subscribe((event) => events.push(event));
  return events;
}
