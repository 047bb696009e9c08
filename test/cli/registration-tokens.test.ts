import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { runCli } from '../support/cli.js';
import { temporaryDirectory } from '../support/server.js';

const env = { LATCHKEY_SECRET: 'registration-cli-secret-0123456789abcdef' };

describe('latchkey registration-tokens', () => {
  const dir = temporaryDirectory('latchkey-cli-registration-');
  after(() => dir.remove());
  const cli = (...args: string[]) => runCli(args, { cwd: dir.path, env });

  test('create prints the token once with its policy; list shows it without the token; revoke ends it', async () => {
    const created = await cli(
      'registration-tokens',
      'create',
      '--name',
      'partners',
      '--max-uses',
      '3',
      '--app-type',
      'web,spa',
      '--redirect-host',
      '*.partner.example',
      '--scope',
      'openid',
      '--json',
    );
    assert.equal(created.code, 0, created.stderr);
    const token = JSON.parse(created.stdout) as { id: string; token: string; maxUses: number; policy: Record<string, unknown> };
    assert.match(token.token, /^lk_iat_/);
    assert.equal(token.maxUses, 3);
    assert.deepEqual(token.policy, {
      appTypes: ['web', 'spa'],
      grantTypes: ['authorization_code', 'refresh_token'],
      scopes: ['openid'],
      redirectUriHosts: ['*.partner.example'],
    });

    const listed = await cli('registration-tokens', 'list');
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, new RegExp(`${token.id}\\s+partners\\s+active\\s+3/3`));
    assert.doesNotMatch(listed.stdout, /lk_iat_/);

    const revoked = await cli('registration-tokens', 'revoke', token.id);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.match((await cli('registration-tokens', 'list')).stdout, /revoked/);

    const refused = await cli('registration-tokens', 'create', '--name', 'bad', '--app-type', 'kiosk');
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /appTypes/);
  });
});
