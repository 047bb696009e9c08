import type { Kysely, Selectable } from 'kysely';
import type { Role } from '../../ports/org-repositories.js';
import type { PreAuthorizationRecord, PreAuthorizationRepository } from '../../ports/preauthorization-repository.js';
import type { AppPreauthorizationsTable, DatabaseSchema } from './schema.js';

function toRecord(row: Selectable<AppPreauthorizationsTable>): PreAuthorizationRecord {
  return {
    id: row.id,
    clientId: row.client_id,
    userId: row.user_id,
    role: row.role as Role | null,
    scopes: JSON.parse(row.scopes) as string[],
    audiences: JSON.parse(row.audiences) as string[],
    authority: row.authority as PreAuthorizationRecord['authority'],
    createdBy: row.created_by,
    createdAt: row.created_at,
  };
}

export class SqlPreAuthorizationRepository implements PreAuthorizationRepository {
  readonly #db: Kysely<DatabaseSchema>;
  constructor(db: Kysely<DatabaseSchema>) {
    this.#db = db;
  }

  async insert(record: PreAuthorizationRecord): Promise<void> {
    await this.#db
      .insertInto('app_preauthorizations')
      .values({
        id: record.id,
        client_id: record.clientId,
        user_id: record.userId,
        role: record.role,
        scopes: JSON.stringify(record.scopes),
        audiences: JSON.stringify(record.audiences),
        authority: record.authority,
        created_by: record.createdBy,
        created_at: record.createdAt,
      })
      .execute();
  }

  async listForApp(clientId: string): Promise<PreAuthorizationRecord[]> {
    const rows = await this.#db.selectFrom('app_preauthorizations').selectAll().where('client_id', '=', clientId).orderBy('created_at').orderBy('id').execute();
    return rows.map(toRecord);
  }

  async delete(clientId: string, id: string): Promise<boolean> {
    const result = await this.#db.deleteFrom('app_preauthorizations').where('client_id', '=', clientId).where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }
}
