// From an empty server, in the console: the administrator of the first run makes someone they
// invited a server administrator on the Users page, behind a confirm dialog, and takes it back;
// they can't remove their own.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { operatorActor } from '../../src/domain/access/actor.js';
import { browserSkipReason, launchChromium, screenshot } from '../support/browser.js';
import { signInToConsole, withPage } from './console-helpers.js';
import { acceptInvitation, completeFirstRun, inviteFromMembersPage, startEmptyServer, type EmptyServer, type Person } from './from-empty-server.js';

if (browserSkipReason) console.log(`# ${browserSkipReason}`);

const admin: Person = { email: 'ada@acme.example', name: 'Ada Admin', password: 'correct horse battery staple' };
const colleague: Person = { email: 'rui@acme.example', name: 'Rui Colleague', password: 'amber kettle orbit 42' };

describe('server administrators made and unmade on the Users page', { skip: browserSkipReason }, () => {
  let empty: EmptyServer;
  let browser: Browser;
  let org = '';
  const as = (person: Person) => ({ issuer: empty.issuer, user: person });
  const isAdmin = async (email: string) => (await empty.server.server.runtime.registry.users.get({ actor: operatorActor }, email)).isAdmin;
  const usersInNavigation = (person: Person) =>
    withPage(browser, `users-nav-${person.email}`, async (page) => {
      await signInToConsole(page, as(person), person);
      const nav = page.getByRole('navigation', { name: 'Console' });
      await nav.getByRole('link', { name: 'Members' }).waitFor();
      return (await nav.getByRole('link', { name: 'Users' }).count()) > 0;
    });

  before(async () => {
    empty = await startEmptyServer();
    browser = await launchChromium();
    await withPage(browser, 'server-admins-setup', async (page) => {
      org = await completeFirstRun(page, empty, admin, 'Acme');
      await inviteFromMembersPage(page, empty, org, colleague.email, 'developer');
    });
    await acceptInvitation(browser, empty, colleague);
  });
  after(async () => {
    await browser?.close();
    await empty?.stop();
  });

  test('Make server administrator asks first; then the colleague has the Users page', async () => {
    assert.equal(await usersInNavigation(colleague), false);
    await withPage(browser, 'server-admins-make', async (page) => {
      await signInToConsole(page, as(admin), admin, `/console/orgs/${org}/users`);
      await page.getByRole('link', { name: colleague.name }).click();
      await page.getByRole('heading', { name: colleague.name, level: 1 }).waitFor();
      const make = page.getByRole('button', { name: 'Make server administrator' });
      const dialog = page.getByRole('dialog', { name: `Make ${colleague.email} a server administrator?` });
      await make.click();
      await dialog.getByText(/manages every user and organization/).waitFor();
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      assert.equal(await isAdmin(colleague.email), false, 'cancelling changes nothing');
      await make.click();
      await screenshot(page, 'server-admins-01-confirm');
      await dialog.getByRole('button', { name: 'Make server administrator' }).click();
      await page.getByText(`${colleague.email} is a server administrator`).waitFor();
      await page.getByText('administrator', { exact: true }).waitFor();
      await page.getByRole('button', { name: 'Remove server administrator' }).waitFor();
    });
    assert.equal(await isAdmin(colleague.email), true);
    assert.equal(await usersInNavigation(colleague), true);
  });

  test("Remove server administrator takes it back, and isn't offered on your own page", async () => {
    await withPage(browser, 'server-admins-remove', async (page) => {
      await signInToConsole(page, as(admin), admin, `/console/orgs/${org}/users`);
      await page.getByRole('link', { name: admin.name }).click();
      await page.getByRole('heading', { name: admin.name, level: 1 }).waitFor();
      assert.equal(await page.getByRole('button', { name: 'Remove server administrator' }).isDisabled(), true, 'not yourself');
      await page.getByText("You can't disable, delete or demote yourself").waitFor();

      await page.goto(`${empty.issuer}/console/orgs/${org}/users`);
      await page.getByRole('link', { name: colleague.name }).click();
      await page.getByRole('button', { name: 'Remove server administrator' }).click();
      await page
        .getByRole('dialog', { name: `Remove ${colleague.email} as a server administrator?` })
        .getByRole('button', { name: 'Remove server administrator' })
        .click();
      await page.getByText(`${colleague.email} is no longer a server administrator.`).waitFor();
      await page.getByRole('button', { name: 'Make server administrator' }).waitFor();
    });
    assert.equal(await isAdmin(colleague.email), false);
    assert.equal(await usersInNavigation(colleague), false);
  });
});
