import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Metrics } from '../../src/observability/metrics.js';

test('metrics count every event by type, and token issuances by grant type', async () => {
  const metrics = new Metrics();
  metrics.onEvent({ type: 'token.issued', orgId: 'org_1', clientId: 'a', grantType: 'client_credentials' });
  metrics.onEvent({ type: 'token.issued', orgId: 'org_1', clientId: 'a', grantType: 'client_credentials' });
  metrics.onEvent({ type: 'token.issued', orgId: 'org_1', clientId: 'b', grantType: 'refresh_token' });
  metrics.onEvent({ type: 'member.added', orgId: 'org_1', userId: 'usr_1' });
  const text = await metrics.render();
  assert.match(text, /latchkey_events_total\{type="token.issued"\} 3/);
  assert.match(text, /latchkey_events_total\{type="member.added"\} 1/);
  assert.match(text, /latchkey_tokens_issued_total\{grant_type="client_credentials"\} 2/);
  assert.match(text, /latchkey_tokens_issued_total\{grant_type="refresh_token"\} 1/);
});
