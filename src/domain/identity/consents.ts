import type { Clock } from '../../ports/clock.js';
import type { DomainEvents } from '../../ports/domain-events.js';
import type { ConsentRecord } from '../../ports/oauth-repositories.js';
import type { Storage } from '../../ports/storage.js';
import type { RequestContext } from '../audit/audit-log.js';
import { commitChange, type ChangeDependencies } from '../audit/unit-of-work.js';
import { DomainError } from '../errors.js';

/** A user's remembered consents: listed and withdrawn by the user. */
export class ConsentService {
  readonly #storage: Storage;
  readonly #clock: Clock;
  readonly #changes: ChangeDependencies;

  constructor(storage: Storage, clock: Clock, events: DomainEvents) {
    this.#storage = storage;
    this.#clock = clock;
    this.#changes = { storage, clock, events };
  }

  #userOf(context: RequestContext): string {
    if (context.actor.kind !== 'user') throw new DomainError('forbidden', 'consents belong to users: call this with a user token');
    return context.actor.userId;
  }

  /** The apps the user allowed, with the app's name (null when the app is gone). */
  async listMine(context: RequestContext): Promise<Array<ConsentRecord & { clientName: string | null }>> {
    const consents = await this.#storage.consents.listForUser(this.#userOf(context));
    const named = [];
    for (const consent of consents) named.push({ ...consent, clientName: (await this.#storage.apps.get(consent.clientId))?.name ?? null });
    return named;
  }

  /** Withdraws consent: the app must ask again, and every grant the user gave it is revoked with its tokens. */
  async revoke(context: RequestContext, clientId: string): Promise<void> {
    const userId = this.#userOf(context);
    const app = await this.#storage.apps.get(clientId);
    const orgId = app?.orgId ?? null;
    await commitChange(this.#changes, context, async (tx) => {
      const existed = await tx.consents.delete(userId, clientId);
      const revoked = await tx.grants.revokeForUserAndClient(userId, clientId, this.#clock.now());
      if (!existed && revoked === 0) throw DomainError.notFound(`consent for ${clientId}`);
      const audit = { orgId, action: 'consent.revoked', targetType: 'app', targetId: clientId, changes: { grantsRevoked: revoked } };
      return { result: undefined, changes: [{ audit, event: { type: 'consent.revoked', orgId, clientId, userId } }] };
    });
  }
}
