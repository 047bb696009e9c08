import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify, SignJWT } from 'jose';
import type { SigningAlgorithm } from '../../src/domain/keys/signing-keys.js';
import { runCli } from '../support/cli.js';
import { createTestDatabase, postgresSkipReason, type TestDatabase } from '../support/postgres.js';
import { startTestServer, temporaryDirectory, type TestServer } from '../support/server.js';

const algorithms: SigningAlgorithm[] = ['RS256', 'ES256', 'EdDSA'];

async function signWithServer(server: TestServer, alg: SigningAlgorithm): Promise<string> {
  const { kid, privateKey } = server.server.runtime.signingKeys.signingKey(alg);
  return new SignJWT({ sub: 'subject-1' })
    .setProtectedHeader({ alg, kid, typ: 'JWT' })
    .setIssuer(server.issuer)
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(privateKey);
}

function jwksSuite(store: 'SQLite' | 'PostgreSQL', skip: string | false) {
  describe(`JWKS and key rotation on ${store}`, { skip }, () => {
    const dir = temporaryDirectory();
    let database: TestDatabase | undefined;
    let databaseUrl: string;
    let server: TestServer;
    const cliEnv = () => ({
      LATCHKEY_DATABASE_URL: databaseUrl,
      LATCHKEY_DATA_DIR: join(dir.path, 'data'),
    });

    before(async () => {
      if (store === 'PostgreSQL') {
        database = await createTestDatabase();
        databaseUrl = database.url;
      } else {
        databaseUrl = `sqlite:${join(dir.path, 'latchkey.db')}`;
      }
      server = await startTestServer({ dir: dir.path, databaseUrl });
    });
    after(async () => {
      await server?.stop();
      await database?.drop();
      dir.remove();
    });

    test('the JWKS publishes one key per algorithm with kid, alg and use, and no private parts', async () => {
      const response = await fetch(`${server.issuer}/.well-known/jwks.json`);
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /^application\/jwk-set\+json/);
      assert.equal(response.headers.get('cache-control'), 'public, max-age=60');
      const { keys } = (await response.json()) as { keys: Record<string, string>[] };
      assert.deepEqual(keys.map((key) => key.alg).sort(), [...algorithms].sort());
      for (const key of keys) {
        assert.ok(key.kid);
        assert.equal(key.use, 'sig');
        for (const privatePart of ['d', 'p', 'q', 'dp', 'dq', 'qi']) assert.equal(key[privatePart], undefined);
      }
    });

    test('jose.createRemoteJWKSet verifies a token signed by each key', async () => {
      const jwks = createRemoteJWKSet(new URL(`${server.issuer}/.well-known/jwks.json`));
      for (const alg of algorithms) {
        const token = await signWithServer(server, alg);
        const { payload, protectedHeader } = await jwtVerify(token, jwks, { issuer: server.issuer, algorithms: [alg] });
        assert.equal(payload.sub, 'subject-1');
        assert.equal(protectedHeader.alg, alg);
      }
    });

    test('after `latchkey keys rotate` the running server signs with the new keys and old tokens still verify', async () => {
      const oldTokens = await Promise.all(algorithms.map((alg) => signWithServer(server, alg)));
      const oldKids = oldTokens.map((token) => decodeProtectedHeader(token).kid);

      const rotated = await runCli(['keys', 'rotate', '--json'], { cwd: dir.path, env: cliEnv() });
      assert.equal(rotated.code, 0, rotated.stderr);
      const { rotated: entries } = JSON.parse(rotated.stdout) as { rotated: { alg: string; kid: string; previousKid: string }[] };
      assert.deepEqual(entries.map((entry) => entry.previousKid).sort(), [...oldKids].sort());

      // The server polls every second (keys.refreshIntervalSeconds=1 in tests): no restart.
      // Each algorithm's rotation commits on its own; wait until the server has picked up all three.
      const deadline = Date.now() + 10_000;
      const stale = () => algorithms.some((alg, index) => server.server.runtime.signingKeys.signingKey(alg).kid === oldKids[index]);
      while (stale() && Date.now() < deadline) await delay(100);

      const jwks = createRemoteJWKSet(new URL(`${server.issuer}/.well-known/jwks.json`));
      for (const [index, alg] of algorithms.entries()) {
        const fresh = await signWithServer(server, alg);
        const expectedKid = entries.find((entry) => entry.alg === alg)?.kid;
        assert.equal(decodeProtectedHeader(fresh).kid, expectedKid, `${alg} signs with the new key`);
        await jwtVerify(fresh, jwks);
        await jwtVerify(oldTokens[index]!, jwks);
      }
      const published = (await (await fetch(`${server.issuer}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] };
      assert.equal(published.keys.length, 6, 'three active and three retiring keys');

      const listed = await runCli(['keys', 'list', '--json'], { cwd: dir.path, env: cliEnv() });
      assert.equal(listed.code, 0, listed.stderr);
      const { keys } = JSON.parse(listed.stdout) as { keys: { kid: string; status: string; retireAt: string | null }[] };
      for (const kid of oldKids) {
        const entry = keys.find((key) => key.kid === kid);
        assert.equal(entry?.status, 'retiring');
        assert.ok(
          entry?.retireAt && Date.parse(entry.retireAt) > Date.now() + 12 * 3600_000 - 60_000,
          'published for the longest token lifetime (12 h of ID token validity)',
        );
      }
    });

    test('`latchkey keys rotate --alg ES256` rotates only that algorithm', async () => {
      const before = server.server.runtime.signingKeys.signingKey('RS256').kid;
      const result = await runCli(['keys', 'rotate', '--alg', 'ES256', '--json'], { cwd: dir.path, env: cliEnv() });
      assert.equal(result.code, 0, result.stderr);
      const { rotated } = JSON.parse(result.stdout) as { rotated: { alg: string }[] };
      assert.deepEqual(
        rotated.map((entry) => entry.alg),
        ['ES256'],
      );
      await server.server.runtime.signingKeys.refresh();
      assert.equal(server.server.runtime.signingKeys.signingKey('RS256').kid, before);
    });

    test('`latchkey keys rotate --alg` refuses an unknown algorithm', async () => {
      const result = await runCli(['keys', 'rotate', '--alg', 'HS256'], { cwd: dir.path, env: cliEnv() });
      assert.equal(result.code, 1);
      assert.match(result.stderr, /unknown algorithm HS256; expected one of RS256, ES256, EdDSA/);
    });

    test('an unchanged JWKS answers 304 to If-None-Match', async () => {
      const first = await fetch(`${server.issuer}/.well-known/jwks.json`);
      const second = await fetch(`${server.issuer}/.well-known/jwks.json`, { headers: { 'if-none-match': first.headers.get('etag')! } });
      assert.equal(second.status, 304);
    });
  });
}

jwksSuite('SQLite', false);
if (postgresSkipReason) console.log(`# ${postgresSkipReason}`);
jwksSuite('PostgreSQL', postgresSkipReason);
