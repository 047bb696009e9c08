import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger, redactUrl } from '../../src/observability/logger.js';
import { LogCapture } from '../support/server.js';

test('redactUrl hides credential-bearing query parameters and keeps the rest', () => {
  assert.equal(
    redactUrl('/cb?code=abc123&state=xyz&client_secret=s3cr3t&access_token=t0k&x=1'),
    '/cb?code=[REDACTED]&state=xyz&client_secret=[REDACTED]&access_token=[REDACTED]&x=1',
  );
  assert.equal(redactUrl('/token?refresh_token=r&password=p'), '/token?refresh_token=[REDACTED]&password=[REDACTED]');
  assert.equal(redactUrl('/plain'), '/plain');
  assert.equal(redactUrl('/x?cl%69ent_secret=s'), '/x?cl%69ent_secret=[REDACTED]');
});

test('log objects never carry credentials: headers, passwords, secrets, tokens, private key parts', () => {
  const capture = new LogCapture();
  const logger = createLogger({ level: 'trace', destination: capture });
  logger.info(
    {
      req: { headers: { authorization: 'Basic dXNlcjpwYXNz', cookie: 'sid=cookie-value', host: 'ok' } },
      password: 'hunter2',
      nested: { client_secret: 'lk_cs_secret', refresh_token: 'lk_rt_refresh', deeper: { access_token: 'lk_at_access' } },
      jwk: { kty: 'EC', d: 'private-scalar', x: 'public' },
    },
    'probe',
  );
  logger.flush();
  const text = capture.text;
  for (const secret of ['dXNlcjpwYXNz', 'cookie-value', 'hunter2', 'lk_cs_secret', 'lk_rt_refresh', 'lk_at_access', 'private-scalar']) {
    assert.doesNotMatch(text, new RegExp(secret), secret);
  }
  assert.match(text, /"host":"ok"/);
  assert.match(text, /"x":"public"/);
});
