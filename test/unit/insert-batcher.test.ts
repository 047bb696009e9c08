import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InsertBatcher } from '../../src/storage/sql/insert-batcher.js';

test('rows added in one turn of the event loop are inserted by one statement, and callers wait for it', async () => {
  const statements: number[][] = [];
  let release!: () => void;
  const committed = new Promise<void>((resolve) => (release = resolve));
  const batcher = new InsertBatcher<number>(async (rows) => {
    statements.push(rows);
    await committed;
  });
  let settled = 0;
  const calls = [1, 2, 3].map((row) => batcher.add(row).then(() => (settled += 1)));
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(statements, [[1, 2, 3]]);
  assert.equal(settled, 0, 'nobody hears back before the insert has committed');
  release();
  await Promise.all(calls);
  assert.equal(settled, 3);
  await batcher.add(4);
  assert.deepEqual(statements, [[1, 2, 3], [4]], 'a later turn is a new batch');
});

test('a failing batch is retried row by row: only the bad row fails', async () => {
  const statements: string[][] = [];
  const batcher = new InsertBatcher<string>((rows) => {
    statements.push(rows);
    return rows.includes('duplicate') ? Promise.reject(new Error('UNIQUE constraint failed')) : Promise.resolve();
  });
  const results = await Promise.allSettled(['a', 'duplicate', 'b'].map((row) => batcher.add(row)));
  assert.deepEqual(
    results.map((result) => result.status),
    ['fulfilled', 'rejected', 'fulfilled'],
  );
  assert.match(String((results[1] as PromiseRejectedResult).reason), /UNIQUE/);
  assert.deepEqual(statements, [['a', 'duplicate', 'b'], ['a'], ['duplicate'], ['b']]);
});

test('a batch never holds more than its maximum; the rest follow in the next statement', async () => {
  const statements: number[][] = [];
  const batcher = new InsertBatcher<number>(
    (rows) => {
      statements.push(rows);
      return Promise.resolve();
    },
    { maxRows: 2 },
  );
  await Promise.all([1, 2, 3, 4, 5].map((row) => batcher.add(row)));
  assert.deepEqual(statements, [[1, 2], [3, 4], [5]]);
});

test('while the most statements allowed are in flight, new rows wait and go together in the next one', async () => {
  const statements: number[][] = [];
  const commits: (() => void)[] = [];
  const batcher = new InsertBatcher<number>(
    (rows) => {
      statements.push(rows);
      return new Promise<void>((resolve) => commits.push(resolve));
    },
    { maxInFlight: 1 },
  );
  const turn = () => new Promise((resolve) => setImmediate(resolve));
  const first = batcher.add(1);
  await turn();
  const later = [2, 3].map((row) => batcher.add(row));
  await turn();
  const last = batcher.add(4);
  await turn();
  await turn();
  assert.deepEqual(statements, [[1]], 'nothing more is sent while the first statement is on its way');
  commits[0]!();
  await first;
  await turn();
  await turn();
  assert.deepEqual(statements, [[1], [2, 3, 4]], 'the rows that waited go in one statement');
  commits[1]!();
  await Promise.all([...later, last]);
});
