// In the console: the owner of per-user client credentials rotates their secret from My profile,
// choosing how long the previous one keeps working, as for an app's secret; an admin rotates a
// member's from the member's page.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { operatorActor } from '../../src/domain/access/actor.js';
import { browserSkipReason, launchChromium, screenshot } from '../support/browser.js';
import { postForm, tokenUrl } from '../support/flows.js';
import { apiIdentifier, oauthFixture, type OAuthFixture } from '../support/oauth.js';
import { setRole, signInToConsole, withPage } from './console-helpers.js';

if (browserSkipReason) console.log(`# ${browserSkipReason}`);

describe('rotating the secret of per-user client credentials in the console', { skip: browserSkipReason }, () => {
  let fixture: OAuthFixture;
  let browser: Browser;
  let carol: { id: string; email: string; password: string };

  before(async () => {
    fixture = await oauthFixture();
    await setRole(fixture, fixture.user.id, 'admin');
    carol = await fixture.createUser('carol@example.test');
    await setRole(fixture, carol.id, 'developer');
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await fixture?.stop();
  });

  async function credentialFor(name: string) {
    const { app, clientSecret } = await fixture.server.server.runtime.registry.credentials.create({ actor: operatorActor }, fixture.orgId, {
      name,
      userId: carol.id,
      apiGrants: [{ audience: apiIdentifier, scopes: ['read:contacts'] }],
    });
    return { clientId: app.clientId, secret: clientSecret! };
  }

  async function tokenStatus(clientId: string, secret: string): Promise<number> {
    const response = await postForm(tokenUrl(fixture), { grant_type: 'client_credentials' }, { basic: [clientId, secret] });
    return response.status;
  }

  /** Rotates the secret of the named row's credentials, choosing when the current one stops; the new secret and the notice. */
  async function rotate(page: Page, name: string, stops: string): Promise<{ secret: string; notice: string }> {
    await page.getByRole('button', { name: `Rotate the secret of ${name}` }).click();
    const confirm = page.getByRole('dialog', { name: 'Generate a new client secret?' });
    await confirm.getByText(name).first().waitFor();
    await confirm.getByLabel('The current secret stops working').selectOption({ label: stops });
    await confirm.getByRole('button', { name: 'Generate new client secret' }).click();
    const shown = page.getByRole('dialog', { name: 'Your new client secret' });
    const secret = await shown.getByLabel('New client secret', { exact: true }).inputValue();
    const notice = (await shown.getByText(/The previous secret/).textContent()) ?? '';
    await shown.getByRole('button', { name: 'Close' }).click();
    await shown.waitFor({ state: 'hidden' });
    return { secret, notice };
  }

  test('the owner rotates with a grace period, then without: the previous secret works, then stops', async () => {
    const made = await credentialFor('Nightly export');
    await withPage(browser, 'credential-rotation-own', async (page) => {
      await signInToConsole(page, fixture, carol);
      await page.getByRole('link', { name: 'My profile' }).click();
      await page.getByRole('row', { name: /Nightly export/ }).waitFor();

      const graceful = await rotate(page, 'Nightly export', 'After 1 hour');
      assert.match(graceful.secret, /^lk_cs_/);
      assert.match(graceful.notice, /The previous secret works until/);
      assert.equal(await tokenStatus(made.clientId, made.secret), 200, 'the previous secret works during the grace period');
      assert.equal(await tokenStatus(made.clientId, graceful.secret), 200);
      await screenshot(page, 'credential-rotation-01-grace');

      const abrupt = await rotate(page, 'Nightly export', 'Immediately');
      assert.match(abrupt.notice, /The previous secret no longer works/);
      assert.equal(await tokenStatus(made.clientId, made.secret), 401);
      assert.equal(await tokenStatus(made.clientId, graceful.secret), 401, 'no grace: the previous secret stops at once');
      assert.equal(await tokenStatus(made.clientId, abrupt.secret), 200);
      assert.equal((await page.content()).includes(abrupt.secret), false, 'the secret is gone from the page once closed');
    });
  });

  test("an admin rotates a member's credentials from the member's page", async () => {
    const made = await credentialFor('Carol CI job');
    await withPage(browser, 'credential-rotation-admin', async (page) => {
      await signInToConsole(page, fixture);
      await page.getByRole('link', { name: 'Members' }).click();
      await page.getByRole('link', { name: 'carol' }).click();
      await page.getByRole('row', { name: /Carol CI job/ }).waitFor();
      await page.getByRole('button', { name: 'Rotate the secret of Carol CI job' }).click();
      await page
        .getByRole('dialog', { name: 'Generate a new client secret?' })
        .getByText(/which belongs to .*carol@example\.test/)
        .waitFor();
      await page.getByRole('dialog', { name: 'Generate a new client secret?' }).getByRole('button', { name: 'Cancel' }).click();
      const rotated = await rotate(page, 'Carol CI job', 'Immediately');
      assert.equal(await tokenStatus(made.clientId, made.secret), 401);
      assert.equal(await tokenStatus(made.clientId, rotated.secret), 200);
    });
  });
});
