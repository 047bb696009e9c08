import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { operatorActor } from '../../src/domain/access/actor.js';
import { consolePaths } from '../../src/contracts/paths.js';
import { browserSkipReason, launchChromium, screenshot } from '../support/browser.js';
import { spawnCli, type CliProcess } from '../support/cli.js';
import { queuedMails } from '../support/mailbox.js';
import { startTestSmtp, type TestSmtp } from '../support/smtp.js';
import { freePort, startTestServer, temporaryDirectory, type TestServer } from '../support/server.js';
import { withPage } from './console-helpers.js';

if (browserSkipReason) console.log(`# ${browserSkipReason}`);

const password = 'a long first-run passphrase';

describe('first run: from `latchkey start` to a working console, in a browser', { skip: browserSkipReason }, () => {
  const dir = temporaryDirectory();
  let browser: Browser;
  let server: CliProcess;
  let issuer: string;

  before(async () => {
    browser = await launchChromium();
    const port = await freePort();
    issuer = `http://localhost:${port}`;
    server = spawnCli(['start', '--port', String(port), '--issuer', issuer], { cwd: dir.path });
    await server.waitFor(/Next: /);
  });
  after(async () => {
    server?.child.kill('SIGTERM');
    await server?.exited;
    await browser?.close();
    dir.remove();
  });

  test('the printed setup link creates the administrator and organization, lands in the console, and an app can be created', async () => {
    const banner = server.stderr();
    assert.match(banner, new RegExp(`Console:\\s+${issuer}/console/`));
    const link = /(http:\/\/\S+\/console\/setup\?token=\S+)/.exec(banner)?.[1];
    assert.ok(link, `the banner prints the setup link:\n${banner}`);

    await withPage(browser, 'first-run-setup', async (page) => {
      await page.goto(link);
      await page.getByRole('heading', { name: 'Set up Latchkey' }).waitFor();
      await page.getByLabel('Your email').fill('root@example.test');
      await page.getByLabel('Your name').fill('Root');
      await page.getByLabel('Password').fill(password);
      await page.getByLabel('Organization name').fill('Acme Corp.');
      await screenshot(page, 'first-run-01-setup');
      await page.getByRole('button', { name: 'Create administrator and organization' }).click();

      // Signed in already: the console opens in the new organization, with no sign-in page between.
      await page.waitForURL((url) => url.pathname.startsWith('/console/orgs/acme-corp/'));
      await page.getByRole('navigation', { name: 'Console' }).waitFor();
      assert.equal(await page.locator('#org-switcher').inputValue(), 'acme-corp');

      await page.getByRole('link', { name: 'Create New OAuth App' }).first().click();
      await page.getByLabel(/Web app/).check();
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByLabel('Name').fill('First app');
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByLabel('Redirect URI 1', { exact: true }).fill('http://localhost:8080/callback');
      const create = page.getByRole('button', { name: 'Create' });
      for (let step = 0; step < 6 && !(await create.isVisible()); step += 1) await page.getByRole('button', { name: 'Continue' }).click();
      await create.click();
      await page.getByRole('heading', { name: 'First app is ready' }).waitFor();
      await screenshot(page, 'first-run-02-app-created');

      // The link was used: opening it again changes nothing and says what to do.
      await page.goto(link);
      await page.getByRole('heading', { name: 'Setup is already done' }).waitFor();
    });
  });
});

describe('organizations in the console', { skip: browserSkipReason }, () => {
  let browser: Browser;
  let server: TestServer;

  before(async () => {
    browser = await launchChromium();
    // Only administrators may create organizations here.
    server = await startTestServer({ logLevel: 'warn', env: { LATCHKEY_ORGS_SELF_SERVICE: 'false' } });
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  async function signIn(page: Page, email: string): Promise<void> {
    await page.goto(`${server.issuer}/console/`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  test('a user in no organization, who may not create one, is told how to join', async () => {
    await server.server.runtime.registry.users.create({ actor: operatorActor }, { email: 'lone@example.test', password, emailVerified: true });
    await withPage(browser, 'orgs-no-create', async (page) => {
      await signIn(page, 'lone@example.test');
      await page.getByRole('heading', { name: 'You are not in an organization yet' }).waitFor();
      assert.equal(await page.getByRole('link', { name: 'Create an organization' }).count(), 0);
      await page.getByText(/open the link in the invitation mail/).waitFor();
    });
  });

  test('an administrator creates an organization from the settings page, then renames it', async () => {
    await server.server.runtime.registry.users.create({ actor: operatorActor }, { email: 'admin@example.test', password, emailVerified: true, isAdmin: true });
    await withPage(browser, 'orgs-create-edit', async (page) => {
      // An administrator sees every organization: the console opens in the default one.
      await signIn(page, 'admin@example.test');
      await page.waitForURL((url) => url.pathname === '/console/orgs/default/apps');
      await page.getByRole('link', { name: 'Organization settings' }).click();
      await page.getByRole('link', { name: 'New organization' }).click();
      await page.getByLabel('Name', { exact: true }).fill('Beta Team');
      assert.equal(await page.getByLabel('URL name').inputValue(), 'beta-team', 'the URL name follows the name');
      await page.getByRole('button', { name: 'Create organization' }).click();
      await page.waitForURL((url) => url.pathname === '/console/orgs/beta-team/apps');

      await page.getByRole('link', { name: 'Organization settings' }).click();
      await page.getByLabel('Name', { exact: true }).fill('Beta Team (EU)');
      await page.getByLabel('URL name').fill('Beta');
      await page.getByRole('button', { name: 'Save' }).click();
      await page.getByText('The settings were not saved').waitFor();
      assert.equal(await page.getByLabel('URL name').getAttribute('aria-invalid'), 'true', 'the field the rule refused is marked');
      await page.getByLabel('URL name').fill('beta-eu');
      await page.getByRole('button', { name: 'Save' }).click();
      await page.waitForURL((url) => url.pathname === '/console/orgs/beta-eu/settings');
      await page.getByText('Saved.').waitFor();
      await screenshot(page, 'orgs-01-settings');
    });
    const org = await server.server.runtime.registry.orgs.resolve('beta-eu');
    assert.equal(org?.displayName, 'Beta Team (EU)');
  });
});

describe('an invitee creates an account from the invitation mail, in a browser', { skip: browserSkipReason }, () => {
  let browser: Browser;
  let server: TestServer;
  let smtp: TestSmtp;

  before(async () => {
    browser = await launchChromium();
    smtp = await startTestSmtp();
    server = await startTestServer({ logLevel: 'warn', env: { LATCHKEY_MAIL_SMTP_URL: smtp.url } });
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    await smtp?.stop();
  });

  test('the link opens a form for the invited address; the new account lands in the organization', async () => {
    const { registry, storage } = server.server.runtime;
    await registry.orgs.invite({ actor: operatorActor }, 'default', { email: 'dana@example.test', role: 'developer' });
    const [queued] = await queuedMails(storage, 'dana@example.test');
    assert.equal(queued?.template, 'invitation');
    const link = await smtp.mailedLink('dana@example.test', consolePaths.invitation);

    await withPage(browser, 'invitation-sign-up', async (page) => {
      await page.goto(link);
      await page.getByRole('heading', { name: 'Join Default organization' }).waitFor();
      assert.equal(await page.getByLabel('Email').inputValue(), 'dana@example.test');
      await page.getByLabel('Your name').fill('Dana');
      await page.getByLabel('Password').fill('a long invitee passphrase');
      await screenshot(page, 'invitation-01-create-account');
      await page.getByRole('button', { name: 'Create account and join' }).click();
      await page.waitForURL((url) => url.pathname.startsWith('/console/orgs/default/'));
      await page.getByRole('navigation', { name: 'Console' }).waitFor();
    });
    const dana = await storage.users.getByEmail('dana@example.test');
    assert.ok(dana);
    const orgId = (await registry.orgs.resolve('default'))!.id;
    assert.equal((await storage.organizations.getMembership(orgId, dana.id))?.role, 'developer');
  });
});
