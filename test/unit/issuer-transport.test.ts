import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { checkIssuerTransport, ConfigError, formatConfigProblems, loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/observability/logger.js';
import { startServer } from '../../src/runtime/server.js';
import { LogCapture, temporaryDirectory } from '../support/server.js';

const dir = temporaryDirectory();
after(() => dir.remove());

function configWith(env: Record<string, string>) {
  const loaded = loadConfig({ env, cwd: dir.path });
  if (!loaded.ok) throw new Error(formatConfigProblems(loaded.problems));
  return loaded;
}

function check(env: Record<string, string>) {
  const { config, origins } = configWith(env);
  return checkIssuerTransport(config, origins);
}

describe('production issuers are https; plain http only for localhost development', () => {
  test('an https issuer starts without a warning, on any host', () => {
    for (const issuer of ['https://auth.example.com', 'https://10.0.0.5:8443/tenant', 'https://localhost:3000']) {
      assert.deepEqual(check({ LATCHKEY_ISSUER: issuer }), { problems: [], warning: null }, issuer);
    }
  });

  test('an http issuer on localhost, 127.0.0.1 or [::1] starts, with a warning that names development', () => {
    for (const issuer of ['http://localhost:3000', 'http://127.0.0.1:8080/tenant', 'http://[::1]:3000', 'http://LOCALHOST']) {
      const result = check({ LATCHKEY_ISSUER: issuer });
      assert.deepEqual(result.problems, [], issuer);
      assert.match(result.warning ?? '', /plain http/, issuer);
      assert.match(result.warning ?? '', /development/, issuer);
    }
  });

  test('the default issuer (http://localhost:3000) is a development issuer: it starts with the warning', () => {
    const result = check({});
    assert.deepEqual(result.problems, []);
    assert.match(result.warning ?? '', /development/);
  });

  test('an http issuer on any other host is refused, naming the setting that allows it', () => {
    for (const issuer of ['http://auth.example.com', 'http://10.0.0.5:3000', 'http://127.0.0.2:3000', 'http://localhost.example.com', 'http://0.0.0.0:3000']) {
      const result = check({ LATCHKEY_ISSUER: issuer });
      assert.equal(result.warning, null, issuer);
      assert.equal(result.problems.length, 1, issuer);
      const [problem] = result.problems;
      assert.equal(problem?.key, 'issuer');
      assert.equal(problem?.env, 'LATCHKEY_ISSUER');
      assert.equal(problem?.given, issuer);
      assert.deepEqual(problem?.origin, { kind: 'env', name: 'LATCHKEY_ISSUER' });
      assert.match(problem?.message ?? '', /plain http is allowed only for an issuer on localhost, 127\.0\.0\.1 or \[::1\]/);
      assert.match(problem?.message ?? '', /LATCHKEY_HTTP_ALLOW_INSECURE_ISSUER=true \(http\.allowInsecureIssuer\)/);
    }
  });

  test('the refusal reads like every other configuration problem: path, expected, given, source, variable', () => {
    const text = formatConfigProblems(check({ LATCHKEY_ISSUER: 'http://auth.example.com' }).problems);
    assert.match(text, /^Invalid configuration \(1 problem\):\n {2}- issuer: plain http is allowed only/);
    assert.match(
      text,
      /\n\s+expected: an https URL, or http on localhost, 127\.0\.0\.1 or \[::1\]\n\s+given:\s+http:\/\/auth\.example\.com\n\s+from:\s+env LATCHKEY_ISSUER\n\s+env:\s+LATCHKEY_ISSUER$/,
    );
  });

  test('http.allowInsecureIssuer is off by default; on, a non-loopback http issuer starts with a warning', () => {
    assert.equal(configWith({}).config.http.allowInsecureIssuer, false);
    const result = check({ LATCHKEY_ISSUER: 'http://auth.example.com', LATCHKEY_HTTP_ALLOW_INSECURE_ISSUER: 'true' });
    assert.deepEqual(result.problems, []);
    assert.match(result.warning ?? '', /plain http on a host other than localhost because http\.allowInsecureIssuer is on/);
    assert.match(result.warning ?? '', /unencrypted/);
  });

  test('http.allowInsecureIssuer changes nothing for an https issuer', () => {
    assert.deepEqual(check({ LATCHKEY_ISSUER: 'https://auth.example.com', LATCHKEY_HTTP_ALLOW_INSECURE_ISSUER: 'true' }), { problems: [], warning: null });
  });

  test('startServer refuses a non-loopback http issuer before it opens or creates anything', async () => {
    const { config } = configWith({
      LATCHKEY_ISSUER: 'http://auth.example.com',
      LATCHKEY_DATABASE_URL: `sqlite:${dir.path}/refused/latchkey.db`,
      LATCHKEY_DATA_DIR: `${dir.path}/refused/data`,
      LATCHKEY_LISTEN_PORT: '0',
    });
    const logs = new LogCapture();
    const outcome = await startServer({ config, logger: createLogger({ level: 'info', destination: logs }), cwd: dir.path }).catch((error: unknown) => error);
    if (!(outcome instanceof Error)) {
      await (outcome as { stop(): Promise<void> }).stop();
      assert.fail('the server started');
    }
    assert.ok(outcome instanceof ConfigError, String(outcome));
    assert.equal(outcome.problems.length, 1);
    assert.match(outcome.message, /issuer: plain http is allowed only/);
    assert.doesNotMatch(logs.text, /latchkey listening/);
    assert.equal(existsSync(`${dir.path}/refused`), false, 'no database, no data directory');
    assert.deepEqual(readdirSync(dir.path), []);
  });
});
