import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { DomainEvent } from '../ports/domain-events.js';

/** The grant type of a token issuance; null for every other event. */
function issuedGrantType(event: DomainEvent): string | null {
  return event.type === 'token.issued' ? event.grantType : null;
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
  }

  observeRequest(method: string, route: string, status: number, seconds: number): void {
    this.#requests.observe({ method, route, status: String(status) }, seconds);
  }

  onEvent = (event: DomainEvent): void => {
    this.#events.inc({ type: event.type });
    const grantType = issuedGrantType(event);
    if (grantType !== null) this.#tokensIssued.inc({ grant_type: grantType });
  };

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
