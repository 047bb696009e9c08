import type { JsonValue } from './app-repositories.js';

export interface AuditActor {
  type: 'user' | 'operator' | 'client' | 'system';
  id: string | null;
  /** What people see: an email, a client name, "operator (CLI)". */
  label: string;
  /** A user acting through a token issued to an app: that app. */
  client?: { id: string; name: string };
  /** The delegation chain of a token-exchange token (RFC 8693 §4.1). */
  act?: JsonValue;
  /** Per-user client credentials acting: the user they belong to. */
  ownerUserId?: string;
}

export interface AuditEventRecord {
  id: string;
  orgId: string | null;
  actor: AuditActor;
  /** `app.created`, `app.secret_rotated`, `member.role_changed`, ... */
  action: string;
  targetType: string;
  targetId: string;
  /** Changed fields with their new (and, for updates, old) values; never a secret. */
  changes: Record<string, JsonValue>;
  requestId: string | null;
  createdAt: number;
}

export interface AuditQuery {
  /** An organization's records, or with null the server-wide ones (users, personal access tokens). */
  orgId?: string | null;
  targetId?: string;
  action?: string;
  from?: number;
  to?: number;
  offset: number;
  limit: number;
}

export interface AuditRepository {
  insert(event: AuditEventRecord): Promise<void>;
  /** Newest first. */
  list(query: AuditQuery): Promise<{ items: AuditEventRecord[]; total: number }>;
}
