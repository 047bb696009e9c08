// The console's shared table and confirm-then-act button: a table on a wide screen, labelled cards
// on a phone; an action that asks first, does nothing on Cancel, and keeps a refusal in the dialog.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { operatorActor } from '../../src/domain/access/actor.js';
import { browserSkipReason, launchChromium } from '../support/browser.js';
import { oauthFixture, type OAuthFixture } from '../support/oauth.js';
import { assertNoSidewaysScroll, phoneViewport, setRole, signInToConsole, withPage } from './console-helpers.js';

if (browserSkipReason) console.log(`# ${browserSkipReason}`);

describe('the shared table and confirm-then-act button', { skip: browserSkipReason }, () => {
  let fixture: OAuthFixture;
  let browser: Browser;

  before(async () => {
    fixture = await oauthFixture();
    await setRole(fixture, fixture.user.id, 'owner');
    await fixture.createMember('bob@example.test', 'developer');
    await fixture.server.server.runtime.registry.orgs.invite({ actor: operatorActor }, 'default', { email: 'erin@example.test', role: 'viewer' });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await fixture?.stop();
  });

  /** How the row of bob@example.test is laid out, and the label its first value carries. */
  const layoutOf = (page: Page) =>
    page.evaluate<{ row: string; label: string }>(`(() => {
      const row = [...document.querySelectorAll('tr')].find((candidate) => candidate.textContent.includes('bob@example.test'));
      const cell = row.querySelector('td[data-label]');
      return { row: getComputedStyle(row).display, label: getComputedStyle(cell, '::before').content };
    })()`);

  test('a table on a wide screen; on a phone each row is a card whose values carry their header', async () => {
    await withPage(browser, 'tables-wide', async (page) => {
      await signInToConsole(page, fixture, fixture.user, '/console/orgs/default/members');
      await page.getByRole('table', { name: 'Members' }).getByRole('columnheader', { name: 'Role' }).waitFor();
      assert.deepEqual(await layoutOf(page), { row: 'table-row', label: 'none' });
    });
    await withPage(
      browser,
      'tables-phone',
      async (page) => {
        await signInToConsole(page, fixture, fixture.user, '/console/orgs/default/members');
        await page.getByRole('link', { name: 'bob' }).waitFor();
        assert.deepEqual(await layoutOf(page), { row: 'block', label: '"Member"' });
        await assertNoSidewaysScroll(page, 'members on a phone');
      },
      phoneViewport,
    );
  });

  test('Cancel changes nothing; a refused action keeps the dialog open with the reason; confirming acts', async () => {
    await withPage(browser, 'tables-confirm', async (page) => {
      await signInToConsole(page, fixture, fixture.user, '/console/orgs/default/members');
      const invitation = page.getByRole('row', { name: /erin@example\.test/ });
      const revoke = invitation.getByRole('button', { name: 'Revoke the invitation of erin@example.test' });
      const dialog = page.getByRole('dialog', { name: 'Revoke this invitation?' });

      await revoke.click();
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await dialog.waitFor({ state: 'hidden' });
      await invitation.getByText('pending').waitFor();

      let deletes = 0;
      await page.route('**/invitations/*', async (route) => {
        if (route.request().method() !== 'DELETE') return route.fallback();
        deletes += 1;
        await route.fulfill({
          status: 409,
          contentType: 'application/problem+json',
          body: JSON.stringify({ type: 'about:blank', title: 'Conflict', status: 409, detail: 'the invitation changed meanwhile' }),
        });
      });
      await revoke.click();
      await dialog.getByRole('button', { name: 'Revoke invitation' }).click();
      await dialog.getByText('the invitation changed meanwhile').waitFor();
      assert.equal(await dialog.isVisible(), true, 'the dialog stays open on a refusal');
      assert.equal(deletes, 1);
      await page.unroute('**/invitations/*');

      await dialog.getByRole('button', { name: 'Revoke invitation' }).click();
      await dialog.waitFor({ state: 'hidden' });
      await invitation.getByText('revoked').waitFor();
    });
    const invitations = await fixture.server.server.runtime.registry.orgs.listInvitations({ actor: operatorActor }, 'default');
    assert.ok(invitations.find((item) => item.email === 'erin@example.test')?.revokedAt, 'the invitation is revoked');
  });
});
