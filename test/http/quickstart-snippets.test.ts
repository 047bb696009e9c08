// The quickstart an app's page shows, run as a developer would copy it: the generated curl command
// and openid-client script of an M2M app, with the real secret in CLIENT_SECRET, against a server.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { decodeJwt } from 'jose';
import { quickstartFor } from '../../src/contracts/quickstart.js';
import { operatorActor } from '../../src/domain/access/actor.js';
import { apiIdentifier, oauthFixture, type OAuthFixture } from '../support/oauth.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));

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
    const app = await fixture.server.server.runtime.registry.apps.get({ actor: operatorActor }, clientId);
    const quickstart = quickstartFor(fixture.issuer, {
      type: app.type,
      clientId,
      redirectUris: app.settings.redirectUris,
      scopes: app.settings.scopes,
      apiGrants: app.settings.apiGrants,
      grantTypes: app.settings.grantTypes,
      tokenEndpointAuthMethod: app.settings.tokenEndpointAuthMethod,
    });
    snippets = new Map(quickstart.snippets.map((snippet) => [snippet.id, snippet.code]));
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
});
