// The Reviews page: an admin who didn't submit a public app approves it (or rejects it with a
// reason) from the review queue; the navigation shows the page only to those who may review.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { allManagementScopes, operatorActor, type Actor } from '../../src/domain/access/actor.js';
import { browserSkipReason, launchChromium, screenshot } from '../support/browser.js';
import { oauthFixture, type OAuthFixture } from '../support/oauth.js';
import { signInToConsole, withPage } from './console-helpers.js';

if (browserSkipReason) console.log(`# ${browserSkipReason}`);

describe('the console Reviews page', { skip: browserSkipReason }, () => {
  let fixture: OAuthFixture;
  let browser: Browser;
  let reviewer: { id: string; email: string; password: string };
  let submitter: Actor;

  before(async () => {
    fixture = await oauthFixture();
    // fixture.user is a developer of the default organization: they submit.
    submitter = { kind: 'user', userId: fixture.user.id, email: fixture.user.email, scopes: new Set(allManagementScopes) };
    reviewer = await fixture.createMember('reviewer@example.test', 'admin');
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await fixture?.stop();
  });

  async function submitted(name: string, by: Actor = submitter): Promise<string> {
    const registry = fixture.server.server.runtime.registry;
    const { app } = await registry.apps.create({ actor: by }, fixture.orgId, {
      name,
      type: 'spa',
      visibility: 'public',
      redirectUris: [`https://${name.toLowerCase().replace(/\W+/g, '-')}.example.test/callback`],
    });
    await registry.apps.transition({ actor: by }, app.clientId, 'submit');
    return app.clientId;
  }

  const appOf = (clientId: string) => fixture.server.server.runtime.registry.apps.get({ actor: operatorActor }, clientId);

  test('a developer sees no Reviews page in the navigation', async () => {
    await withPage(browser, 'reviews-developer', async (page) => {
      await signInToConsole(page, fixture);
      await page.getByRole('link', { name: 'OAuth apps' }).waitFor();
      assert.equal(await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Reviews' }).count(), 0);
    });
  });

  test('an admin approves one submission and rejects another from the queue', async () => {
    const approveId = await submitted('Partner dashboard');
    const rejectId = await submitted('Coupon widget');
    await withPage(browser, 'reviews-admin', async (page) => {
      await signInToConsole(page, fixture, reviewer);
      await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Reviews' }).click();
      await page.waitForURL(/\/console\/orgs\/default\/reviews$/);
      await page.getByRole('heading', { name: 'Reviews' }).waitFor();
      const row = page.getByRole('row', { name: /Partner dashboard/ });
      await row.waitFor();
      await row.getByText(`by ${fixture.user.email}`).waitFor();
      assert.equal(await row.getByRole('link', { name: 'Partner dashboard' }).getAttribute('href'), `/console/orgs/default/apps/${approveId}`);
      await screenshot(page, 'reviews-01-queue');

      await row.getByRole('button', { name: 'Approve Partner dashboard' }).click();
      const approve = page.getByRole('dialog', { name: 'Approve this app?' });
      await approve.getByRole('button', { name: 'Approve', exact: true }).click();
      await page.getByText('Partner dashboard was approved: it is now active.').waitFor();
      await page.getByRole('row', { name: /Partner dashboard/ }).waitFor({ state: 'hidden' });

      await page.getByRole('button', { name: 'Reject Coupon widget' }).click();
      const reject = page.getByRole('dialog', { name: 'Reject this app?' });
      assert.equal(await reject.getByRole('button', { name: 'Reject' }).isDisabled(), true, 'a reason is needed');
      await reject.getByLabel('Reason').fill('Add a privacy policy link.');
      await reject.getByRole('button', { name: 'Reject' }).click();
      await page.getByText('Coupon widget was rejected: it is now draft.').waitFor();
      await page.getByRole('heading', { name: 'Nothing to review' }).waitFor();
      await screenshot(page, 'reviews-02-empty');
    });

    const approved = await appOf(approveId);
    assert.equal(approved.status, 'active');
    assert.equal(approved.review?.reviewedBy, reviewer.email);
    assert.equal(approved.review?.submittedBy, fixture.user.email);
    const rejected = await appOf(rejectId);
    assert.equal(rejected.status, 'draft');
    assert.equal(rejected.review?.reason, 'Add a privacy policy link.');
  });

  test('an admin’s own submission is not in their queue, and its Lifecycle tab says who reviews it', async () => {
    const reviewerActor: Actor = { kind: 'user', userId: reviewer.id, email: reviewer.email, scopes: new Set(allManagementScopes) };
    const own = await submitted('Own portal', reviewerActor);
    await withPage(browser, 'reviews-own', async (page) => {
      await signInToConsole(page, fixture, reviewer, '/console/orgs/default/reviews');
      await page.getByRole('heading', { name: 'Nothing to review' }).waitFor();
      await page.goto(`${fixture.issuer}/console/orgs/default/apps/${own}/lifecycle`);
      await page.getByText('You submitted this app').waitFor();
      await page.getByRole('button', { name: 'Approve', exact: true }).click();
      const approve = page.getByRole('dialog', { name: 'Approve this app?' });
      await approve.getByRole('button', { name: 'Approve', exact: true }).click();
      await approve.getByText(/you submitted this app, so you may not approve it/).waitFor();
    });
    assert.equal((await appOf(own)).status, 'submitted');
  });
});
