import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { runCli } from '../support/cli.js';
import { temporaryDirectory } from '../support/server.js';

const secret = 'apps-cli-secret-apps-cli-secret-0123456';

describe("apps create and show print a machine-to-machine app's audience + scope pairs", () => {
  const dir = temporaryDirectory('latchkey-cli-apps-');
  after(() => dir.remove());
  const cli = (...args: string[]) => runCli(args, { cwd: dir.path, env: { LATCHKEY_SECRET: secret } });

  test('--grant names the pairs; create and show print them, one API a line', async () => {
    for (const [identifier, scopes] of [
      ['https://orders.example.com', ['orders:read:Read orders', 'orders:write']],
      ['https://billing.example.com', ['invoices:read']],
    ] as const) {
      const api = await cli('apis', 'create', '--identifier', identifier, '--name', identifier, ...scopes.flatMap((scope) => ['--scope', scope]));
      assert.equal(api.code, 0, api.stderr);
    }

    const missing = await cli('apps', 'create', '--type', 'm2m', '--name', 'Nightly export');
    assert.equal(missing.code, 1, missing.stdout);
    assert.match(missing.stderr, /apiGrants: a machine-to-machine app needs at least one audience \+ scope pair/);

    const created = await cli(
      'apps',
      'create',
      '--type',
      'm2m',
      '--name',
      'Nightly export',
      '--grant',
      'https://orders.example.com=orders:read,orders:write',
      '--grant',
      'https://billing.example.com=invoices:read',
    );
    assert.equal(created.code, 0, created.stderr);
    assert.match(
      created.stdout,
      /API grants:\n {2}https:\/\/orders\.example\.com {3}orders:read orders:write\n {2}https:\/\/billing\.example\.com {2}invoices:read\n/,
    );
    assert.match(created.stdout, /client_secret: lk_cs_/);
    const clientId = /client_id:\s+(\S+)/.exec(created.stdout)![1]!;

    const shown = await cli('apps', 'show', clientId);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(
      shown.stdout,
      /API grants:\n {2}https:\/\/orders\.example\.com {3}orders:read orders:write\n {2}https:\/\/billing\.example\.com {2}invoices:read\n/,
    );
    assert.doesNotMatch(shown.stdout, /client_secret/);

    const updated = await cli('apps', 'update', clientId, '--grant', 'https://billing.example.com=invoices:read');
    assert.equal(updated.code, 0, updated.stderr);
    assert.match(updated.stdout, /API grants:\n {2}https:\/\/billing\.example\.com {2}invoices:read\n/);
    assert.doesNotMatch(updated.stdout, /orders\.example\.com/, '--grant replaces the pairs, as the API does');
  });

  test('an app without pairs prints none', async () => {
    const web = await cli('apps', 'create', '--type', 'web', '--name', 'Portal', '--redirect-uri', 'https://portal.example.com/cb');
    assert.equal(web.code, 0, web.stderr);
    assert.doesNotMatch(web.stdout, /API grants/);
  });
});

describe('apps secrets and end-secret-grace', () => {
  const dir = temporaryDirectory('latchkey-cli-secrets-');
  after(() => dir.remove());
  const cli = (...args: string[]) => runCli(args, { cwd: dir.path, env: { LATCHKEY_SECRET: secret } });

  test('secrets lists the working secrets; end-secret-grace stops the previous one at once', async () => {
    const web = await cli('apps', 'create', '--type', 'web', '--name', 'Rotating', '--redirect-uri', 'https://rotating.example.com/cb');
    assert.equal(web.code, 0, web.stderr);
    const clientId = /client_id:\s+(\S+)/.exec(web.stdout)![1]!;
    const rotated = await cli('apps', 'rotate-secret', clientId, '--grace-period', '3600');
    assert.equal(rotated.code, 0, rotated.stderr);

    const listed = await cli('apps', 'secrets', clientId);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^ID\s+STATE\s+CREATED\s+STOPS WORKING\n\S+\s+current\s+\S+\s+—\n\S+\s+previous \(grace period\)\s+\S+\s+\d{4}-/);
    assert.doesNotMatch(listed.stdout, /lk_cs_/);

    const ended = await cli('apps', 'end-secret-grace', clientId);
    assert.equal(ended.code, 0, ended.stderr);
    assert.match(ended.stdout, /Only the current secret works now/);
    const after = await cli('apps', 'secrets', clientId, '--json');
    const items = (JSON.parse(after.stdout) as { items: { current: boolean }[] }).items;
    assert.deepEqual(
      items.map((item) => item.current),
      [true],
    );
  });
});
