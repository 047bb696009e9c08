// The console's Sign-in connections page: an organization's owners and admins add, edit and
// delete its connections; server administrators also manage the server's own.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { operatorActor } from '../../src/domain/access/actor.js';
import { browserSkipReason, launchChromium, screenshot } from '../support/browser.js';
import { oauthFixture, type OAuthFixture } from '../support/oauth.js';
import { setRole, signInToConsole, withPage } from './console-helpers.js';

if (browserSkipReason) console.log(`# ${browserSkipReason}`);

describe('the console Sign-in connections page', { skip: browserSkipReason }, () => {
  let fixture: OAuthFixture;
  let browser: Browser;
  let root: { id: string; email: string; password: string };

  before(async () => {
    fixture = await oauthFixture();
    await setRole(fixture, fixture.user.id, 'admin');
    root = await fixture.createUser('root@example.test');
    await fixture.server.server.runtime.registry.users.update({ actor: operatorActor }, root.id, { isAdmin: true });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await fixture?.stop();
  });

  const storage = () => fixture.server.server.runtime.storage;

  test('an organization admin adds, edits and deletes its connection; a bad issuer names the field', async () => {
    await withPage(browser, 'console-connections', async (page) => {
      await signInToConsole(page, fixture);
      await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Sign-in connections' }).click();
      await page.getByRole('heading', { name: 'Sign-in connections' }).waitFor();
      assert.equal(await page.getByRole('region', { name: 'Server connections' }).count(), 0, 'not a server administrator');
      await page.getByRole('button', { name: 'Add connection' }).click();
      const form = page.getByRole('form', { name: 'New connection' });
      await form.getByLabel('Display name').fill('Corp SSO');
      await form.getByLabel('Name', { exact: true }).fill('corp');
      await form.getByLabel('Issuer').fill('http://idp.corp.example');
      await form.getByLabel('Client ID').fill('latchkey');
      await form.getByLabel('Client secret').fill('upstream secret from the console');
      await form.getByLabel('Email domains').fill('corp.example');
      await form.getByRole('button', { name: 'Add connection' }).click();
      await form
        .getByText(/plain http is allowed only on loopback hosts/)
        .first()
        .waitFor();
      await form.getByLabel('Issuer').fill('https://idp.corp.example');
      await form.getByRole('button', { name: 'Add connection' }).click();
      await page.getByText('The connection was added.').waitFor();
      await screenshot(page, 'console-connections');
      const orgId = fixture.orgId;
      const [stored] = await storage().connections.list(orgId);
      assert.equal(stored?.displayName, 'Corp SSO');
      assert.deepEqual(stored?.domains, ['corp.example']);
      assert.ok(!(await page.content()).includes('upstream secret from the console'), 'the secret is not shown');

      await page.getByRole('button', { name: 'Edit Corp SSO' }).click();
      const edit = page.getByRole('form', { name: 'Edit Corp SSO' });
      await edit.getByLabel('Display name').fill('Corp');
      await edit.getByRole('button', { name: 'Save' }).click();
      await page.getByText('The connection was saved.').waitFor();
      const edited = await storage().connections.get(stored.id);
      assert.equal(edited?.displayName, 'Corp');
      assert.equal(edited?.clientSecretJwe, stored?.clientSecretJwe, 'an empty secret field keeps the stored secret');

      await page.getByRole('button', { name: 'Delete Corp' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Delete connection' }).click();
      await page.getByText('The connection was deleted.').waitFor();
      assert.deepEqual(await storage().connections.list(orgId), []);
    });
  });

  test("a server administrator also manages the server's connections", async () => {
    await withPage(browser, 'console-server-connections', async (page) => {
      await signInToConsole(page, fixture, root, '/console/orgs/default/connections');
      await page.goto(`${fixture.issuer}/console/orgs/default/connections`);
      const server = page.getByRole('region', { name: 'Server connections' });
      await server.getByRole('button', { name: 'Add connection' }).click();
      const form = page.getByRole('form', { name: 'New connection' });
      await form.getByLabel('Display name').fill('Everyone SSO');
      await form.getByLabel('Name', { exact: true }).fill('everyone');
      await form.getByLabel('Issuer').fill('http://127.0.0.1:9/');
      await form.getByLabel('Client ID').fill('latchkey');
      await form.getByLabel('Client secret').fill('another secret');
      await form.getByRole('button', { name: 'Add connection' }).click();
      await page.getByText('The connection was added.').waitFor();
      assert.equal((await storage().connections.list(null)).length, 1);
    });
  });
});
