import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { operatorActor } from '../../src/domain/access/actor.js';
import { runCli } from '../support/cli.js';
import { obtainCode, postForm, redeem } from '../support/flows.js';
import { oauthFixture, redirectUri, type OAuthFixture } from '../support/oauth.js';
import { startTestServer, temporaryDirectory, type TestServer } from '../support/server.js';

const secretA = 'rotation-test-secret-A-rotation-test-secret-A';
const secretB = 'rotation-test-secret-B-rotation-test-secret-B';
const opaqueApi = 'https://reports.example.test';
const context = { actor: operatorActor };

interface Credentials {
  clientId: string;
  clientSecret: string;
  accessToken: string;
  refreshToken: string;
  pat: string;
}

async function introspect(server: TestServer, credentials: { clientId: string; clientSecret: string }, token: string) {
  return postForm(`${server.issuer}/oauth2/introspect`, { token }, { basic: [credentials.clientId, credentials.clientSecret] });
}

async function refresh(server: TestServer, credentials: { clientId: string; clientSecret: string }, refreshToken: string) {
  return postForm(
    `${server.issuer}/oauth2/token`,
    { grant_type: 'refresh_token', refresh_token: refreshToken },
    { basic: [credentials.clientId, credentials.clientSecret] },
  );
}

async function patWorks(server: TestServer, pat: string): Promise<number> {
  const response = await fetch(`${server.issuer}/api/v1/me/consents`, { headers: { authorization: `Bearer ${pat}` } });
  await response.body?.cancel();
  return response.status;
}

function cliEnv(dir: string, env: Record<string, string>): Record<string, string> {
  return { LATCHKEY_DATABASE_URL: `sqlite:${join(dir, 'latchkey.db')}`, LATCHKEY_DATA_DIR: join(dir, 'data'), ...env };
}

describe('rotating the server secret (LATCHKEY_PREVIOUS_SECRETS)', () => {
  const dir = temporaryDirectory();
  let first: OAuthFixture;
  let made: Credentials;
  let oldPat = '';
  let untouchedApp = { clientId: '', clientSecret: '' };
  let totp = { factorId: '', secret: '' };
  after(() => dir.remove());

  before(async () => {
    first = await oauthFixture({ dir: dir.path, env: { LATCHKEY_SECRET: secretA } });
    await first.server.server.runtime.registry.apis.create(context, first.orgId, {
      identifier: opaqueApi,
      name: 'Reports API',
      scopes: [{ name: 'read:reports' }],
      tokenFormat: 'opaque',
      allowOfflineAccess: true,
    });
    const app = await first.createApp({
      name: 'Web',
      type: 'web',
      redirectUris: [redirectUri],
      scopes: ['openid', 'offline_access', 'read:reports'],
      grantTypes: ['authorization_code', 'refresh_token'],
    });
    const code = await obtainCode(first, app.clientId, { scope: 'openid offline_access read:reports', audience: opaqueApi });
    const tokens = await redeem(first, code, app.clientId, app.clientSecret);
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
    assert.match(String(tokens.body.access_token), /^lk_at_/, 'an opaque access token');
    const { token: pat } = await first.server.server.runtime.registry.tokens.create(context, first.user.id, { name: 'self', scopes: ['apps:read'] });
    made = {
      clientId: app.clientId,
      clientSecret: app.clientSecret!,
      accessToken: String(tokens.body.access_token),
      refreshToken: String(tokens.body.refresh_token),
      pat,
    };
    oldPat = pat;
    // An app whose secret is never re-made: it stops working once the old secret is dropped.
    const untouched = await first.createApp({ name: 'Untouched', type: 'm2m', apiGrants: [{ audience: opaqueApi, scopes: ['read:reports'] }] });
    untouchedApp = { clientId: untouched.clientId, clientSecret: untouched.clientSecret! };
    // An authenticator app secret sealed with A (enrollment started, not confirmed).
    totp = await first.server.server.runtime.registry.secondFactors.startTotp(first.user.id, first.user.email);
    // An asset signing key sealed with A.
    const certificateFile = (name: string) => readFileSync(new URL(`../fixtures/certificates/${name}`, import.meta.url), 'utf8');
    await first.server.server.runtime.registry.apps.setAssetSigningKey(context, app.clientId, {
      certificate: certificateFile('ec-valid.pem'),
      privateKey: certificateFile('ec-valid.key'),
    });
    assert.equal((await introspect(first.server, made, made.accessToken)).body.active, true);
    await first.stop();
  });

  test('a wrong secret with no matching previous secret still fails to start with the clear error', async () => {
    await assert.rejects(
      startTestServer({ dir: dir.path, logLevel: 'warn', env: { LATCHKEY_SECRET: secretB } }),
      /LATCHKEY_SECRET is not the secret they were encrypted with/,
    );
    await assert.rejects(
      startTestServer({
        dir: dir.path,
        logLevel: 'warn',
        env: { LATCHKEY_SECRET: secretB, LATCHKEY_PREVIOUS_SECRETS: 'not-the-secret-either-not-the-secret-either' },
      }),
      /neither LATCHKEY_SECRET nor any of LATCHKEY_PREVIOUS_SECRETS/,
    );
  });

  test('with the new secret and the old one as previous: everything made before keeps working, and secret status names it', async () => {
    const server = await startTestServer({ dir: dir.path, logLevel: 'info', env: { LATCHKEY_SECRET: secretB, LATCHKEY_PREVIOUS_SECRETS: secretA } });
    try {
      assert.ok(
        server.logs.entries().some((entry) => entry.msg === 're-encrypted signing keys with the current server secret'),
        'the signing keys were re-encrypted at start',
      );
      assert.ok(
        server.logs
          .entries()
          .some((entry) => entry.msg === 're-encrypted authenticator app and connection secrets with the current server secret' && entry.totpSecrets === 1),
        'the TOTP secret was re-encrypted at start',
      );
      const assetKey = await server.server.runtime.storage.apps.getAssetSigningKey(made.clientId);
      const opened = await server.server.runtime.keys.assetSigningKeyEncryption.openWithIndex(assetKey!.sealedPrivateKey);
      assert.equal(opened.keyIndex, 0, 'the asset signing key was re-encrypted with the current secret at start');
      // The client secret (compared) and the opaque access token (looked up by hash) made with A.
      assert.equal((await introspect(server, made, made.accessToken)).body.active, true);
      assert.equal(await patWorks(server, made.pat), 200);
      assert.equal((await introspect(server, untouchedApp, made.accessToken)).status, 200, 'a client secret made with the previous secret');

      const before = await runCli(['secret', 'status', '--json'], {
        cwd: dir.path,
        env: cliEnv(dir.path, { LATCHKEY_SECRET: secretB, LATCHKEY_PREVIOUS_SECRETS: secretA }),
      });
      assert.equal(before.code, 0, before.stderr);
      const status = JSON.parse(before.stdout) as {
        current: { id: string };
        previous: { id: string; dependencies: Record<string, number>; safeToDrop: boolean }[];
      };
      assert.equal(status.previous.length, 1);
      assert.notEqual(status.previous[0]!.id, status.current.id);
      assert.doesNotMatch(before.stdout, new RegExp(secretA), 'never the secret itself');
      const dependencies = status.previous[0]!.dependencies;
      assert.equal(dependencies.clientSecrets, 2);
      assert.equal(dependencies.personalAccessTokens, 1);
      assert.equal(dependencies.refreshTokens, 1);
      assert.equal(dependencies.opaqueAccessTokens, 1);
      assert.equal(dependencies.signingKeys, 0, 're-encrypted at start');
      assert.equal(dependencies.totpSecrets, 0, 're-encrypted at start');
      assert.equal(dependencies.assetSigningKeys, 0, 're-encrypted at start');
      assert.equal(status.previous[0]!.safeToDrop, false);

      // The refresh token made with A rotates; what comes back is made with B.
      const refreshed = await refresh(server, made, made.refreshToken);
      assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
      assert.equal((await introspect(server, made, String(refreshed.body.access_token))).body.active, true, 'a newly issued token works');

      // Re-make the client secret and the PAT with the new secret.
      const registry = server.server.runtime.registry;
      const { clientSecret } = await registry.apps.rotateSecret(context, made.clientId);
      const { token: pat } = await registry.tokens.create(context, first.user.id, { name: 'new', scopes: ['apps:read'] });
      made = { ...made, clientSecret, pat, accessToken: String(refreshed.body.access_token), refreshToken: String(refreshed.body.refresh_token) };

      const text = await runCli(['secret', 'status'], {
        cwd: dir.path,
        env: cliEnv(dir.path, { LATCHKEY_SECRET: secretB, LATCHKEY_PREVIOUS_SECRETS: secretA }),
      });
      assert.equal(text.code, 0, text.stderr);
      assert.match(text.stdout, /Previous secret [0-9a-f]{8}: not safe to drop/);
      assert.match(text.stdout, /personal access tokens\s+1/, 'the old PAT still depends on it');
      assert.doesNotMatch(text.stdout, /refresh tokens/, 'the refreshed family no longer does');
    } finally {
      await server.stop();
    }
  });

  test('after dropping the previous secret: the server starts, what was made with it fails, what was re-made works', async () => {
    const server = await startTestServer({ dir: dir.path, logLevel: 'warn', env: { LATCHKEY_SECRET: secretB } });
    try {
      assert.equal(await patWorks(server, made.pat), 200, 'the PAT made with the new secret');
      assert.equal(
        (await server.server.runtime.registry.secondFactors.pendingTotp(first.user.id, totp.factorId))?.secret,
        totp.secret,
        'the re-encrypted TOTP secret',
      );
      assert.equal((await introspect(server, made, made.accessToken)).body.active, true, 'the rotated client secret and the new token');
      const refreshed = await refresh(server, made, made.refreshToken);
      assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
      assert.equal(await patWorks(server, oldPat), 401, 'the PAT made with the dropped secret');
      const stale = await introspect(server, untouchedApp, made.accessToken);
      assert.equal(stale.status, 401, 'a client secret made with the dropped secret');
    } finally {
      await server.stop();
    }
  });
});
