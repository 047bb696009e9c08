import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { runCli } from '../support/cli.js';
import { temporaryDirectory } from '../support/server.js';

describe('latchkey init', () => {
  const dir = temporaryDirectory();
  after(() => dir.remove());
  const env = { LATCHKEY_ISSUER: 'http://localhost:3999' };
  const init = (email: string, password: string, extra: string[] = []) =>
    runCli(['init', '--admin-email', email, '--password-stdin', ...extra], { cwd: dir.path, env, input: `${password}\n` });

  test('a password the rule refuses is named, and nothing is created', async () => {
    const result = await init('root@example.test', 'password');
    assert.equal(result.code, 1);
    assert.match(result.stderr, /password: is too common/);
  });

  test('creates the first administrator and organization once; a second run refuses with exit code 3 and changes nothing', async () => {
    const first = await init('root@example.test', 'a long first-run passphrase', ['--name', 'Root', '--org-name', 'Acme Corp.', '--json']);
    assert.equal(first.code, 0, first.stderr);
    const created = JSON.parse(first.stdout) as { user: { email: string; isAdmin: boolean }; organization: { name: string; displayName: string } };
    assert.deepEqual(
      { email: created.user.email, isAdmin: created.user.isAdmin, org: created.organization.name, display: created.organization.displayName },
      { email: 'root@example.test', isAdmin: true, org: 'acme-corp', display: 'Acme Corp.' },
    );

    const second = await init('other@example.test', 'another long passphrase');
    assert.equal(second.code, 3);
    assert.match(second.stderr, /already has an administrator; nothing was changed/);

    const users = await runCli(['users', 'list', '--json'], { cwd: dir.path, env });
    assert.equal(users.code, 0, users.stderr);
    const emails = (JSON.parse(users.stdout) as { items: { email: string; isAdmin: boolean }[] }).items.map((user) => `${user.email}:${user.isAdmin}`);
    assert.deepEqual(emails, ['root@example.test:true']);
    const members = await runCli(['members', 'list', '--org', 'acme-corp', '--json'], { cwd: dir.path, env });
    assert.equal(members.code, 0, members.stderr);
    assert.match(members.stdout, /"role": "owner"/);
  });
});
