import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ClientUse } from '../../src/ports/app-repositories.js';
import type { Storage } from '../../src/ports/storage.js';
import { ClientUsageRecorder } from '../../src/runtime/client-usage.js';
import { fakeClock } from '../support/protocol.js';

/** A store that keeps each transaction's batch of uses. */
function recordingStorage(fail = false) {
  const batches: ClientUse[][] = [];
  const storage = {
    transaction: async <T>(work: (tx: Storage) => Promise<T>) =>
      work({
        apps: {
          recordUses: (uses: readonly ClientUse[]) => {
            if (fail) return Promise.reject(new Error('database down'));
            batches.push([...uses]);
            return Promise.resolve();
          },
        },
      } as unknown as Storage),
  };
  return { storage, batches };
}

describe('when apps and secrets were last used', () => {
  test('a secret used many times in a minute is written once; uses of several secrets go in one batch', async () => {
    const clock = fakeClock();
    const { storage, batches } = recordingStorage();
    const recorder = new ClientUsageRecorder(storage, clock, { flushDelayMs: 60_000 });
    const start = clock.now();
    for (let use = 0; use < 100; use += 1) {
      recorder.record('app-a', 'secret-1');
      clock.advance(100);
    }
    recorder.record('app-a', 'secret-2');
    recorder.record('app-b', 'secret-3');
    assert.equal(batches.length, 0, 'nothing is written while the request is answered');
    await recorder.flush();
    assert.deepEqual(batches, [
      [
        { clientId: 'app-a', secretId: 'secret-1', at: start },
        { clientId: 'app-a', secretId: 'secret-2', at: start + 10_000 },
        { clientId: 'app-b', secretId: 'secret-3', at: start + 10_000 },
      ],
    ]);
  });

  test('a minute later the next use is written again', async () => {
    const clock = fakeClock();
    const { storage, batches } = recordingStorage();
    const recorder = new ClientUsageRecorder(storage, clock, { flushDelayMs: 60_000 });
    recorder.record('app-a', 'secret-1');
    await recorder.flush();
    clock.advance(59_999);
    recorder.record('app-a', 'secret-1');
    await recorder.flush();
    assert.equal(batches.length, 1, 'within the minute: not again');
    clock.advance(1);
    recorder.record('app-a', 'secret-1');
    await recorder.flush();
    assert.equal(batches.length, 2);
    assert.equal(batches[1]![0]!.at, clock.now());
  });

  test('the batch is written on its own after the flush delay, without anyone waiting for it', async () => {
    const { storage, batches } = recordingStorage();
    const recorder = new ClientUsageRecorder(storage, fakeClock(), { flushDelayMs: 1 });
    recorder.record('app-a', 'secret-1');
    while (batches.length === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    assert.equal(batches[0]![0]!.clientId, 'app-a');
  });

  test('a failed write is reported, never thrown at the caller', async () => {
    const errors: string[] = [];
    const { storage } = recordingStorage(true);
    const recorder = new ClientUsageRecorder(storage, fakeClock(), { flushDelayMs: 60_000, onError: (error) => errors.push(error.message) });
    assert.doesNotThrow(() => recorder.record('app-a', 'secret-1'));
    await recorder.flush();
    assert.deepEqual(errors, ['database down']);
  });
});
