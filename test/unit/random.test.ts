import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRefreshToken, formatRefreshToken, newRefreshSecret } from '../../src/protocol/tokens/refresh-token.js';
import { SecretHasher } from '../../src/shared/opaque-secret.js';
import { randomHandle, timeOrderedGrantId } from '../../src/shared/random.js';

test('grant ids sort by creation time, are unique, and fit the refresh token format (22 url-safe characters)', () => {
  const at = Date.UTC(2026, 10, 24, 12);
  const ids = [timeOrderedGrantId(at), timeOrderedGrantId(at + 1), timeOrderedGrantId(at + 86_400_000)];
  for (const id of ids) assert.match(id, /^[0-9a-z]{9}[A-Za-z0-9_-]{13}$/);
  assert.deepEqual([...ids].sort(), ids);
  assert.notEqual(timeOrderedGrantId(at), ids[0]);
  const secret = newRefreshSecret(new SecretHasher(new Uint8Array(32).fill(3)), ids[0]!);
  assert.deepEqual(parseRefreshToken(formatRefreshToken(ids[0]!, secret)), { grantId: ids[0], secret });
});

test('client ids never start with - or _ (a command line would take them for an option), and keep 144 bits', () => {
  const ids = Array.from({ length: 2000 }, () => randomHandle(18));
  for (const id of ids) assert.match(id, /^[A-Za-z0-9][A-Za-z0-9_-]{23}$/);
  assert.equal(new Set(ids).size, ids.length);
});
