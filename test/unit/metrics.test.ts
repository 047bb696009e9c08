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

test('metrics count sign-in steps by method and outcome, and second-factor changes by method', async () => {
  const metrics = new Metrics();
  metrics.onEvent({ type: 'signin.succeeded', userId: 'usr_1', clientId: 'a', method: 'totp' });
  metrics.onEvent({ type: 'signin.failed', clientId: 'a', method: 'totp' });
  metrics.onEvent({ type: 'signin.failed', clientId: null, method: 'recovery_code' });
  metrics.onEvent({ type: 'signin.throttled', clientId: null, method: 'password' });
  metrics.onEvent({ type: 'mfa.enrolled', userId: 'usr_1', method: 'totp' });
  metrics.onEvent({ type: 'mfa.reset', userId: 'usr_1' });
  const text = await metrics.render();
  assert.match(text, /latchkey_signin_steps_total\{method="totp",outcome="succeeded"\} 1/);
  assert.match(text, /latchkey_signin_steps_total\{method="totp",outcome="failed"\} 1/);
  assert.match(text, /latchkey_signin_steps_total\{method="recovery_code",outcome="failed"\} 1/);
  assert.match(text, /latchkey_signin_steps_total\{method="password",outcome="throttled"\} 1/);
  assert.match(text, /latchkey_second_factor_changes_total\{method="totp",change="enrolled"\} 1/);
  assert.match(text, /latchkey_second_factor_changes_total\{method="all",change="reset"\} 1/);
});
