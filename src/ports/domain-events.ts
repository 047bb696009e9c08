/**
 * Something that changed, published after its transaction committed. The audit log is written in
 * the transaction itself; subscribers here are caches, metrics and hooks.
 */
export interface DomainEvent {
  /** `app.created`, `app.updated`, `app.secret_rotated`, `api.updated`, `token.issued`, ... */
  type: string;
  orgId?: string | null;
  /** The client_id, API identifier, user id, ... the event is about. */
  subject: string;
}

export interface DomainEvents {
  publish(event: DomainEvent): void;
}

/** Fan-out to in-process subscribers; a failing subscriber never fails the publisher. */
export class InProcessEvents implements DomainEvents {
  readonly #subscribers = new Set<(event: DomainEvent) => void>();

  subscribe(subscriber: (event: DomainEvent) => void): () => void {
    this.#subscribers.add(subscriber);
    return () => this.#subscribers.delete(subscriber);
  }

  publish(event: DomainEvent): void {
    for (const subscriber of this.#subscribers) {
      try {
        subscriber(event);
      } catch {
        // Subscribers report their own failures; publishing goes on.
      }
    }
  }
}
