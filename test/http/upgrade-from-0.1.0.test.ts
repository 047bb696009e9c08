import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { generate } from 'otplib';
import { operatorActor } from '../../src/domain/access/actor.js';
import { migrations } from '../../src/storage/sql/migrations/index.js';
import { postForm } from '../support/flows.js';
import { startTestServer, temporaryDirectory, type TestServer } from '../support/server.js';

/**
 * A database as Latchkey 0.1.0 left it (test/fixtures/upgrade: an organization, a user with a
 * password and an authenticator app, an API, a web app and a machine-to-machine app with
 * secrets, three signing keys), opened by this version: it migrates, and everything in it works.
 */
const fixture = {
  secret: 'upgrade-test-secret-0123456789abcdef0123456789',
  userId: 'usr_9LF8iBha8KrqvDPf',
  email: 'ada@acme.example',
  password: 'correct horse battery staple',
  totpSecret: 'HFMG43LFMVR3VEJ7NYWIWNI6PZDLSYMB',
  web: { clientId: 'I8hBFnze2zFopq1x0jdXa0fr', clientSecret: 'lk_cs_IKAiVIOdFJkAzR6EB3rqteIo7xBD7u4-Z2NQ2iCnsMUehsHdQ' },
  m2m: { clientId: 'lqW1K6EvIPVrf1BHVLl4pbiI', clientSecret: 'lk_cs_LJK8QHdXDwxw3POOu7o-6iVQ-TbWOWsuFNd4hZUrWvEqdLnEQ' },
  kids: ['Vm2zX5aZMWtDYakN7bwNQGRsb-o0JFWQjesyjCMDJWQ', 'hwDMucTPovAxYOqGZdAXsiZOe0b_BOYfMyNzMEVpBX8', 'xDDOzY0hpg8SJuKkEsZpR0dazVqP7n8e9ISkHgpE-zA'],
  api: 'https://api.acme.example',
};

describe('upgrading a 0.1.0 database', () => {
  const directory = temporaryDirectory();
  const file = join(directory.path, 'latchkey.db');
  let server: TestServer;
  let appliedBefore: string[];

  before(async () => {
    const database = new Database(file);
    database.exec(readFileSync(new URL('../fixtures/upgrade/latchkey-0.1.0.sql', import.meta.url), 'utf8'));
    appliedBefore = database
      .prepare('select name from kysely_migration order by name')
      .all()
      .map((row) => (row as { name: string }).name);
    database.close();
    server = await startTestServer({ databaseUrl: `sqlite:${file}`, dir: directory.path, env: { LATCHKEY_SECRET: fixture.secret } });
  });
  after(async () => {
    await server?.stop();
    directory.remove();
  });

  test('every migration since 0.1.0 is applied on start', () => {
    assert.equal(appliedBefore.length, 13, 'the fixture is the 0.1.0 schema');
    const database = new Database(file, { readonly: true });
    const applied = database
      .prepare('select name from kysely_migration order by name')
      .all()
      .map((row) => (row as { name: string }).name);
    database.close();
    assert.deepEqual(applied, Object.keys(migrations).sort());
  });

  test('the signing keys are still the same keys, decrypted with the same secret, and still sign', async () => {
    const jwks = (await (await fetch(`${server.issuer}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] };
    for (const kid of fixture.kids)
      assert.ok(
        jwks.keys.some((key) => key.kid === kid),
        `key ${kid} is published`,
      );
    const response = await postForm(
      `${server.issuer}/oauth2/token`,
      { grant_type: 'client_credentials' },
      { basic: [fixture.m2m.clientId, fixture.m2m.clientSecret] },
    );
    assert.equal(response.status, 200, JSON.stringify(response.body));
    const { payload, protectedHeader } = await jwtVerify(
      String(response.body.access_token),
      createRemoteJWKSet(new URL(`${server.issuer}/.well-known/jwks.json`)),
    );
    assert.ok(fixture.kids.includes(protectedHeader.kid!), 'signed with a key made by 0.1.0');
    assert.equal(payload.aud, fixture.api);
    assert.equal(payload.scope, 'read:things');
  });

  test("the apps' client secrets still verify, and their settings read with the defaults of settings added since", async () => {
    const registry = server.server.runtime.registry;
    assert.equal(await registry.apps.verifySecret(fixture.web.clientId, fixture.web.clientSecret), true);
    assert.equal(await registry.apps.verifySecret(fixture.web.clientId, `${fixture.web.clientSecret}x`), false);
    const web = await registry.apps.get({ actor: operatorActor }, fixture.web.clientId);
    assert.deepEqual(web.settings.redirectUris, ['https://client.example.test/callback']);
    assert.equal(web.settings.idToken.signingAlg, 'RS256');
    assert.deepEqual(web.settings.deviceCode, { lifetimeSeconds: null, pollIntervalSeconds: null });
  });

  test("the user's password and authenticator app still work", async () => {
    const registry = server.server.runtime.registry;
    const signedIn = await registry.signIn.attempt(fixture.email, fixture.password, '192.0.2.10');
    assert.equal(signedIn.ok, true, JSON.stringify(signedIn));
    assert.deepEqual(await registry.secondFactors.methodsOf(fixture.userId), ['totp', 'recovery_code']);
    const check = await registry.secondFactors.verifyTotp(fixture.userId, await generate({ secret: fixture.totpSecret }), '192.0.2.10');
    assert.equal(check.ok, true, 'the sealed TOTP secret opens with the same server secret');
  });
});
