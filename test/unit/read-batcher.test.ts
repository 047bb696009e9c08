import assert from 'node:assert/strict';
import { test } from 'node:test';
import { paddedToPowerOfTwo, ReadBatcher } from '../../src/storage/sql/read-batcher.js';

const turn = () => new Promise((resolve) => setImmediate(resolve));

test('keys asked for in one turn are read by one statement; a key asked twice is read once', async () => {
  const statements: string[][] = [];
  const rows = new Map([
    ['a', 1],
    ['b', 2],
  ]);
  const batcher = new ReadBatcher<string, number>(
    (keys) => {
      statements.push(keys);
      return Promise.resolve((key: string) => rows.get(key));
    },
    (key) => key,
  );
  assert.deepEqual(await Promise.all(['a', 'b', 'a', 'missing'].map((key) => batcher.get(key))), [1, 2, 1, undefined]);
  assert.deepEqual(statements, [['a', 'b', 'missing', 'missing']], 'three keys, padded to four');
  assert.equal(await batcher.get('b'), 2);
  assert.deepEqual(statements, [['a', 'b', 'missing', 'missing'], ['b']], 'a later turn is a new statement');
});

test('a failed statement fails every read that was in it, and the next one starts afresh', async () => {
  let fail = true;
  const batcher = new ReadBatcher<string, string>(
    () => (fail ? Promise.reject(new Error('connection lost')) : Promise.resolve((key: string) => key.toUpperCase())),
    (key) => key,
  );
  const results = await Promise.allSettled([batcher.get('a'), batcher.get('b')]);
  assert.deepEqual(
    results.map((result) => result.status),
    ['rejected', 'rejected'],
  );
  fail = false;
  assert.equal(await batcher.get('a'), 'A');
});

test('while the most statements allowed are in flight, new keys wait and go together; no batch exceeds its maximum', async () => {
  const statements: string[][] = [];
  const answers: (() => void)[] = [];
  const batcher = new ReadBatcher<string, string>(
    (keys) => {
      statements.push(keys);
      return new Promise((resolve) => answers.push(() => resolve((key) => key)));
    },
    (key) => key,
    { maxInFlight: 1, maxKeys: 2 },
  );
  const first = batcher.get('a');
  await turn();
  const waiting = ['b', 'c', 'd'].map((key) => batcher.get(key));
  await turn();
  await turn();
  assert.deepEqual(statements, [['a']]);
  answers[0]!();
  assert.equal(await first, 'a');
  await turn();
  await turn();
  assert.deepEqual(statements, [['a'], ['b', 'c']]);
  answers[1]!();
  await turn();
  await turn();
  assert.deepEqual(statements, [['a'], ['b', 'c'], ['d']]);
  answers[2]!();
  assert.deepEqual(await Promise.all(waiting), ['b', 'c', 'd']);
});

test('batches are padded to a power of two with the last key, so that few statement texts exist', () => {
  assert.deepEqual(paddedToPowerOfTwo(['a']), ['a']);
  assert.deepEqual(paddedToPowerOfTwo(['a', 'b', 'c']), ['a', 'b', 'c', 'c']);
  assert.deepEqual(paddedToPowerOfTwo(['a', 'b', 'c', 'd', 'e']), ['a', 'b', 'c', 'd', 'e', 'e', 'e', 'e']);
  assert.equal(paddedToPowerOfTwo(Array.from({ length: 100 }, (_, index) => index)).length, 128);
});
