// The console's Advanced tab requires DPoP of an app.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { operatorActor } from '../../src/domain/access/actor.js';
import { browserSkipReason, launchChromium } from '../support/browser.js';
import { apiIdentifier, oauthFixture, type OAuthFixture } from '../support/oauth.js';
import { setRole, signInToConsole, withPage } from './console-helpers.js';

if (browserSkipReason) console.log(`# ${browserSkipReason}`);

const operator = { actor: operatorActor };

describe('DPoP in the console', { skip: browserSkipReason }, () => {
  let fixture: OAuthFixture;
  let browser: Browser;

  before(async () => {
    fixture = await oauthFixture();
    await setRole(fixture, fixture.user.id, 'admin');
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await fixture?.stop();
  });

  test('the Advanced tab of a machine app turns "Require DPoP" on, and it is saved', async () => {
    const registry = fixture.server.server.runtime.registry;
    const { clientId } = await fixture.createApp({ name: 'Billing job', type: 'm2m', apiGrants: [{ audience: apiIdentifier, scopes: ['read:contacts'] }] });
    const label = 'Require DPoP (sender-constrained tokens)';
    await withPage(browser, 'dpop-app', async (page) => {
      await signInToConsole(page, fixture, fixture.user, `/console/orgs/default/apps/${clientId}/advanced`);
      await page.getByRole('heading', { name: 'Advanced settings' }).waitFor();
      const box = page.getByLabel(label);
      assert.equal(await box.isChecked(), false);
      await page.getByText(/Every token request must carry a DPoP proof/).waitFor();
      await box.check();
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.getByText('Saved', { exact: true }).waitFor();
      await page.reload();
      await page.getByRole('heading', { name: 'Advanced settings' }).waitFor();
      assert.equal(await page.getByLabel(label).isChecked(), true, 'the saved value comes back');
    });
    const security = (await registry.apps.get(operator, clientId)).settings.security;
    assert.equal(security.requireDpop, true);
    assert.equal(security.introspectAllTokens, false, 'the checkbox next to it is left alone');
  });
});
