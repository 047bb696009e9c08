import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { runCli, type CliResult } from '../support/cli.js';
import { temporaryDirectory } from '../support/server.js';

const secret = 'connections-cli-secret-0123456789abcdef';
const upstreamSecret = 'the-upstream-client-secret-never-printed';

interface ConnectionJson {
  id: string;
  orgId: string | null;
  name: string;
  domains: string[];
  scopes: string[];
  claimMapping: Record<string, string>;
  trustUpstreamMfa: boolean;
  enabled: boolean;
  clientSecretSet: boolean;
  callbackUrl: string;
}

describe('latchkey connections on the local database', () => {
  const dir = temporaryDirectory('latchkey-cli-connections-');
  const env = { LATCHKEY_SECRET: secret };
  after(() => dir.remove());
  const cli = (...args: string[]) => runCli(args, { cwd: dir.path, env });
  const refused = (result: CliResult, message: RegExp) => {
    assert.equal(result.code, 1, `stdout: ${result.stdout}\nstderr: ${result.stderr}`);
    assert.match(result.stderr, message);
  };

  test('create, list, show, update and delete a server connection; the secret is never printed', async () => {
    const secretFile = join(dir.path, 'upstream-secret.txt');
    writeFileSync(secretFile, `${upstreamSecret}\n`);
    const created = await cli(
      'connections',
      'create',
      '--name',
      'corp',
      '--display-name',
      'Corp SSO',
      '--issuer-url',
      'https://idp.corp.example',
      '--client-id',
      'latchkey',
      '--client-secret-file',
      secretFile,
      '--domain',
      'corp.example',
      '--map',
      'email=mail',
      '--trust-upstream-mfa',
      '--json',
    );
    assert.equal(created.code, 0, created.stderr);
    const connection = JSON.parse(created.stdout) as ConnectionJson;
    assert.equal(connection.orgId, null);
    assert.deepEqual(connection.domains, ['corp.example']);
    assert.deepEqual(connection.claimMapping, { email: 'mail' });
    assert.equal(connection.trustUpstreamMfa, true);
    assert.equal(connection.clientSecretSet, true);
    assert.match(connection.callbackUrl, /\/federation\/callback$/);

    const listed = await cli('connections', 'list');
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /corp\s+Corp SSO\s+https:\/\/idp\.corp\.example\s+corp\.example\s+yes/);
    const shown = await cli('connections', 'show', connection.id);
    assert.match(shown.stdout, /client secret:\s+set \(write-only\)/);
    assert.match(shown.stdout, /callback URL:/);

    const updated = await cli('connections', 'update', connection.id, '--enabled', 'false', '--scope', 'openid email', '--json');
    assert.equal(updated.code, 0, updated.stderr);
    const after = JSON.parse(updated.stdout) as ConnectionJson;
    assert.equal(after.enabled, false);
    assert.deepEqual(after.scopes, ['openid', 'email']);

    for (const output of [created, listed, shown, updated]) assert.ok(!`${output.stdout}${output.stderr}`.includes(upstreamSecret));

    refused(await cli('connections', 'delete', connection.id), /run again with --yes/);
    const deleted = await cli('connections', 'delete', connection.id, '--yes');
    assert.equal(deleted.code, 0, deleted.stderr);
    refused(await cli('connections', 'show', connection.id), /was not found/);
  });

  test('bad settings are refused with the rule they broke', async () => {
    refused(
      await cli(
        'connections',
        'create',
        '--name',
        'plain',
        '--display-name',
        'Plain',
        '--issuer-url',
        'http://idp.example.com',
        '--client-id',
        'x',
        '--client-secret',
        'y',
      ),
      /issuer: must use https; plain http is allowed only on loopback hosts/,
    );
    refused(await cli('connections', 'create', '--name', 'nomap', '--map', 'email'), /--map takes field=claim/);
    refused(await cli('connections', 'update', 'con_x'), /nothing to change/);
    const org = await cli(
      'connections',
      'create',
      '--org',
      'nope',
      '--name',
      'x',
      '--display-name',
      'X',
      '--issuer-url',
      'https://i.example',
      '--client-id',
      'x',
      '--client-secret',
      'y',
    );
    refused(org, /organization nope was not found/);
  });
});
