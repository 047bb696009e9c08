// In the console: a public app saved as a draft with a placeholder callback URL, refused
// for approval until the callback is real, then approved; its client secret refreshed behind a
// confirm dialog: the old secret stops working at the token endpoint, tokens issued before stay valid.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { operatorActor } from '../../src/domain/access/actor.js';
import { browserSkipReason, launchChromium, screenshot, screenshotDir } from '../support/browser.js';
import { obtainCode, postForm, redeem } from '../support/flows.js';
import { oauthFixture, redirectUri, type OAuthFixture } from '../support/oauth.js';
import { setRole, signInToConsole, withPage } from './console-helpers.js';

if (browserSkipReason) console.log(`# ${browserSkipReason}`);

describe('client ID and secret of a public app, a placeholder callback, and a secret refresh', { skip: browserSkipReason }, () => {
  let fixture: OAuthFixture;
  let browser: Browser;
  let clientId = '';
  let firstSecret = '';

  before(async () => {
    fixture = await oauthFixture();
    await setRole(fixture, fixture.user.id, 'admin');
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await fixture?.stop();
  });

  test('create a public app with a placeholder callback URL, saved as a draft; the client ID and secret are shown once', async () => {
    await withPage(browser, 'public-app-create', async (page) => {
      await signInToConsole(page, fixture);
      await page.getByRole('link', { name: 'Create New OAuth App' }).first().click();
      await page.getByLabel(/Web app/).check();
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByLabel('Name').fill('Acme Marketplace Sync');
      await page.getByLabel(/Public app/).check();
      await page.getByRole('button', { name: 'Continue' }).click();

      // A non-functioning callback URL for the time being: marked as a placeholder, fine in a draft.
      await page.getByLabel('Redirect URI 1', { exact: true }).fill('https://callback.invalid/oauth');
      await page.getByText('Placeholder', { exact: true }).waitFor();
      assert.equal(await page.getByLabel('Save as draft').isChecked(), true, 'a public app starts as a draft');
      await screenshot(page, 'public-app-01-placeholder');
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByRole('button', { name: 'Continue' }).click(); // token lifetimes: the defaults
      await page.getByRole('button', { name: 'Continue' }).click(); // no refresh token
      await page.getByLabel('read:contacts', { exact: true }).check();
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByRole('button', { name: 'Create' }).click();

      await page.getByRole('heading', { name: 'Acme Marketplace Sync is ready' }).waitFor();
      clientId = await page.getByLabel('Client ID (app ID)', { exact: true }).inputValue();
      firstSecret = await page.getByLabel('Client secret', { exact: true }).inputValue();
      assert.match(firstSecret, /^lk_cs_/);
      await page.getByText('This is the only time the client secret is shown.').waitFor();
      await page.getByText('This app is a draft with placeholder redirect URIs.').waitFor();
      await screenshot(page, 'public-app-02-credentials');
      await page.getByRole('link', { name: 'Continue' }).click();
      await page.getByRole('heading', { name: 'Acme Marketplace Sync', level: 1 }).waitFor();
      assert.equal((await page.content()).includes(firstSecret), false, 'the secret is gone once you leave');
    });
  });

  test('submission is refused until the callback URL is real; then it is submitted and approved', async () => {
    await withPage(browser, 'public-app-submit', async (page) => {
      await signInToConsole(page, fixture, fixture.user, `/console/orgs/default/apps/${clientId}/lifecycle`);
      await page.getByRole('heading', { name: 'Lifecycle' }).waitFor();
      await page.getByText('Placeholder redirect URIs', { exact: true }).waitFor();
      await page.getByRole('button', { name: 'Submit for approval' }).click();
      const dialog = page.getByRole('dialog', { name: 'Submit this app for approval?' });
      await dialog.getByRole('button', { name: 'Submit for approval' }).click();
      await dialog
        .getByText(/redirectUris\[0\]/)
        .first()
        .waitFor();
      await dialog
        .getByText(/placeholder/)
        .first()
        .waitFor();
      await screenshot(page, 'public-app-03-submit-refused');
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      assert.equal((await fixture.server.server.runtime.registry.apps.get({ actor: operatorActor }, clientId)).status, 'draft');

      // Basic info: replace the placeholder with the real callback URL.
      await page.getByRole('link', { name: 'Basic info' }).click();
      const callback = page.getByLabel('Redirect URI 1', { exact: true });
      assert.equal(await callback.inputValue(), 'https://callback.invalid/oauth');
      await callback.fill(redirectUri);
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.getByText('Saved', { exact: true }).waitFor();
      assert.equal(await page.getByText('Placeholder', { exact: true }).count(), 0);

      await page.getByRole('link', { name: 'Lifecycle' }).click();
      await page.getByRole('button', { name: 'Submit for approval' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Submit for approval' }).click();
      await page.getByText('the app is now submitted').waitFor();
    });
    // Another admin reviews it: whoever submitted doesn't (test/http/app-review.test.ts).
    const reviewer = await fixture.createMember('public-app-reviewer@example.test', 'admin');
    await withPage(browser, 'public-app-approve', async (page) => {
      await signInToConsole(page, fixture, reviewer, `/console/orgs/default/apps/${clientId}/lifecycle`);
      await page.getByRole('button', { name: 'Approve' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Approve' }).click();
      await page.getByText('the app is now active').waitFor();
      await screenshot(page, 'public-app-04-approved');
    });
    const app = await fixture.server.server.runtime.registry.apps.get({ actor: operatorActor }, clientId);
    assert.equal(app.status, 'active');
    assert.equal(app.review?.decision, 'approved');
  });

  test('the client secret is refreshed behind a confirm dialog: the old one stops working, tokens issued before stay valid', async () => {
    // A user token issued with the first secret.
    const before = await redeem(fixture, await obtainCode(fixture, clientId, { scope: 'openid' }), clientId, firstSecret);
    assert.equal(before.status, 200, JSON.stringify(before.body));
    const issuedBefore = String(before.body.access_token);

    let newSecret = '';
    await withPage(browser, 'public-app-rotate', async (page) => {
      await signInToConsole(page, fixture, fixture.user, `/console/orgs/default/apps/${clientId}/oauth`);
      await page.getByRole('heading', { name: 'Client ID', exact: true }).waitFor();
      assert.equal(await page.getByRole('textbox', { name: 'Client ID', exact: true }).inputValue(), clientId);
      await page.getByText("The client ID can't be changed.").waitFor();
      await page.getByRole('button', { name: 'Refresh client secret' }).click();
      const confirm = page.getByRole('dialog', { name: 'Generate a new client secret?' });
      await confirm.waitFor();
      await confirm.getByText('This deactivates the current client secret').waitFor();
      await screenshot(page, 'public-app-05-confirm-refresh');
      await confirm.screenshot({ path: join(screenshotDir, 'public-app-05a-confirm-dialog.png') });
      // Cancelling changes nothing; Escape closes the dialog too.
      await page.keyboard.press('Escape');
      await confirm.waitFor({ state: 'hidden' });
      await page.getByRole('button', { name: 'Refresh client secret' }).click();
      await confirm.getByLabel('The current secret stops working').selectOption({ label: 'Immediately' });
      await confirm.getByRole('button', { name: 'Generate new client secret' }).click();
      const shown = page.getByRole('dialog', { name: 'Your new client secret' });
      await shown.waitFor();
      newSecret = await shown.getByLabel('New client secret', { exact: true }).inputValue();
      await shown.getByText("Copy it now: it won't be shown again.").waitFor();
      await shown.getByRole('button', { name: 'Copy New client secret' }).click();
      await shown.getByText('Copied').waitFor();
      await screenshot(page, 'public-app-06-new-secret');
      await shown.screenshot({ path: join(screenshotDir, 'public-app-06a-new-secret-dialog.png') });
      await shown.getByRole('button', { name: 'Close' }).click();
      await shown.waitFor({ state: 'hidden' });
      assert.equal((await page.content()).includes(newSecret), false, 'shown once');
    });
    assert.match(newSecret, /^lk_cs_/);
    assert.notEqual(newSecret, firstSecret);

    const oldSecret = await redeem(fixture, await obtainCode(fixture, clientId, { scope: 'openid' }), clientId, firstSecret);
    assert.equal(oldSecret.status, 401);
    assert.equal(oldSecret.body.error, 'invalid_client');
    const withNew = await redeem(fixture, await obtainCode(fixture, clientId, { scope: 'openid' }), clientId, newSecret);
    assert.equal(withNew.status, 200);

    const introspection = await postForm(`${fixture.issuer}/oauth2/introspect`, { token: issuedBefore }, { basic: [clientId, newSecret] });
    assert.equal(introspection.status, 200);
    assert.equal(introspection.body.active, true, 'tokens issued before the refresh stay valid');
  });
});
