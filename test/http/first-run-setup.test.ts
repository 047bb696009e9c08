import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { accountTokenHash } from '../../src/domain/identity/account-links.js';
import { setupUrl } from '../../src/runtime/server.js';
import { FormBrowser, hiddenField } from '../support/oauth.js';
import { createTestDatabase, postgresSkipReason } from '../support/postgres.js';
import { fakeClock } from '../support/protocol.js';
import { startTestServer, type TestServer } from '../support/server.js';

const password = 'a long first-run passphrase';

describe('the first-run setup link', () => {
  const clock = fakeClock(Date.now());
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ inProcess: true, logLevel: 'warn', clock });
  });
  after(() => server.stop());

  const registry = () => server.server.runtime.registry;
  const storage = () => server.server.runtime.storage;
  const newLink = async () => {
    const token = await registry().firstRun.issueSetupLink();
    assert.ok(token, 'a server without an administrator issues a setup link');
    return setupUrl(server.issuer, token);
  };
  const tokenOf = (link: string) => new URL(link).searchParams.get('token')!;

  async function openForm(link: string): Promise<{ browser: FormBrowser; csrf: string; html: string }> {
    const browser = new FormBrowser(server.issuer, server.fetch);
    const response = await browser.get(link);
    const html = await response.text();
    assert.equal(response.status, 200, html);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.equal(response.headers.get('referrer-policy'), 'no-referrer');
    return { browser, csrf: hiddenField(html, 'csrf')!, html };
  }

  const fields = (link: string, csrf: string, overrides: Record<string, string> = {}) => ({
    csrf,
    token: tokenOf(link),
    email: 'Root@Example.test',
    name: 'Root',
    password,
    organization: 'Acme Corp.',
    ...overrides,
  });

  test('an unknown link shows a page that says what to do, and changes nothing', async () => {
    const response = await server.fetch(`${server.issuer}/console/setup?token=not-a-link`);
    assert.equal(response.status, 404);
    assert.match(await response.text(), /Unknown setup link[\s\S]*Restart the server/);
  });

  test('a form without its CSRF token, or with a password the rule refuses, creates nothing', async () => {
    const link = await newLink();
    const { browser, csrf } = await openForm(link);
    const forged = await browser.post(`${server.issuer}/console/setup`, fields(link, 'forged'));
    assert.equal(forged.status, 403);
    assert.match(await forged.text(), /CSRF check failed/);
    const weak = await browser.post(`${server.issuer}/console/setup`, fields(link, csrf, { password: 'password' }));
    assert.equal(weak.status, 400);
    assert.match(await weak.text(), /Password is too common/);
    assert.equal(await storage().users.getByEmail('root@example.test'), undefined);
    assert.equal((await storage().accountTokens.get(accountTokenHash(tokenOf(link))))?.usedAt, null, 'the link is still unused');
  });

  test('a link expires after 24 hours: the page says so and the form changes nothing', async () => {
    const link = await newLink();
    const { browser, csrf } = await openForm(link);
    clock.advance(24 * 3600_000);
    const shown = await server.fetch(link);
    assert.equal(shown.status, 410);
    assert.match(await shown.text(), /Setup link expired[\s\S]*prints a new setup link/);
    const posted = await browser.post(`${server.issuer}/console/setup`, fields(link, csrf));
    assert.equal(posted.status, 410);
    assert.equal(await storage().users.getByEmail('root@example.test'), undefined);
  });

  test('the setup creates the administrator and their organization, signs them in, and sends them to the console; the link works once', async () => {
    const link = await newLink();
    const other = await newLink();
    const { browser, csrf } = await openForm(link);
    const response = await browser.post(`${server.issuer}/console/setup`, fields(link, csrf));
    assert.equal(response.status, 303);
    assert.equal(response.headers.get('location'), '/console/');
    assert.ok(browser.cookies.has('lk_session'), 'signed in: a sign-in session cookie');

    const user = await storage().users.getByEmail('root@example.test');
    assert.ok(user);
    assert.equal(user.isAdmin, true);
    assert.equal(user.emailVerified, true);
    const org = await storage().organizations.getByName('acme-corp');
    assert.equal(org?.displayName, 'Acme Corp.');
    assert.equal((await storage().organizations.getMembership(org.id, user.id))?.role, 'owner');
    const audit = await storage().audit.list({ offset: 0, limit: 50 });
    assert.ok(audit.items.some((entry) => entry.action === 'user.created' && entry.targetId === user.id));

    // Any link, this one or another, now shows that the setup is done, and changes nothing.
    for (const used of [link, other]) {
      const again = await server.fetch(used);
      assert.equal(again.status, 409);
      assert.match(await again.text(), /Setup is already done[\s\S]*Sign in to the console/);
    }
    assert.equal(await registry().firstRun.issueSetupLink(), null, 'no new link once an administrator exists');
    const replay = await browser.post(`${server.issuer}/console/setup`, fields(link, csrf, { email: 'second@example.test' }));
    assert.equal(replay.status, 409);
    assert.equal(await storage().users.getByEmail('second@example.test'), undefined);

    // The setup ran once: with no administrator left, the links still do nothing.
    await storage().users.update({ ...user, isAdmin: false });
    assert.equal(await registry().firstRun.check(tokenOf(other)), 'done');
    // Single use on its own: were the setup's record gone too, the used link stays used, while an
    // unused link of an earlier start stays valid until it expires.
    const { db } = server.server.runtime.database;
    await db.deleteFrom('settings').where('name', '=', 'first-run.done').execute();
    const used = await server.fetch(link);
    assert.equal(used.status, 410);
    assert.match(await used.text(), /Setup link already used/);
    assert.equal(await registry().firstRun.check(tokenOf(other)), null);
  });

  test('of two setups with two links, one makes the administrator', async () => {
    const [first, second] = [await newLink(), await newLink()];
    const input = (email: string) => ({ email, name: 'Racer', password, organization: `Team ${email.split('@')[0]}` });
    const outcomes = await Promise.all([
      registry().firstRun.complete(tokenOf(first), input('racer1@example.test')),
      registry().firstRun.complete(tokenOf(second), input('racer2@example.test')),
    ]);
    assert.deepEqual(outcomes.map((outcome) => outcome.ok).sort(), [false, true]);
    const admins = (await storage().users.list({ search: 'racer', offset: 0, limit: 10 })).items;
    assert.equal(admins.length, 1);
  });
});

describe('the first-run setup on PostgreSQL', { skip: postgresSkipReason }, () => {
  test('of setups started together with different links, one makes the administrator', async (t) => {
    const database = await createTestDatabase();
    const server = await startTestServer({ inProcess: true, logLevel: 'warn', databaseUrl: database.url });
    t.after(async () => {
      await server.stop();
      await database.drop();
    });
    const { firstRun } = server.server.runtime.registry;
    const tokens = await Promise.all([1, 2, 3, 4].map(() => firstRun.issueSetupLink()));
    const outcomes = await Promise.all(
      tokens.map((token, index) => firstRun.complete(token, { email: `racer${index}@example.test`, name: 'Racer', password, organization: `Team ${index}` })),
    );
    assert.equal(outcomes.filter((outcome) => outcome.ok).length, 1);
    assert.deepEqual(
      outcomes.filter((outcome) => !outcome.ok).map((outcome) => !outcome.ok && outcome.problem),
      ['done', 'done', 'done'],
    );
    const users = await server.server.runtime.storage.users.list({ search: 'racer', offset: 0, limit: 10 });
    assert.equal(users.total, 1, 'only the winner was written');
  });
});
