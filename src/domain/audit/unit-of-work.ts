import type { AuditActor } from '../../ports/audit-repository.js';
import type { Clock } from '../../ports/clock.js';
import type { DomainEvent, DomainEvents } from '../../ports/domain-events.js';
import type { Storage } from '../../ports/storage.js';
import { timeSortableId } from '../../shared/random.js';
import { auditActorOf } from '../access/actor.js';
import type { AuditEntry, RequestContext } from './audit-log.js';

/**
 * One change to what Latchkey holds: the audit row that records it, written in the change's
 * transaction, and the event that tells caches, metrics and hooks, published after the commit.
 * The one never goes without the other.
 */
export interface Change {
  audit: AuditEntry;
  event: DomainEvent;
}

/** What a unit of work hands back: its result, and the changes it made (none when there was nothing to do). */
export interface Committed<T> {
  result: T;
  changes: readonly Change[];
}

export interface ChangeDependencies {
  storage: Storage;
  clock: Clock;
  events: DomainEvents;
}

/**
 * Who made a change: someone asking (with the request id that ties the audit row to the log
 * line), or Latchkey itself, for what it keeps in step on its own (the default organization, the
 * console app), or a party that is no management actor, named as the audit log shows it (a
 * dynamic client registration, by the token it presented).
 */
export type ChangeAuthor = RequestContext | 'latchkey' | { auditActor: AuditActor; requestId?: string | null };

const latchkeyActor: AuditActor = { type: 'system', id: null, label: 'Latchkey' };

/**
 * Runs `work` in a storage transaction, writes the audit row of each change it reports in that
 * transaction, and publishes each change's event once the transaction has committed. When the
 * work or an audit row fails, the transaction rolls back and no event is published: subscribers
 * never hear of a change that did not happen. Audit records hold only non-secret values.
 */
export async function commitChange<T>(deps: ChangeDependencies, author: ChangeAuthor, work: (tx: Storage) => Promise<Committed<T>>): Promise<T> {
  const committed = await deps.storage.transaction(async (tx) => {
    const outcome = await work(tx);
    for (const change of outcome.changes) await insertAuditRow(tx, deps.clock, author, change.audit);
    return outcome;
  });
  for (const change of committed.changes) deps.events.publish(change.event);
  return committed.result;
}

async function insertAuditRow(tx: Storage, clock: Clock, author: ChangeAuthor, entry: AuditEntry): Promise<void> {
  const now = clock.now();
  await tx.audit.insert({
    id: timeSortableId('evt', now),
    orgId: entry.orgId,
    actor: author === 'latchkey' ? latchkeyActor : 'auditActor' in author ? author.auditActor : auditActorOf(author.actor),
    action: entry.action,
    targetType: entry.targetType,
    targetId: entry.targetId,
    changes: entry.changes ?? {},
    requestId: author === 'latchkey' ? null : (author.requestId ?? null),
    createdAt: now,
  });
}

/** The events of changes inside one organization. */
export type OrganizationEvent = Extract<DomainEvent, { orgId: string }>;

/** A change inside an organization: its audit row belongs to the organization its event names. */
export function organizationChange(event: OrganizationEvent, audit: Omit<AuditEntry, 'orgId'>): Change {
  return { audit: { orgId: event.orgId, ...audit }, event };
}

/** A change to the server itself or to its users: its audit row is server-wide (no organization). */
export function serverChange(event: DomainEvent, audit: Omit<AuditEntry, 'orgId'>): Change {
  return { audit: { orgId: null, ...audit }, event };
}
