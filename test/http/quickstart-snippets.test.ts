// The quickstart an app's page shows, run as a developer would copy it, against a server: an M2M
// app's curl command, openid-client and authlib scripts with the real secret in CLIENT_SECRET, and a
// device app's openid-client and authlib scripts through a user's approval. (The authlib ones need a
// Python with authlib and requests: LATCHKEY_TEST_PYTHON.)
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { decodeJwt } from 'jose';
import { quickstartFor } from '../../src/contracts/quickstart.js';
import { operatorActor } from '../../src/domain/access/actor.js';
import { decideDeviceCode } from '../support/device.js';
import { apiIdentifier, oauthFixture, type OAuthFixture } from '../support/oauth.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));

// The authlib snippet runs where a Python with authlib and requests is at hand (LATCHKEY_TEST_PYTHON, else python3).
const python = process.env.LATCHKEY_TEST_PYTHON ?? 'python3';
const authlibSkipReason = await run(python, ['-c', 'import authlib, requests'])
  .then(() => undefined)
  .catch(() => `${python} has no authlib and requests: the authlib snippet is not run (set LATCHKEY_TEST_PYTHON)`);
if (authlibSkipReason) console.log(`# ${authlibSkipReason}`);

type Quickstart = ReturnType<typeof quickstartFor>;

/** The quickstart of a registered app, as its console page renders it. */
async function quickstartOf(fixture: OAuthFixture, clientId: string): Promise<Quickstart> {
  const app = await fixture.server.server.runtime.registry.apps.get({ actor: operatorActor }, clientId);
  return quickstartFor(fixture.issuer, { type: app.type, clientId, ...app.settings });
}

/**
 * Runs a device flow script as its user would: it prints where to go and the user code, the user
 * approves it, the script's polling gets the tokens and it prints the access token last.
 */
async function runDeviceScript(fixture: OAuthFixture, command: string, args: string[]): Promise<string> {
  // Unbuffered: Python holds back what it prints to a pipe, so the user code would never show.
  const child = spawn(command, args, { cwd: root, env: { PATH: process.env.PATH ?? '', PYTHONUNBUFFERED: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  try {
    const userCode = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const code = /enter ([A-Z]{4}-[A-Z]{4})/.exec(stdout)?.[1];
        if (code) resolve(code);
      });
      void exited.then(() => reject(new Error(`the script ended without a user code:\n${stdout}\n${stderr}`)));
    });
    assert.match(await decideDeviceCode(fixture, userCode), /Device connected/);
    assert.equal(await exited, 0, stderr);
    return stdout.trim().split('\n').at(-1)!;
  } finally {
    child.kill();
  }
}

describe('the quickstart snippets of a machine-to-machine app', () => {
  let fixture: OAuthFixture;
  let clientId = '';
  let clientSecret = '';
  let snippets: Map<string, string>;

  before(async () => {
    fixture = await oauthFixture();
    const made = await fixture.createApp({
      name: 'Nightly export',
      type: 'm2m',
      apiGrants: [{ audience: apiIdentifier, scopes: ['read:contacts'] }],
    });
    clientId = made.clientId;
    clientSecret = made.clientSecret!;
    snippets = new Map((await quickstartOf(fixture, clientId)).snippets.map((snippet) => [snippet.id, snippet.code]));
  });
  after(() => fixture?.stop());

  const env = (secret: string) => ({ PATH: process.env.PATH ?? '', CLIENT_SECRET: secret });

  function assertToken(accessToken: string) {
    const claims = decodeJwt(accessToken);
    assert.equal(claims.aud, apiIdentifier);
    assert.equal(claims.scope, 'read:contacts');
    assert.equal(claims.client_id, clientId);
  }

  test('the curl command gets a token for the API with the secret substituted', async () => {
    const { stdout } = await run('bash', ['-c', snippets.get('curl')!], { env: env(clientSecret) });
    const body = JSON.parse(stdout) as Record<string, unknown>;
    assert.equal(body.token_type, 'Bearer', stdout);
    assertToken(String(body.access_token));
  });

  test('the curl command with a wrong secret is refused: invalid_client', async () => {
    const { stdout } = await run('bash', ['-c', snippets.get('curl')!], { env: env(`${clientSecret}x`) });
    assert.equal((JSON.parse(stdout) as { error: string }).error, 'invalid_client');
  });

  test('the openid-client script gets a token for the API', async () => {
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', snippets.get('openid-client')!], { env: env(clientSecret), cwd: root });
    const [accessToken, expiresIn] = stdout.trim().split(' ');
    assertToken(accessToken!);
    assert.ok(Number(expiresIn) > 0);
  });

  test('the authlib script gets a token for the API', { skip: authlibSkipReason }, async () => {
    const { stdout } = await run(python, ['-c', snippets.get('authlib')!], { env: env(clientSecret) });
    assertToken(stdout.trim());
  });
});

describe('the quickstart snippets of a device app', () => {
  let fixture: OAuthFixture;
  let snippets: Map<string, string>;

  before(async () => {
    fixture = await oauthFixture();
    const { clientId } = await fixture.createApp({
      name: 'Living Room TV',
      type: 'device',
      scopes: ['openid', 'profile'],
      deviceCode: { pollIntervalSeconds: 1 },
    });
    snippets = new Map((await quickstartOf(fixture, clientId)).snippets.map((snippet) => [snippet.id, snippet.code]));
  });
  after(() => fixture?.stop());

  const assertUserToken = async (accessToken: string) => {
    const userinfo = await fetch(`${fixture.issuer}/oauth2/userinfo`, { headers: { authorization: `Bearer ${accessToken}` } });
    assert.equal(userinfo.status, 200, await userinfo.clone().text());
    assert.equal(((await userinfo.json()) as { sub: string }).sub, fixture.user.id);
  };

  test('the openid-client script shows the code, polls, and gets the user a token', { timeout: 60_000 }, async () => {
    await assertUserToken(await runDeviceScript(fixture, process.execPath, ['--input-type=module', '-e', snippets.get('openid-client')!]));
  });

  test('the authlib script shows the code, polls, and gets the user a token', { skip: authlibSkipReason, timeout: 60_000 }, async () => {
    await assertUserToken(await runDeviceScript(fixture, python, ['-c', snippets.get('authlib')!]));
  });
});
