import type { Kysely, Selectable } from 'kysely';
import type { ApiRecord, ApiRepository, ApiScope } from '../../ports/api-repository.js';
import { containsInsensitive, fromFlag, toFlag } from './query-helpers.js';
import type { ApisTable, DatabaseSchema } from './schema.js';

function toApi(row: Selectable<ApisTable>): ApiRecord {
  return {
    id: row.id,
    orgId: row.org_id,
    identifier: row.identifier,
    name: row.name,
    scopes: JSON.parse(row.scopes) as ApiScope[],
    allowOfflineAccess: fromFlag(row.allow_offline_access),
    tokenFormat: row.token_format as ApiRecord['tokenFormat'],
    signingAlgorithm: row.signing_alg as ApiRecord['signingAlgorithm'],
    accessTokenTtlMinutes: row.access_token_ttl_minutes,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function apiRow(api: ApiRecord): ApisTable {
  return {
    id: api.id,
    org_id: api.orgId,
    identifier: api.identifier,
    name: api.name,
    scopes: JSON.stringify(api.scopes),
    allow_offline_access: toFlag(api.allowOfflineAccess),
    token_format: api.tokenFormat,
    signing_alg: api.signingAlgorithm,
    access_token_ttl_minutes: api.accessTokenTtlMinutes,
    created_at: api.createdAt,
    updated_at: api.updatedAt,
  };
}

export class SqlApiRepository implements ApiRepository {
  readonly #db: Kysely<DatabaseSchema>;
  constructor(db: Kysely<DatabaseSchema>) {
    this.#db = db;
  }

  async insert(api: ApiRecord): Promise<boolean> {
    const result = await this.#db
      .insertInto('apis')
      .values(apiRow(api))
      .onConflict((conflict) => conflict.column('identifier').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
  }

  async get(id: string): Promise<ApiRecord | undefined> {
    const row = await this.#db.selectFrom('apis').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toApi(row);
  }

  async getByIdentifier(identifier: string): Promise<ApiRecord | undefined> {
    const row = await this.#db.selectFrom('apis').selectAll().where('identifier', '=', identifier).executeTakeFirst();
    return row && toApi(row);
  }

  async update(api: ApiRecord): Promise<void> {
    const { id: _id, identifier: _identifier, created_at: _createdAt, ...values } = apiRow(api);
    await this.#db.updateTable('apis').set(values).where('id', '=', api.id).execute();
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.#db.deleteFrom('apis').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }

  async list(query: { orgId?: string; search?: string; offset: number; limit: number }) {
    let base = this.#db.selectFrom('apis');
    if (query.orgId) base = base.where('org_id', '=', query.orgId);
    if (query.search) {
      const search = query.search;
      base = base.where((eb) => eb.or([containsInsensitive('name', search), containsInsensitive('identifier', search)]));
    }
    const [rows, count] = await Promise.all([
      base.selectAll().orderBy('created_at').orderBy('id').offset(query.offset).limit(query.limit).execute(),
      base.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow(),
    ]);
    return { items: rows.map(toApi), total: Number(count.total) };
  }
}
