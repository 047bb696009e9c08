import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli, type CliResult } from '../support/cli.js';
import { startTestServer, temporaryDirectory, type TestServer } from '../support/server.js';

const secret = 'mgmt-cli-secret-mgmt-cli-secret-01234567';

function assertRefused(result: CliResult, message: RegExp): void {
  assert.equal(result.code, 1, `expected exit 1\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
  assert.match(result.stderr, /^latchkey: /);
  assert.match(result.stderr, message);
}

describe('management commands on the local database', () => {
  const dir = temporaryDirectory('latchkey-cli-mgmt-');
  const env = { LATCHKEY_SECRET: secret };
  let server: TestServer | undefined;
  after(async () => {
    await server?.stop();
    dir.remove();
  });

  const cli = (...args: string[]) => runCli(args, { cwd: dir.path, env });
  async function json<T>(...args: string[]): Promise<T> {
    const result = await cli(...args, '--json');
    assert.equal(result.code, 0, `latchkey ${args.join(' ')}\n${result.stderr}`);
    return JSON.parse(result.stdout) as T;
  }

  let aliceId = '';

  test('users: create with --password-stdin, show by email, update flags; invalid values and missing --yes refused', async () => {
    const created = await runCli(['users', 'create', '--email', 'Alice@Example.com', '--name', 'Alice', '--password-stdin', '--verified', '--json'], {
      cwd: dir.path,
      env,
      input: 'correct horse battery staple\n',
    });
    assert.equal(created.code, 0, created.stderr);
    const alice = JSON.parse(created.stdout) as { id: string; email: string; hasPassword: boolean; emailVerified: boolean; isAdmin: boolean };
    assert.equal(alice.email, 'alice@example.com');
    assert.equal(alice.hasPassword, true);
    assert.equal(alice.emailVerified, true);
    assert.equal(alice.isAdmin, false);
    aliceId = alice.id;

    const [badEmail, shortPassword, badFlag] = await Promise.all([
      cli('users', 'create', '--email', 'not-an-email'),
      cli('users', 'create', '--email', 'bob@example.com', '--password', 'short'),
      cli('users', 'update', 'alice@example.com', '--admin', 'maybe'),
    ]);
    assertRefused(badEmail, /email: must be an email address/);
    assertRefused(shortPassword, /password: must be at least 8 characters/);
    assertRefused(badFlag, /--admin must be true or false/);

    const updated = await json<{ isAdmin: boolean }>('users', 'update', 'alice@example.com', '--admin', 'true');
    assert.equal(updated.isAdmin, true);

    const shown = await cli('users', 'show', 'alice@example.com');
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /admin:\s+yes/);
    assert.doesNotMatch(shown.stdout, /correct horse/);

    await json('users', 'create', '--email', 'bob@example.com');
    const refused = await cli('users', 'delete', 'bob@example.com');
    assertRefused(refused, /--yes/);
    const deleted = await cli('users', 'delete', 'bob@example.com', '--yes');
    assert.equal(deleted.code, 0, deleted.stderr);
    const listed = await json<{ items: { email: string }[] }>('users', 'list');
    assert.deepEqual(
      listed.items.map((user) => user.email),
      ['alice@example.com'],
    );
  });

  test('orgs: create with --owner, show, update, delete; a bad name and a missing --yes are refused', async () => {
    const org = await json<{ id: string; name: string; displayName: string }>(
      'orgs',
      'create',
      'acme',
      '--display-name',
      'Acme Inc',
      '--owner',
      'alice@example.com',
    );
    assert.equal(org.name, 'acme');
    assert.equal(org.displayName, 'Acme Inc');

    const [members, badName, noOwner] = await Promise.all([
      json<{ items: { email: string; role: string }[] }>('members', 'list', '--org', 'acme'),
      cli('orgs', 'create', 'Bad_Name'),
      cli('orgs', 'create', 'acme-two', '--owner', 'nobody@example.com'),
    ]);
    assert.deepEqual(
      members.items.map((member) => [member.email, member.role]),
      [['alice@example.com', 'owner']],
    );
    assertRefused(badName, /name: must be 1 to 63 lower-case letters/);
    assertRefused(noOwner, /owner: no user nobody@example\.com/);

    const renamed = await cli('orgs', 'update', 'acme', '--display-name', 'ACME');
    assert.equal(renamed.code, 0, renamed.stderr);
    assert.match(renamed.stdout, /display name: ACME/);

    assertRefused(await cli('orgs', 'delete', 'acme'), /cannot be undone; run again with --yes/);
    const deleted = await cli('orgs', 'delete', 'acme', '--yes');
    assert.equal(deleted.code, 0, deleted.stderr);
    const listed = await json<{ items: { name: string }[] }>('orgs', 'list');
    assert.deepEqual(
      listed.items.map((item) => item.name),
      ['default'],
    );
  });

  test('members: add, set-role by email, invite, list and revoke invitations; a bad role is refused', async () => {
    await json('users', 'create', '--email', 'carol@example.com');
    const added = await cli('members', 'add', '--email', 'alice@example.com', '--role', 'admin');
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stdout, /alice@example\.com \(usr_\S+\) is admin of default/);
    await json('members', 'add', '--email', 'carol@example.com', '--role', 'developer');

    const [badRole, unknownMember, notMember, acceptAsOperator] = await Promise.all([
      cli('members', 'set-role', 'carol@example.com', '--role', 'boss'),
      cli('members', 'remove', 'nobody@example.com'),
      cli('members', 'set-role', 'usr_nobody', '--role', 'viewer'),
      cli('members', 'accept', 'lk_inv_whatever'),
    ]);
    assertRefused(badRole, /role: must be one of owner, admin, developer, viewer/);
    assertRefused(unknownMember, /no member of organization default has the email nobody@example\.com/);
    assertRefused(notMember, /usr_nobody is not a member of organization default/);
    assertRefused(acceptAsOperator, /only a signed-in user can accept an invitation[\s\S]*--url/);

    const changed = await json<{ role: string }>('members', 'set-role', 'carol@example.com', '--role', 'viewer');
    assert.equal(changed.role, 'viewer');
    const removed = await cli('members', 'remove', 'carol@example.com');
    assert.equal(removed.code, 0, removed.stderr);

    const invited = await cli('members', 'invite', '--email', 'dave@example.com', '--role', 'developer');
    assert.equal(invited.code, 0, invited.stderr);
    assert.match(invited.stdout, /token:\s+lk_inv_\S+/);
    assert.match(invited.stdout, /Send the token to dave@example\.com/);
    const invitations = await json<{ items: { id: string; email: string; state: string }[] }>('members', 'invitations');
    assert.equal(invitations.items.length, 1);
    assert.equal(invitations.items[0]!.state, 'pending');
    const revoked = await cli('members', 'revoke-invitation', invitations.items[0]!.id);
    assert.equal(revoked.code, 0, revoked.stderr);
    const again = await cli('members', 'revoke-invitation', invitations.items[0]!.id);
    assertRefused(again, /already accepted or revoked/);
  });

  test('apis: create with scopes, show by identifier, update replaces scopes; invalid values and a missing --yes are refused', async () => {
    const api = await json<{ identifier: string; scopes: { name: string; description: string }[]; allowOfflineAccess: boolean; accessTokenTtlMinutes: number }>(
      'apis',
      'create',
      '--identifier',
      'https://api.example.com',
      '--name',
      'Orders API',
      '--scope',
      'orders:read:Read your orders',
      '--scope',
      'orders:write',
      '--offline-access',
      '--ttl',
      '60',
    );
    assert.deepEqual(api.scopes, [
      { name: 'orders:read', description: 'Read your orders' },
      { name: 'orders:write', description: '' },
    ]);
    assert.equal(api.allowOfflineAccess, true);
    assert.equal(api.accessTokenTtlMinutes, 60);

    const [badTtl, badIdentifier, badFlag] = await Promise.all([
      cli('apis', 'create', '--identifier', 'https://other.example.com', '--name', 'Other', '--ttl', '9999'),
      cli('apis', 'create', '--identifier', 'not a uri', '--name', 'Other'),
      cli('apis', 'update', 'https://api.example.com', '--offline-access', 'yes'),
    ]);
    assertRefused(badTtl, /accessTokenTtlMinutes: must be a whole number of minutes from 1 to 300/);
    assertRefused(badIdentifier, /identifier: must be an absolute URI/);
    assertRefused(badFlag, /--offline-access must be true or false/);

    await json('apis', 'create', '--identifier', 'https://billing.example.com', '--name', 'Billing', '--scope', 'invoices');
    const updated = await json<{ scopes: { name: string }[]; tokenFormat: string }>(
      'apis',
      'update',
      'https://billing.example.com',
      '--scope',
      'invoices:read',
      '--token-format',
      'opaque',
    );
    assert.deepEqual(
      updated.scopes.map((scope) => scope.name),
      ['invoices:read'],
    );
    assert.equal(updated.tokenFormat, 'opaque');

    const shown = await cli('apis', 'show', 'https://api.example.com');
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /orders:read\s+Read your orders/);
    assertRefused(await cli('apis', 'delete', 'https://billing.example.com'), /--yes/);
  });

  test('pre-authorizations: pre-authorize a user for an app, list, remove; users update --disabled', async () => {
    const app = await json<{ clientId: string }>(
      'apps',
      'create',
      '--type',
      'web',
      '--name',
      'Orders sync',
      '--redirect-uri',
      'https://sync.example.com/cb',
      '--grant-type',
      'urn:ietf:params:oauth:grant-type:jwt-bearer',
      '--scope',
      'openid orders:read',
    );
    const made = await json<{ id: string; email: string; scopes: string[]; audiences: string[]; authority: string }>(
      'apps',
      'pre-authorize',
      app.clientId,
      '--user',
      'alice@example.com',
      '--scope',
      'openid,orders:read',
      '--audience',
      'https://api.example.com',
    );
    assert.deepEqual(
      [made.email, made.scopes, made.audiences, made.authority],
      ['alice@example.com', ['openid', 'orders:read'], ['https://api.example.com'], 'server'],
    );
    const listed = await cli('apps', 'pre-authorizations', app.clientId);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, new RegExp(`${made.id}\\s+alice@example\\.com\\s+openid orders:read\\s+https://api\\.example\\.com`));
    assertRefused(await cli('apps', 'pre-authorize', app.clientId, '--scope', 'openid'), /name either --user or --role/);
    assertRefused(
      await cli('apps', 'pre-authorize', app.clientId, '--role', 'developer', '--scope', 'profile'),
      /profile is not one of the scopes this app may ask for/,
    );
    const removed = await cli('apps', 'remove-pre-authorization', app.clientId, made.id);
    assert.equal(removed.code, 0, removed.stderr);
    assert.match((await cli('apps', 'pre-authorizations', app.clientId)).stdout, /Nobody is pre-authorized/);

    const disabled = await json<{ disabled: boolean }>('users', 'update', 'alice@example.com', '--disabled', 'true');
    assert.equal(disabled.disabled, true);
    assert.match((await cli('users', 'show', 'alice@example.com')).stdout, /status:\s+disabled since/);
    assert.equal((await json<{ disabled: boolean }>('users', 'update', 'alice@example.com', '--disabled', 'false')).disabled, false);
  });

  let credentialId = '';

  test('credentials: the secret is printed once by create and never by show, list or audit', async () => {
    const created = await cli(
      'credentials',
      'create',
      '--name',
      'nightly export',
      '--user',
      'alice@example.com',
      '--grant',
      'https://api.example.com=orders:read,orders:write',
      '--grant',
      'https://billing.example.com=invoices:read',
    );
    assert.equal(created.code, 0, created.stderr);
    const clientSecret = /client_secret: (\S+)/.exec(created.stdout)?.[1];
    credentialId = /client_id:\s+(\S+)/.exec(created.stdout)?.[1] ?? '';
    assert.ok(clientSecret && credentialId, created.stdout);
    assert.match(created.stdout, /shown once and can't be retrieved again/);

    const [shown, listed, listedJson, audit] = await Promise.all([
      cli('credentials', 'show', credentialId),
      cli('credentials', 'list'),
      cli('credentials', 'list', '--user', 'alice@example.com', '--json'),
      cli('audit', '--json', '--per-page', '100'),
    ]);
    for (const result of [shown, listed, listedJson, audit]) {
      assert.equal(result.code, 0, result.stderr);
      assert.ok(!result.stdout.includes(clientSecret), 'the secret must not appear again');
    }
    assert.match(listed.stdout, /^CLIENT_ID\s+NAME\s+OWNER/);
    assert.match(listed.stdout, /nightly export\s+alice@example\.com/);
    const page = JSON.parse(listedJson.stdout) as { items: { ownerUserId: string; apiGrants: { audience: string; scopes: string[] }[] }[] };
    assert.equal(page.items[0]!.ownerUserId, aliceId);
    assert.deepEqual(page.items[0]!.apiGrants, [
      { audience: 'https://api.example.com', scopes: ['orders:read', 'orders:write'] },
      { audience: 'https://billing.example.com', scopes: ['invoices:read'] },
    ]);
  });

  test('credentials: unknown scopes, missing grants and owners, bad grace periods and a missing --yes are refused', async () => {
    const [badScope, noGrant, noUser, badGrace] = await Promise.all([
      cli('credentials', 'create', '--name', 'x', '--user', 'alice@example.com', '--grant', 'https://api.example.com=orders:delete'),
      cli('credentials', 'create', '--name', 'x', '--user', 'alice@example.com'),
      cli('credentials', 'create', '--name', 'x', '--grant', 'https://api.example.com=orders:read'),
      cli('credentials', 'rotate-secret', credentialId, '--grace-period', 'soon'),
    ]);
    assertRefused(badScope, /apiGrants\[0\]\.scopes\[0\]: orders:delete is not a scope of https:\/\/api\.example\.com/);
    assertRefused(noGrant, /--grant/);
    assertRefused(noUser, /userId: name the user the credentials belong to/);
    assertRefused(badGrace, /gracePeriodSeconds: must be a whole number of seconds/);

    const rotated = await json<{ clientSecret: string }>('credentials', 'rotate-secret', credentialId, '--grace-period', '60');
    assert.match(rotated.clientSecret, /^lk_cs_/);
    const ended = await json<{ items: { current: boolean }[] }>('credentials', 'end-secret-grace', credentialId);
    assert.deepEqual(
      ended.items.map((item) => item.current),
      [true],
      'only the new secret works',
    );
    assertRefused(await cli('credentials', 'delete', credentialId), /--yes/);
  });

  test('tokens: create with --scope all, list; an unknown scope is refused', async () => {
    const [badScope, badDays] = await Promise.all([
      cli('tokens', 'create', '--user', 'alice@example.com', '--name', 'x', '--scope', 'orgs:read,apps:fly'),
      cli('tokens', 'create', '--user', 'alice@example.com', '--name', 'x', '--scope', 'orgs:read', '--expires-in-days', '999'),
    ]);
    assertRefused(badScope, /scopes\[1\]: must be one of orgs:read/);
    assertRefused(badDays, /expiresInDays: must be from 1 to 365 days/);

    const created = await cli('tokens', 'create', '--user', 'alice@example.com', '--name', 'laptop', '--scope', 'all');
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /token:\s+lk_pat_\S+/);
    assert.match(created.stdout, /shown once/);
    assert.match(created.stdout, /scopes:\s+orgs:read orgs:write .*users:write/);
    const listed = await cli('tokens', 'list', '--user', 'alice@example.com');
    assert.match(listed.stdout, /laptop\s+all\s+active/);
  });

  test('audit: a table of TIME, ACTOR, ACTION, TARGET, filtered by action; a bad time is refused', async () => {
    const [table, filtered, badTime] = await Promise.all([
      cli('audit'),
      json<{ items: { action: string; targetId: string }[] }>('audit', '--action', 'credential.created'),
      cli('audit', '--from', 'yesterday'),
    ]);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^TIME\s+ACTOR\s+ACTION\s+TARGET\n/);
    assert.match(table.stdout, /operator \(CLI\)\s+app\.secret_rotated\s+credential /);
    assert.deepEqual(
      filtered.items.map((item) => [item.action, item.targetId]),
      [['credential.created', credentialId]],
    );
    assertRefused(badTime, /from: must be an RFC 3339 time/);
  });

  describe('remote, with --url and --token', () => {
    let token = '';
    let tokenId = '';
    before(async () => {
      const created = await json<{ id: string; token: string }>(
        'tokens',
        'create',
        '--user',
        'alice@example.com',
        '--name',
        'remote',
        '--scope',
        'orgs:read,credentials:read,users:read,users:write',
      );
      token = created.token;
      tokenId = created.id;
      server = await startTestServer({
        dir: dir.path,
        databaseUrl: `sqlite:${join(dir.path, 'data', 'latchkey.db')}`,
        env: { LATCHKEY_SECRET: secret },
        logLevel: 'warn',
      });
    });

    test('a personal access token made by `tokens create` works against the server on the same database', async () => {
      const [orgs, mine, forbidden] = await Promise.all([
        json<{ items: { name: string }[] }>('--url', server!.issuer, '--token', token, 'orgs', 'list'),
        json<{ items: { name: string }[] }>('--url', server!.issuer, '--token', token, 'tokens', 'list', '--user', 'me'),
        cli('--url', server!.issuer, '--token', token, 'apis', 'list'),
      ]);
      assert.deepEqual(
        orgs.items.map((org) => org.name),
        ['default'],
      );
      assert.ok(mine.items.some((item) => item.name === 'remote'));
      assertRefused(forbidden, /lacks the apis:read scope/);
    });

    test('a bad, missing or revoked token exits 1 and says so', async () => {
      const [bad, missing] = await Promise.all([
        cli('--url', server!.issuer, '--token', 'lk_pat_not-a-real-token', 'orgs', 'list'),
        cli('--url', server!.issuer, 'orgs', 'list'),
      ]);
      assertRefused(bad, /token is unknown, expired or revoked/);
      assertRefused(missing, /--url needs a token/);

      const revoked = await cli('tokens', 'revoke', tokenId, '--user', 'alice@example.com');
      assert.equal(revoked.code, 0, revoked.stderr);
      assertRefused(await cli('--url', server!.issuer, '--token', token, 'orgs', 'list'), /token is unknown, expired or revoked/);
    });
  });
});
