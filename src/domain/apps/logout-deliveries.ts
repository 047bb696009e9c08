import type { OutboxEntry } from '../../ports/outbox.js';
import type { Storage } from '../../ports/storage.js';
import type { RequestContext } from '../audit/audit-log.js';
import type { AppService } from './app-service.js';

/** How many deliveries an app's log shows: the outbox keeps finished entries a week anyway. */
export const logoutDeliveryLogLimit = 100;

export type LogoutDeliveryState = 'pending' | 'sent' | 'failed';

export function deliveryState(entry: Pick<OutboxEntry, 'sentAt' | 'failedAt'>): LogoutDeliveryState {
  return entry.sentAt !== null ? 'sent' : entry.failedAt !== null ? 'failed' : 'pending';
}

/** An app's recent back-channel logout deliveries, for whoever may read the app (apps:read). */
export class LogoutDeliveries {
  readonly #storage: Pick<Storage, 'outbox'>;
  readonly #apps: Pick<AppService, 'get'>;

  constructor(storage: Pick<Storage, 'outbox'>, apps: Pick<AppService, 'get'>) {
    this.#storage = storage;
    this.#apps = apps;
  }

  /** Newest first; not found unless the caller may read the app. */
  async list(context: RequestContext, clientId: string, limit = logoutDeliveryLogLimit): Promise<OutboxEntry[]> {
    const app = await this.#apps.get(context, clientId);
    return this.#storage.outbox.listForApp(app.clientId, 'backchannel_logout', Math.min(Math.max(1, limit), logoutDeliveryLogLimit));
  }
}
