// The console's Advanced tab requires pushed authorization requests of an app.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { operatorActor } from '../../src/domain/access/actor.js';
import { browserSkipReason, launchChromium } from '../support/browser.js';
import { oauthFixture, redirectUri, type OAuthFixture } from '../support/oauth.js';
import { setRole, signInToConsole, withPage } from './console-helpers.js';

if (browserSkipReason) console.log(`# ${browserSkipReason}`);

const operator = { actor: operatorActor };

describe('pushed authorization requests in the console', { skip: browserSkipReason }, () => {
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

  test('the Advanced tab of an app turns "Require pushed authorization requests (PAR)" on, and it is saved', async () => {
    const registry = fixture.server.server.runtime.registry;
    const { clientId } = await fixture.createApp({ name: 'Banking', type: 'web', redirectUris: [redirectUri], scopes: ['openid'] });
    const label = 'Require pushed authorization requests (PAR)';
    await withPage(browser, 'pushed-authorization-app', async (page) => {
      await signInToConsole(page, fixture, fixture.user, `/console/orgs/default/apps/${clientId}/advanced`);
      await page.getByRole('heading', { name: 'Advanced settings' }).waitFor();
      const box = page.getByLabel(label);
      assert.equal(await box.isChecked(), false);
      await page.getByText(/send only client_id and request_uri to the authorization endpoint/).waitFor();
      await box.check();
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.getByText('Saved', { exact: true }).waitFor();
      await page.reload();
      await page.getByRole('heading', { name: 'Advanced settings' }).waitFor();
      assert.equal(await page.getByLabel(label).isChecked(), true, 'the saved value comes back');
    });
    const security = (await registry.apps.get(operator, clientId)).settings.security;
    assert.equal(security.requirePushedAuthorizationRequests, true);
    assert.equal(security.requireMfa, false, 'the checkbox next to it is left alone');
  });
});
