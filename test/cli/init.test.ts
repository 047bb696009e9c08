import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { runCli, spawnCli } from '../support/cli.js';
import { freePort, temporaryDirectory } from '../support/server.js';

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

describe('latchkey start on a server without an administrator', () => {
  const dir = temporaryDirectory();
  after(() => dir.remove());

  async function start(): Promise<{ banner: string; link: string | undefined; issuer: string; stop: () => Promise<void> }> {
    const port = await freePort();
    const issuer = `http://localhost:${port}`;
    const server = spawnCli(['start', '--port', String(port), '--issuer', issuer], { cwd: dir.path });
    await server.waitFor(/Next: /);
    const banner = server.stderr();
    return {
      banner,
      issuer,
      link: /(http:\/\/\S+\/console\/setup\?token=\S+)/.exec(banner)?.[1],
      stop: async () => {
        server.child.kill('SIGTERM');
        await server.exited;
      },
    };
  }

  test('prints a fresh setup link on every start; an earlier one stays valid; none once an administrator exists', async () => {
    const first = await start();
    await first.stop();
    const second = await start();
    assert.ok(first.link && second.link);
    assert.notEqual(first.link, second.link);
    assert.match(second.banner, new RegExp(`Console:\\s+${second.issuer}/console/`));
    // The first start's link, on the second start's port: still a setup form.
    const earlier = new URL(first.link);
    earlier.host = new URL(second.issuer).host;
    const form = await fetch(earlier);
    assert.equal(form.status, 200);
    assert.match(await form.text(), /Set up Latchkey/);
    await second.stop();

    const env = { LATCHKEY_ISSUER: second.issuer };
    const created = await runCli(['init', '--admin-email', 'root@example.test', '--password-stdin'], {
      cwd: dir.path,
      env,
      input: 'a long first-run passphrase\n',
    });
    assert.equal(created.code, 0, created.stderr);
    const third = await start();
    assert.equal(third.link, undefined, 'no setup link once an administrator exists');
    assert.match(third.banner, /Next: sign in to the console/);
    await third.stop();
  });
});
