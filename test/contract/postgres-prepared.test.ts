import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { migrateToLatest, openDatabase, type SqlDatabase } from '../../src/storage/sql/database.js';
import { createTestDatabase, postgresSkipReason, type TestDatabase } from '../support/postgres.js';

if (postgresSkipReason) console.log(`# ${postgresSkipReason}`);

describe('PostgreSQL: statements are prepared once per connection', { skip: postgresSkipReason }, () => {
  let target: TestDatabase;
  let database: SqlDatabase;
  before(async () => {
    target = await createTestDatabase();
    database = await openDatabase(target.url, { poolSize: 2 });
    await migrateToLatest(database);
  });
  after(async () => {
    await database?.close();
    await target?.drop();
  });

  const preparedCount = async () =>
    Number((await sql<{ count: string }>`select count(*) as count from pg_prepared_statements where name like 'lk_%'`.execute(database.db)).rows[0]!.count);

  test('a parameterized query runs prepared, and again with other values', async () => {
    for (const key of ['a', 'b', 'c']) {
      await database.db.insertInto('revoked_jtis').values({ jti: key, expires_at: 1 }).execute();
      const found = await database.db.selectFrom('revoked_jtis').selectAll().where('jti', '=', key).executeTakeFirst();
      assert.equal(found?.jti, key);
    }
    // pg_prepared_statements shows the statements of the connection that asks: on a pool of two,
    // at least one connection has some.
    let seen = 0;
    for (let attempt = 0; attempt < 4 && seen === 0; attempt += 1) seen = await preparedCount();
    assert.ok(seen > 0, 'statements are prepared');
  });

  test('after a migration changes a table, `select *` still works (the plans are prepared afresh)', async () => {
    const before = await database.db.selectFrom('revoked_jtis').selectAll().where('jti', '=', 'a').executeTakeFirst();
    assert.equal(before?.jti, 'a');
    await sql`alter table revoked_jtis add column note text`.execute(database.db);
    for (let round = 0; round < 4; round += 1) {
      const after = (await database.db.selectFrom('revoked_jtis').selectAll().where('jti', '=', 'a').executeTakeFirst()) as Record<string, unknown> | undefined;
      assert.equal(after?.jti, 'a');
      assert.ok('note' in after, 'the new column is there');
    }
  });
});
