import type { JsonValue } from '../../ports/app-repositories.js';
import type { AuditQuery } from '../../ports/audit-repository.js';
import type { Storage } from '../../ports/storage.js';
import type { Actor } from '../access/actor.js';
import type { Authorizer } from '../access/authorizer.js';
import { DomainError } from '../errors.js';

/** Who asks, and the request id that ties an audit record to the log line. */
export interface RequestContext {
  actor: Actor;
  requestId?: string | null;
}

/** An audit row as a change names it; `commitChange` adds who, when and the request id. */
export interface AuditEntry {
  orgId: string | null;
  action: string;
  targetType: string;
  targetId: string;
  changes?: Record<string, JsonValue>;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Field-by-field differences (dotted paths) as `{ from, to }`, for the audit log's "what changed". */
export function diffChanges(before: unknown, after: unknown, prefix = ''): Record<string, JsonValue> {
  const changes: Record<string, JsonValue> = {};
  if (isPlainObject(before) && isPlainObject(after) && !prefix.endsWith('customClaims')) {
    for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
      Object.assign(changes, diffChanges(before[key], after[key], prefix ? `${prefix}.${key}` : key));
    }
    return changes;
  }
  if (JSON.stringify(before) !== JSON.stringify(after)) {
    changes[prefix] = { from: (before ?? null) as JsonValue, to: (after ?? null) as JsonValue };
  }
  return changes;
}

export interface AuditListRequest {
  /** The organization, or null for server-wide records (server administrators only). */
  orgId: string | null;
  targetId?: string;
  action?: string;
  from?: number;
  to?: number;
  offset: number;
  limit: number;
}

export class AuditLog {
  readonly #storage: Storage;
  readonly #authorizer: Authorizer;

  constructor(storage: Storage, authorizer: Authorizer) {
    this.#storage = storage;
    this.#authorizer = authorizer;
  }

  /** The organization's audit records, newest first, filtered by target (an app) and time. */
  async list(context: RequestContext, request: AuditListRequest) {
    if (request.orgId === null) await this.#authorizer.requireServerAdmin(context.actor, 'audit:read');
    else await this.#authorizer.require(context.actor, request.orgId, 'audit:read');
    if (request.from !== undefined && request.to !== undefined && request.from > request.to) {
      throw DomainError.validation([{ field: 'from', message: 'must not be after to' }]);
    }
    const query: AuditQuery = { orgId: request.orgId, offset: request.offset, limit: request.limit };
    if (request.targetId) query.targetId = request.targetId;
    if (request.action) query.action = request.action;
    if (request.from !== undefined) query.from = request.from;
    if (request.to !== undefined) query.to = request.to;
    return this.#storage.audit.list(query);
  }
}
