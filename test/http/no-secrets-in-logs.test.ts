import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { KeyEncryption } from '../../src/domain/keys/key-encryption.js';
import { deriveKey } from '../../src/shared/derived-keys.js';
import { runCli } from '../support/cli.js';
import { startTestServer, temporaryDirectory, type TestServer } from '../support/server.js';

const serverSecret = 'log-scan-secret-log-scan-secret-0123456789abc';

describe('no secret or private key reaches the logs (docs/security.md)', () => {
  const dir = temporaryDirectory();
  let server: TestServer;
  const seen: string[] = [];

  before(async () => {
    // In process: each request's log line is written before its response resolves. The CLI opens the
    // database, not the server, so it needs no listener either.
    server = await startTestServer({ dir: dir.path, logLevel: 'trace', env: { LATCHKEY_SECRET: serverSecret }, inProcess: true });
    const credentials = {
      authorization: 'Basic Y2xpZW50LWlkOmNsaWVudC1zZWNyZXQtdmFsdWU=',
      cookie: 'latchkey_session=session-cookie-value',
    };
    const urls = [
      '/.well-known/openid-configuration',
      '/.well-known/jwks.json',
      '/healthz?client_secret=query-client-secret&code=query-auth-code&refresh_token=query-refresh-token',
      '/no-such-route?access_token=query-access-token&password=query-password',
    ];
    for (const url of urls) {
      const response = await server.fetch(server.issuer + url, { headers: credentials });
      seen.push(await response.text(), JSON.stringify([...response.headers]));
    }
    const posted = await server.fetch(`${server.issuer}/healthz`, {
      method: 'POST',
      headers: { ...credentials, 'content-type': 'application/json' },
      body: '{"password": "body-password", "client_secret": "body-secret"',
    });
    seen.push(await posted.text());
    const rotated = await runCli(['keys', 'rotate', '--log-level', 'trace'], {
      cwd: dir.path,
      env: { LATCHKEY_DATABASE_URL: server.config.database.url, LATCHKEY_SECRET: serverSecret, LATCHKEY_DATA_DIR: join(dir.path, 'data') },
    });
    assert.equal(rotated.code, 0, rotated.stderr);
    seen.push(rotated.stdout, rotated.stderr);
    for (const command of [['config'], ['config', '--json'], ['keys', 'list', '--json']]) {
      const result = await runCli([...command, '--log-level', 'trace'], {
        cwd: dir.path,
        env: { LATCHKEY_DATABASE_URL: server.config.database.url, LATCHKEY_SECRET: serverSecret },
      });
      seen.push(result.stdout, result.stderr);
    }
    await server.server.runtime.signingKeys.refresh();
  });
  after(async () => {
    await server.stop();
    dir.remove();
  });

  test('logs and CLI output hold none of: the server secret, private key parts, credentials from headers, query or body', async () => {
    const privateParts: string[] = [];
    const encryption = new KeyEncryption(deriveKey(serverSecret, 'signing-key-encryption'));
    for (const key of await server.server.runtime.storage.signingKeys.listAll()) {
      if (!key.privateJwe) continue;
      const jwk = await encryption.openJwk(key.privateJwe);
      for (const part of ['d', 'p', 'q', 'dp', 'dq', 'qi'] as const) if (jwk[part]) privateParts.push(jwk[part]);
    }
    assert.ok(privateParts.length >= 6, 'the scan knows the private key material');
    const forbidden = [
      serverSecret,
      Buffer.from(deriveKey(serverSecret, 'signing-key-encryption')).toString('base64url'),
      'Y2xpZW50LWlkOmNsaWVudC1zZWNyZXQtdmFsdWU',
      'client-secret-value',
      'session-cookie-value',
      'query-client-secret',
      'query-auth-code',
      'query-refresh-token',
      'query-access-token',
      'query-password',
      'body-password',
      'body-secret',
      ...privateParts,
    ];
    const logs = server.logs.text;
    assert.ok(server.logs.lines.length > 10, 'there are logs to scan');
    assert.match(logs, /"level":"(trace|debug)"|request completed/);
    for (const value of forbidden) {
      assert.equal(logs.includes(value), false, `server log leaks ${value.slice(0, 12)}…`);
      for (const output of seen) assert.equal(output.includes(value), false, `a response or CLI output leaks ${value.slice(0, 12)}…`);
    }
    assert.match(logs, /client_secret=\[REDACTED\]/, 'the query parameter is logged redacted');
  });
});
