import type { Kysely } from 'kysely';
import type { JsonValue } from '../../ports/app-repositories.js';
import type { AuditActor, AuditEventRecord, AuditQuery, AuditRepository } from '../../ports/audit-repository.js';
import type { DatabaseSchema } from './schema.js';

/** What an actor carries besides its type, id and label, as JSON; null when there is nothing. */
function actorContextOf(actor: AuditActor): string | null {
  const context = {
    ...(actor.client ? { client: actor.client } : {}),
    ...(actor.act !== undefined ? { act: actor.act } : {}),
    ...(actor.ownerUserId ? { ownerUserId: actor.ownerUserId } : {}),
  };
  return Object.keys(context).length > 0 ? JSON.stringify(context) : null;
}

export class SqlAuditRepository implements AuditRepository {
  readonly #db: Kysely<DatabaseSchema>;
  constructor(db: Kysely<DatabaseSchema>) {
    this.#db = db;
  }

  async insert(event: AuditEventRecord): Promise<void> {
    await this.#db
      .insertInto('audit_events')
      .values({
        id: event.id,
        org_id: event.orgId,
        actor_type: event.actor.type,
        actor_id: event.actor.id,
        actor_label: event.actor.label,
        actor_context: actorContextOf(event.actor),
        action: event.action,
        target_type: event.targetType,
        target_id: event.targetId,
        changes: JSON.stringify(event.changes),
        request_id: event.requestId,
        created_at: event.createdAt,
      })
      .execute();
  }

  async list(query: AuditQuery): Promise<{ items: AuditEventRecord[]; total: number }> {
    let base = this.#db.selectFrom('audit_events');
    if (query.orgId === null) base = base.where('org_id', 'is', null);
    else if (query.orgId) base = base.where('org_id', '=', query.orgId);
    if (query.targetId) base = base.where('target_id', '=', query.targetId);
    if (query.action) base = base.where('action', '=', query.action);
    if (query.from !== undefined) base = base.where('created_at', '>=', query.from);
    if (query.to !== undefined) base = base.where('created_at', '<=', query.to);
    const [rows, count] = await Promise.all([
      base.selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').offset(query.offset).limit(query.limit).execute(),
      base.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow(),
    ]);
    return {
      items: rows.map((row) => ({
        id: row.id,
        orgId: row.org_id,
        actor: {
          type: row.actor_type as AuditActor['type'],
          id: row.actor_id,
          label: row.actor_label,
          ...(row.actor_context ? (JSON.parse(row.actor_context) as Pick<AuditActor, 'client' | 'act' | 'ownerUserId'>) : {}),
        },
        action: row.action,
        targetType: row.target_type,
        targetId: row.target_id,
        changes: JSON.parse(row.changes) as Record<string, JsonValue>,
        requestId: row.request_id,
        createdAt: row.created_at,
      })),
      total: Number(count.total),
    };
  }
}
