import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createLogger } from '../../src/observability/logger.js';
import { singleNode } from '../../src/ports/node-coordination.js';
import type { Runtime } from '../../src/runtime/runtime.js';
import { startSweeper } from '../../src/runtime/sweeper.js';
import { LogCapture } from '../support/server.js';
import { createTestRegistry, type TestRegistry } from '../support/registry.js';

let context: TestRegistry;
before(async () => {
  context = await createTestRegistry();
});
after(() => context.close());

test('the sweeper deletes every expired row in batches and lets other work run between them', async () => {
  const { storage, clock } = context;
  const now = clock.now();
  for (let index = 0; index < 25; index += 1) {
    await storage.accessTokens.insert({
      tokenHash: `expired-${index}`,
      grantId: null,
      clientId: 'c',
      subject: 'c',
      payload: {},
      issuedAt: now - 10,
      expiresAt: now - 1,
      revokedAt: null,
    });
    await storage.revokedJtis.add(`jti-${index}`, now - 1);
    await storage.dpopProofs.addIfAbsent(`proof-${index}`, now - 1);
  }
  await storage.dpopProofs.addIfAbsent('live-proof', now + 60_000);
  await storage.accessTokens.insert({
    tokenHash: 'live',
    grantId: null,
    clientId: 'c',
    subject: 'c',
    payload: {},
    issuedAt: now,
    expiresAt: now + 60_000,
    revokedAt: null,
  });
  const runtime = { storage, clock, coordination: singleNode, logger: createLogger({ level: 'warn', destination: new LogCapture() }) } as unknown as Runtime;
  const sweeper = startSweeper(runtime, { batchSize: 10 });
  // Event-loop turns taken while the sweep runs: one batch after another without a turn between
  // them would block every request until the last one.
  let turns = 0;
  let sweeping = true;
  const spin = () => {
    turns += 1;
    if (sweeping) setImmediate(spin);
  };
  setImmediate(spin);
  try {
    assert.equal(await sweeper.sweep(), 75);
  } finally {
    sweeping = false;
    sweeper.stop();
  }
  assert.ok(turns >= 4, `the sweep yielded ${turns} times`);
  assert.equal(await storage.accessTokens.get('expired-0'), undefined);
  assert.equal(await storage.revokedJtis.has('jti-24'), false);
  assert.equal(await storage.dpopProofs.addIfAbsent('proof-24', now + 60_000), true, 'an expired proof is swept');
  assert.equal(await storage.dpopProofs.addIfAbsent('live-proof', now + 60_000), false, 'a live proof stays');
  assert.ok(await storage.accessTokens.get('live'));
  assert.equal(await sweeper.sweep(), 0);
});

test('the sweeper deletes rate-limit windows that have ended and keeps running ones', async () => {
  const { storage, clock, database } = context;
  const now = clock.now();
  await storage.rateLimits.reserve([{ key: 'sign-in:ip:192.0.2.1', rule: { windowMs: 1000, freeAttempts: 5 } }], now - 2000);
  await storage.rateLimits.reserve([{ key: 'sign-in:ip:192.0.2.2', rule: { windowMs: 60_000, freeAttempts: 5 } }], now);
  const runtime = { storage, clock, coordination: singleNode, logger: createLogger({ level: 'warn', destination: new LogCapture() }) } as unknown as Runtime;
  const sweeper = startSweeper(runtime);
  try {
    assert.equal(await sweeper.sweep(), 1);
  } finally {
    sweeper.stop();
  }
  const left = await database.db.selectFrom('rate_limits').select('expires_at').execute();
  assert.deepEqual(left, [{ expires_at: now + 60_000 }]);
});
