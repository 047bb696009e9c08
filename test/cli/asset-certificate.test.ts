import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { runCli } from '../support/cli.js';
import { temporaryDirectory } from '../support/server.js';

const secret = 'asset-cli-secret-asset-cli-secret-012345';
const fixturePath = (name: string) => fileURLToPath(new URL(`../fixtures/certificates/${name}`, import.meta.url));

describe('apps set-asset-certificate and asset token settings from the CLI', () => {
  const dir = temporaryDirectory('latchkey-cli-asset-');
  after(() => dir.remove());
  const cli = (...args: string[]) => runCli(args, { cwd: dir.path, env: { LATCHKEY_SECRET: secret } });

  test('the certificate is set and signs asset tokens; the private key is never printed; removal waits until nothing signs with it', async () => {
    const created = await cli(
      'apps',
      'create',
      '--type',
      'web',
      '--name',
      'Device companion',
      '--redirect-uri',
      'https://companion.example.com/cb',
      '--grant-type',
      'authorization_code',
      '--grant-type',
      'urn:ietf:params:oauth:grant-type:token-exchange',
      '--json',
    );
    assert.equal(created.code, 0, created.stderr);
    const { clientId } = JSON.parse(created.stdout) as { clientId: string };

    const set = await cli(
      'apps',
      'set-asset-certificate',
      clientId,
      '--certificate-file',
      fixturePath('ec-valid.pem'),
      '--private-key-file',
      fixturePath('ec-valid.key'),
    );
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /^Asset signing certificate set: ES256, /);
    const keyLine = readFileSync(fixturePath('ec-valid.key'), 'utf8').split('\n')[1]!;
    assert.equal(set.stdout.includes(keyLine) || set.stderr.includes(keyLine), false);

    const mismatch = await cli(
      'apps',
      'set-asset-certificate',
      clientId,
      '--certificate-file',
      fixturePath('ec-valid.pem'),
      '--private-key-file',
      fixturePath('rsa-valid.key'),
    );
    assert.equal(mismatch.code, 1);
    assert.match(mismatch.stderr, /Private key: does not match the certificate/);
    assert.equal(mismatch.stderr.includes(readFileSync(fixturePath('rsa-valid.key'), 'utf8').split('\n')[1]!), false);

    const enabled = await cli(
      'apps',
      'update',
      clientId,
      '--set',
      'assetTokens.enabled=true',
      '--set',
      'assetTokens.signing=certificate',
      '--set',
      'assetTokens.audiences=["urn:example:vault"]',
      '--json',
    );
    assert.equal(enabled.code, 0, enabled.stderr);
    assert.deepEqual((JSON.parse(enabled.stdout) as { assetTokens: unknown }).assetTokens, {
      enabled: true,
      validityMinutes: 60,
      audiences: ['urn:example:vault'],
      signing: 'certificate',
      customAttributes: {},
    });

    const refused = await cli('apps', 'remove-asset-certificate', clientId);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /asset tokens are signed with this certificate/);
    assert.equal((await cli('apps', 'update', clientId, '--set', 'assetTokens.signing=server')).code, 0);
    const removed = await cli('apps', 'remove-asset-certificate', clientId);
    assert.equal(removed.code, 0, removed.stderr);
  });
});
