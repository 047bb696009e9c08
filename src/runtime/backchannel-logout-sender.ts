import type { SubjectIdentifiers } from '../domain/apps/subject-identifiers.js';
import type { SigningKeys } from '../domain/keys/signing-keys.js';
import type { AppRepository } from '../ports/app-repositories.js';
import type { Clock } from '../ports/clock.js';
import type { BackchannelLogoutPayload, OutboxEntry } from '../ports/outbox.js';
import { signLogoutToken } from '../protocol/tokens/logout-token.js';
import { UndeliverableError, type OutboxSender } from './mail/outbox-worker.js';

/** How long an app's back-channel logout endpoint may take to answer. */
export const backchannelLogoutTimeoutMs = 5000;

export interface BackchannelLogoutSenderDependencies {
  issuer: string;
  signingKeys: Pick<SigningKeys, 'signingKey' | 'algorithms'>;
  apps: Pick<AppRepository, 'get'>;
  clock: Clock;
  /** The entry names the user; the token names them as the app knows them (pairwise or not). */
  subjects: Pick<SubjectIdentifiers, 'of'>;
  /** Overridable for tests; the global fetch otherwise. */
  fetch?: typeof fetch;
  timeoutMs?: number;
}

function payloadOf(entry: OutboxEntry): BackchannelLogoutPayload {
  const payload = entry.payload as Partial<BackchannelLogoutPayload> | null;
  if (!payload || typeof payload.clientId !== 'string' || typeof payload.sub !== 'string' || typeof payload.sid !== 'string') {
    throw new UndeliverableError('the entry is not a back-channel logout');
  }
  return { clientId: payload.clientId, sub: payload.sub, sid: payload.sid };
}

/** Why a request got no answer, in words an operator can act on: a timeout, or the network error's code (ECONNREFUSED, ENOTFOUND, ...). */
function networkFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && error.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  const detail = typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : null;
  const message = error instanceof Error ? error.message : String(error);
  return detail ? `${message} (${detail})` : message;
}

/**
 * Sends `backchannel_logout` entries (Back-Channel Logout 1.0 §2.5): a logout token signed now
 * (so that a retry an hour later still carries a fresh, short-lived token) POSTed as
 * `logout_token` to the app's current back-channel logout URI. 2xx is delivered (§2.8); any
 * other answer, a timeout or a network error is retried with the outbox's backoff. Redirects are
 * never followed (§2.5 sends to the registered URI only): a 3xx is a failure.
 */
export function backchannelLogoutSender(deps: BackchannelLogoutSenderDependencies): OutboxSender {
  const send = deps.fetch ?? fetch;
  const timeoutMs = deps.timeoutMs ?? backchannelLogoutTimeoutMs;
  return {
    noun: 'back-channel logout',
    logFields: (entry) => ({ entryId: entry.id, clientId: entry.appId }),
    send: async (entry) => {
      const { clientId, sub, sid } = payloadOf(entry);
      const app = await deps.apps.get(clientId);
      if (!app) throw new UndeliverableError('the app no longer exists');
      const uri = app.settings.backchannelLogoutUri;
      if (!uri) throw new UndeliverableError('the app no longer has a back-channel logout URI');
      const appSub = deps.subjects.of({ clientId, policy: app.settings }, sub);
      const { token } = await signLogoutToken(deps, { clientId, settings: app.settings, sub: appSub, sid, now: deps.clock.now() });
      let response: Response;
      try {
        response = await send(uri, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
          body: new URLSearchParams({ logout_token: token }).toString(),
          redirect: 'manual',
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        throw new Error(`POST ${uri} failed: ${networkFailure(error, timeoutMs)}`);
      }
      // The body is not needed; drain it so that the connection can be reused.
      await response.arrayBuffer().catch(() => undefined);
      if (response.status >= 200 && response.status < 300) return;
      if (response.status >= 300 && response.status < 400) throw new Error(`POST ${uri} answered ${response.status}: redirects are not followed`);
      throw new Error(`POST ${uri} answered ${response.status}`);
    },
  };
}
