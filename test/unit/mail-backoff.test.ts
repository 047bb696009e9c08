import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultOutboxWorkerOptions, nextAttemptAt } from '../../src/runtime/mail/outbox-worker.js';

test('a failed mail is retried after 5 s, doubling each time, at most an hour apart, and given up after 12 tries', () => {
  const now = 1_000_000;
  const delays = Array.from({ length: 11 }, (_, index) => nextAttemptAt(index + 1, now, defaultOutboxWorkerOptions)! - now);
  assert.deepEqual(
    delays.map((ms) => ms / 1000),
    [5, 10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600],
  );
  assert.equal(nextAttemptAt(12, now, defaultOutboxWorkerOptions), null);
  assert.equal(nextAttemptAt(13, now, defaultOutboxWorkerOptions), null);
});
