import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { DomainEvent } from '../ports/domain-events.js';

/** The grant type of a token issuance; null for every other event. */
function issuedGrantType(event: DomainEvent): string | null {
  return event.type === 'token.issued' ? event.grantType : null;
}

/** A sign-in step's method and outcome; null for every other event. */
function signInOutcome(event: DomainEvent): { method: string; outcome: string } | null {
  switch (event.type) {
    case 'signin.succeeded':
      return { method: event.method, outcome: 'succeeded' };
    case 'signin.failed':
      return { method: event.method, outcome: 'failed' };
    case 'signin.throttled':
      return { method: event.method, outcome: 'throttled' };
    default:
      return null;
  }
}

/** A change to a user's second factors, by method; null for every other event. */
function secondFactorChange(event: DomainEvent): { method: string; change: string } | null {
  if (event.type === 'mfa.enrolled') return { method: event.method, change: 'enrolled' };
  if (event.type === 'mfa.removed') return { method: event.method, change: 'removed' };
  if (event.type === 'mfa.reset') return { method: 'all', change: 'reset' };
  return null;
}

/**
 * Prometheus metrics: HTTP traffic by route, and what the domain events say happened (every
 * event by type, tokens issued by grant type, reuse detected, sign-ins). The core never imports
 * this; it subscribes to the events.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly #requests: Histogram<'method' | 'route' | 'status'>;
  readonly #events: Counter<'type'>;
  readonly #tokensIssued: Counter<'grant_type'>;
  readonly #signIns: Counter<'method' | 'outcome'>;
  readonly #secondFactors: Counter<'method' | 'change'>;

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'latchkey_' });
    this.#requests = new Histogram({
      name: 'latchkey_http_request_duration_seconds',
      help: 'HTTP requests by route template, method and status, with their duration',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [this.registry],
    });
    this.#events = new Counter({
      name: 'latchkey_events_total',
      help: 'Domain events by type: token.issued, refresh.reuse_detected, code.replay_detected, app.created, ... (docs/events.md)',
      labelNames: ['type'],
      registers: [this.registry],
    });
    this.#tokensIssued = new Counter({
      name: 'latchkey_tokens_issued_total',
      help: 'Token responses of the token endpoint by grant type: authorization_code, refresh_token, client_credentials, ...',
      labelNames: ['grant_type'],
      registers: [this.registry],
    });
    this.#signIns = new Counter({
      name: 'latchkey_signin_steps_total',
      help: 'Sign-in steps on the hosted pages by method (password, totp, recovery_code, passkey, federation) and outcome (succeeded, failed, throttled)',
      labelNames: ['method', 'outcome'],
      registers: [this.registry],
    });
    this.#secondFactors = new Counter({
      name: 'latchkey_second_factor_changes_total',
      help: 'Second factors enrolled or removed by users, by method, and resets by administrators (method "all")',
      labelNames: ['method', 'change'],
      registers: [this.registry],
    });
  }

  observeRequest(method: string, route: string, status: number, seconds: number): void {
    this.#requests.observe({ method, route, status: String(status) }, seconds);
  }

  onEvent = (event: DomainEvent): void => {
    this.#events.inc({ type: event.type });
    const grantType = issuedGrantType(event);
    if (grantType !== null) this.#tokensIssued.inc({ grant_type: grantType });
    const signIn = signInOutcome(event);
    if (signIn !== null) this.#signIns.inc(signIn);
    const factor = secondFactorChange(event);
    if (factor !== null) this.#secondFactors.inc(factor);
  };

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
