import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { configLeaves, envNameFor } from '../../src/config/leaves.js';
import { checkIssuerPort, formatConfigProblems, loadConfig, maskedConfig } from '../../src/config/load.js';
import { temporaryDirectory } from '../support/server.js';

const dir = temporaryDirectory();
after(() => dir.remove());
const secret = 'a-server-secret-that-is-long-enough-0123456789';

function load(env: Record<string, string> = {}, flags: Record<string, string> = {}, file?: string) {
  return loadConfig({ env, flags, cwd: dir.path, ...(file ? { file } : {}) });
}

describe('configuration sources', () => {
  test('defaults: issuer localhost:3000, SQLite in ./data, RS256 + ES256 + EdDSA, bounds of PRODUCT A4', () => {
    const loaded = load();
    assert.ok(loaded.ok);
    assert.equal(loaded.config.issuer, 'http://localhost:3000');
    assert.equal(loaded.config.listen.port, 3000);
    assert.equal(loaded.config.database.url, 'sqlite:./data/latchkey.db');
    assert.deepEqual(loaded.config.keys.algorithms, ['RS256', 'ES256', 'EdDSA']);
    assert.deepEqual(loaded.config.tokens.accessTokenTtlMinutes, { min: 1, max: 300 });
    assert.deepEqual(loaded.config.tokens.refreshTokenTtlMinutes, { min: 1, max: 300 });
    assert.deepEqual(loaded.config.tokens.idTokenTtlMinutes, { min: 1, max: 720 });
    assert.equal(loaded.origins.get('listen.port')?.kind, 'default');
  });

  test('precedence: defaults < latchkey.yaml < LATCHKEY_* < flags', () => {
    const file = join(dir.path, 'precedence.yaml');
    writeFileSync(file, 'listen:\n  port: 4000\n  host: 0.0.0.0\nlog:\n  level: debug\nissuer: https://file.example\n');
    const fromFile = load({}, {}, file);
    assert.ok(fromFile.ok);
    assert.equal(fromFile.config.listen.port, 4000);
    assert.deepEqual(fromFile.origins.get('listen.port'), { kind: 'file', file });

    const fromEnv = load({ LATCHKEY_LISTEN_PORT: '5000', LATCHKEY_LOG_LEVEL: 'warn' }, {}, file);
    assert.ok(fromEnv.ok);
    assert.equal(fromEnv.config.listen.port, 5000);
    assert.equal(fromEnv.config.listen.host, '0.0.0.0');
    assert.equal(fromEnv.config.log.level, 'warn');
    assert.deepEqual(fromEnv.origins.get('listen.port'), { kind: 'env', name: 'LATCHKEY_LISTEN_PORT' });

    const fromFlag = load({ LATCHKEY_LISTEN_PORT: '5000' }, { 'listen.port': '6000' }, file);
    assert.ok(fromFlag.ok);
    assert.equal(fromFlag.config.listen.port, 6000);
    assert.equal(fromFlag.config.issuer, 'https://file.example');
    assert.equal(fromFlag.origins.get('listen.port')?.kind, 'flag');
  });

  test('latchkey.yaml in the working directory is read without being named', () => {
    const own = temporaryDirectory();
    try {
      writeFileSync(join(own.path, 'latchkey.yaml'), 'listen:\n  port: 4321\n');
      const loaded = loadConfig({ env: {}, cwd: own.path });
      assert.ok(loaded.ok);
      assert.equal(loaded.config.listen.port, 4321);
    } finally {
      own.remove();
    }
  });

  test('env names derive from the schema path', () => {
    assert.equal(envNameFor(['listen', 'port']), 'LATCHKEY_LISTEN_PORT');
    assert.equal(envNameFor(['tokens', 'accessTokenTtlMinutes', 'max']), 'LATCHKEY_TOKENS_ACCESS_TOKEN_TTL_MINUTES_MAX');
    const names = configLeaves().map((leaf) => leaf.env);
    assert.ok(names.includes('LATCHKEY_SECRET'));
    assert.ok(names.includes('LATCHKEY_DATABASE_URL'));
    assert.equal(new Set(names).size, names.length, 'env names are unique');
  });

  test('env strings are coerced: numbers, booleans and comma lists', () => {
    const loaded = load({
      LATCHKEY_DATABASE_MIGRATE_ON_START: 'false',
      LATCHKEY_KEYS_ALGORITHMS: 'RS256, ES256',
      LATCHKEY_TOKENS_ACCESS_TOKEN_TTL_MINUTES_MAX: '1440',
    });
    assert.ok(loaded.ok);
    assert.equal(loaded.config.database.migrateOnStart, false);
    assert.deepEqual(loaded.config.keys.algorithms, ['RS256', 'ES256']);
    assert.equal(loaded.config.tokens.accessTokenTtlMinutes.max, 1440);
  });

  test('a secret can come from a _FILE variant', () => {
    const file = join(dir.path, 'secret.txt');
    writeFileSync(file, `${secret}\n`);
    chmodSync(file, 0o600);
    const loaded = load({ LATCHKEY_SECRET_FILE: file });
    assert.ok(loaded.ok);
    assert.equal(loaded.config.secret, secret);
  });

  test('setting both a variable and its _FILE variant is an error', () => {
    const file = join(dir.path, 'secret2.txt');
    writeFileSync(file, secret);
    const loaded = load({ LATCHKEY_SECRET_FILE: file, LATCHKEY_SECRET: secret });
    assert.ok(!loaded.ok);
    assert.match(formatConfigProblems(loaded.problems), /both LATCHKEY_SECRET and LATCHKEY_SECRET_FILE are set/);
  });

  test('an unreadable _FILE is reported with the variable name', () => {
    const loaded = load({ LATCHKEY_SECRET_FILE: join(dir.path, 'missing') });
    assert.ok(!loaded.ok);
    assert.match(formatConfigProblems(loaded.problems), /cannot read LATCHKEY_SECRET_FILE=.*ENOENT/);
  });
});

describe('configuration errors', () => {
  test('every bad value is listed with its path, what was expected, what was given and the env var', () => {
    const loaded = load({ LATCHKEY_LISTEN_PORT: 'abc', LATCHKEY_LOG_LEVEL: 'loud', LATCHKEY_ISSUER: 'not a url' });
    assert.ok(!loaded.ok);
    const text = formatConfigProblems(loaded.problems);
    assert.match(text, /Invalid configuration \(3 problems\)/);
    assert.match(
      text,
      /listen\.port: .*\n\s+expected: an integer from 0 to 65535\n\s+given:\s+abc\n\s+from:\s+env LATCHKEY_LISTEN_PORT\n\s+env:\s+LATCHKEY_LISTEN_PORT/,
    );
    assert.match(text, /log\.level: .*\n\s+expected: one of fatal, error, warn, info, debug, trace, silent\n\s+given:\s+loud/);
    assert.match(text, /issuer: .*\n\s+expected: an http\(s\) URL\n\s+given:\s+not a url/);
  });

  test('out-of-range numbers name the bound', () => {
    const loaded = load({ LATCHKEY_LISTEN_PORT: '70000' });
    assert.ok(!loaded.ok);
    assert.match(formatConfigProblems(loaded.problems), /listen\.port: .*<=65535/);
  });

  test('a short secret is refused without being printed', () => {
    const loaded = load({ LATCHKEY_SECRET: 'hunter2-is-short' });
    assert.ok(!loaded.ok);
    const text = formatConfigProblems(loaded.problems);
    assert.match(text, /secret: .*\n\s+expected: a string of at least 32 characters\n\s+given:\s+\*{8} \(16 characters\)/);
    assert.doesNotMatch(text, /hunter2/);
  });

  test('a database URL password is masked in errors', () => {
    const loaded = load({ LATCHKEY_DATABASE_URL: 'mysql://root:topsecret@db/latchkey' });
    assert.ok(!loaded.ok);
    const text = formatConfigProblems(loaded.problems);
    assert.match(text, /database\.url: expected a sqlite:<path> or postgres:\/\//);
    assert.match(text, /given:\s+mysql:\/\/root:\*{8}@db\/latchkey/);
    assert.doesNotMatch(text, /topsecret/);
  });

  test('unknown keys in latchkey.yaml are errors, not silently ignored', () => {
    const file = join(dir.path, 'typo.yaml');
    writeFileSync(file, 'listen:\n  prot: 3000\n');
    const loaded = load({}, {}, file);
    assert.ok(!loaded.ok);
    assert.match(formatConfigProblems(loaded.problems), /listen\.prot: unknown setting prot/);
  });

  test('a file that is not YAML is reported', () => {
    const file = join(dir.path, 'broken.yaml');
    writeFileSync(file, 'listen: [unclosed\n');
    const loaded = load({}, {}, file);
    assert.ok(!loaded.ok);
    assert.match(formatConfigProblems(loaded.problems), /is not valid YAML/);
  });

  test('a named config file that does not exist is an error', () => {
    const loaded = load({}, {}, join(dir.path, 'nope.yaml'));
    assert.ok(!loaded.ok);
    assert.match(formatConfigProblems(loaded.problems), /config file .*nope\.yaml does not exist/);
  });

  test('lifetime bounds must have min <= max', () => {
    const loaded = load({ LATCHKEY_TOKENS_ID_TOKEN_TTL_MINUTES_MIN: '30', LATCHKEY_TOKENS_ID_TOKEN_TTL_MINUTES_MAX: '10' });
    assert.ok(!loaded.ok);
    assert.match(formatConfigProblems(loaded.problems), /tokens\.idTokenTtlMinutes: min must not exceed max/);
  });

  test('RS256 cannot be dropped from the signing algorithms (OIDC Core §15.1)', () => {
    const loaded = load({ LATCHKEY_KEYS_ALGORITHMS: 'ES256' });
    assert.ok(!loaded.ok);
    assert.match(formatConfigProblems(loaded.problems), /RS256 must be included/);
  });

  test('an issuer with a query or fragment is refused (RFC 8414 §2)', () => {
    const loaded = load({ LATCHKEY_ISSUER: 'https://auth.example.com/?tenant=1' });
    assert.ok(!loaded.ok);
    assert.match(formatConfigProblems(loaded.problems), /must not contain a query or fragment/);
  });
});

describe('masking', () => {
  test('maskedConfig hides the secret and the database password', () => {
    const loaded = load({ LATCHKEY_SECRET: secret, LATCHKEY_DATABASE_URL: 'postgres://app:pa55word@db:5432/latchkey' });
    assert.ok(loaded.ok);
    const text = JSON.stringify(maskedConfig(loaded.config));
    assert.doesNotMatch(text, new RegExp(secret));
    assert.doesNotMatch(text, /pa55word/);
    assert.match(text, /postgres:\/\/app:\*{8}@db:5432\/latchkey/);
  });

  test('secrets have no CLI flag; every other setting does', () => {
    for (const leaf of configLeaves()) {
      if (leaf.secret) assert.equal(leaf.flag, undefined, leaf.key);
      else assert.match(leaf.flag ?? '', /^--[a-z-]+$/, leaf.key);
    }
  });
});

describe('the issuer and the listen port', () => {
  const load = (env: Record<string, string>) => {
    const loaded = loadConfig({ env, cwd: '/nonexistent-latchkey-test' });
    assert.ok(loaded.ok);
    return loaded.config;
  };

  test('an issuer left unset follows the listen port, so --port 4000 advertises :4000', () => {
    assert.equal(load({}).issuer, 'http://localhost:3000');
    assert.equal(load({ LATCHKEY_LISTEN_PORT: '4000' }).issuer, 'http://localhost:4000');
    assert.equal(load({ LATCHKEY_LISTEN_PORT: '4000', LATCHKEY_ISSUER: 'https://id.example.com' }).issuer, 'https://id.example.com');
  });

  test('a plain http loopback issuer on another port than the listener is refused, naming both ports and the fix', () => {
    const [problem] = checkIssuerPort(load({ LATCHKEY_LISTEN_PORT: '4000', LATCHKEY_ISSUER: 'http://localhost:3000' }));
    assert.equal(problem?.key, 'issuer');
    assert.match(problem.message, /names port 3000 but the server listens on 4000/);
    assert.equal(problem?.env, 'LATCHKEY_ISSUER');
    assert.deepEqual(checkIssuerPort(load({ LATCHKEY_LISTEN_PORT: '4000', LATCHKEY_ISSUER: 'http://127.0.0.1:4000' })), []);
    assert.deepEqual(checkIssuerPort(load({ LATCHKEY_LISTEN_PORT: '3000', LATCHKEY_ISSUER: 'https://localhost:8443' })), [], 'https: a proxy in front');
    assert.deepEqual(
      checkIssuerPort(load({ LATCHKEY_LISTEN_PORT: '4000', LATCHKEY_ISSUER: 'http://localhost:3000', LATCHKEY_HTTP_TRUST_PROXY: 'true' })),
      [],
      'behind a proxy on this machine',
    );
    assert.match(checkIssuerPort(load({ LATCHKEY_LISTEN_PORT: '4000', LATCHKEY_ISSUER: 'http://localhost' }))[0]!.message, /names port 80/);
  });
});
