import type { Clock } from '../../ports/clock.js';
import type { RateLimiter, RateRule } from '../../ports/rate-limiter.js';
import { OAuthError } from '../errors.js';

/** How many failed client authentications a client and an address may have before they wait. */
export interface ClientAuthThrottlePolicy {
  /** Failures of one app (any address), then a doubling wait up to a cap: slowed, never locked out. */
  perClient: RateRule;
  /** Failures from one address (any app), then the same kind of wait. */
  perAddress: RateRule;
}

/** The policy from the budgets of `clientAuthentication`: free failures, then 1 s doubling up to a minute. */
export function clientAuthThrottlePolicy(settings: {
  freeFailuresPerClient: number;
  freeFailuresPerAddress: number;
  windowMinutes: number;
}): ClientAuthThrottlePolicy {
  const windowMs = settings.windowMinutes * 60_000;
  const backoff = { baseMs: 1000, maxMs: 60_000 };
  return {
    perClient: { windowMs, freeAttempts: settings.freeFailuresPerClient, backoff },
    perAddress: { windowMs, freeAttempts: settings.freeFailuresPerAddress, backoff },
  };
}

/** The most keys this node remembers as waiting; beyond it the ones whose wait ends first go. */
const maxWaitingKeys = 10_000;

/**
 * Throttles failed client authentication at the token, introspection, revocation, PAR and device
 * authorization endpoints. Only failures are counted, in the shared limiter (every node sees one
 * budget), so a correct request costs no write. Once a key is over its budget, this node refuses
 * every request of that client or address, right or wrong, until the wait ends: answering a right
 * secret while wrong ones get 429 would leave guessing unslowed. A node learns of a wait from its
 * own first refused failure; until then it still checks credentials, which the shared count then
 * refuses with the same 429.
 */
export class ClientAuthFailureThrottle {
  readonly #limiter: RateLimiter;
  readonly #clock: Clock;
  readonly #policy: ClientAuthThrottlePolicy;
  /** Key → when it may try again, on this node. */
  readonly #waiting = new Map<string, number>();

  constructor(limiter: RateLimiter, clock: Clock, policy: ClientAuthThrottlePolicy) {
    this.#limiter = limiter;
    this.#clock = clock;
    this.#policy = policy;
  }

  /** Throws 429 when the client or the address is waiting; no I/O. */
  check(clientId: string | undefined, address: string): void {
    const now = this.#clock.now();
    const until = Math.max(this.#until(clientKey(clientId), now), this.#until(addressKey(address), now));
    if (until > now) throw tooMany(until - now);
  }

  /**
   * Counts a failed authentication on the address, and on the client when it exists (counting
   * made-up client ids would only fill the store). Throws 429 when that goes over a budget.
   */
  async recordFailure(clientId: string | undefined, address: string): Promise<void> {
    const now = this.#clock.now();
    const attempts = [{ key: addressKey(address), rule: this.#policy.perAddress }];
    if (clientId !== undefined) attempts.push({ key: clientKey(clientId)!, rule: this.#policy.perClient });
    let latest = now;
    // One reservation per key, so that a refusal tells which key waits: an address over its budget
    // must not make the app wait for everyone else.
    for (const attempt of attempts) {
      const decision = await this.#limiter.reserve([attempt], now);
      if (decision.allowed) continue;
      this.#remember(attempt.key, decision.retryAt, now);
      latest = Math.max(latest, decision.retryAt);
    }
    if (latest > now) throw tooMany(latest - now);
  }

  #until(key: string | undefined, now: number): number {
    if (key === undefined) return now;
    const until = this.#waiting.get(key);
    if (until === undefined) return now;
    if (until <= now) this.#waiting.delete(key);
    return until;
  }

  #remember(key: string, until: number, now: number): void {
    this.#waiting.delete(key);
    this.#waiting.set(key, until);
    if (this.#waiting.size <= maxWaitingKeys) return;
    for (const [waitingKey, waitingUntil] of this.#waiting) if (waitingUntil <= now) this.#waiting.delete(waitingKey);
    // Still full: forget the entries remembered first (a Map keeps insertion order).
    for (const waitingKey of this.#waiting.keys()) {
      if (this.#waiting.size <= maxWaitingKeys) break;
      this.#waiting.delete(waitingKey);
    }
  }
}

function clientKey(clientId: string | undefined): string | undefined {
  return clientId === undefined ? undefined : `client-auth:client:${clientId}`;
}

function addressKey(address: string): string {
  return `client-auth:ip:${address}`;
}

function tooMany(waitMs: number): OAuthError {
  const seconds = Math.max(1, Math.ceil(waitMs / 1000));
  return new OAuthError(
    'invalid_client',
    `too many failed client authentications from this app or address; try again in ${seconds} second${seconds === 1 ? '' : 's'}`,
    { status: 429, headers: { 'retry-after': String(seconds) } },
  );
}
