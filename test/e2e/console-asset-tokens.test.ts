// The console's Tokens tab turns asset tokens on, shows the server's problems under the fields, and takes an asset signing certificate.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { operatorActor } from '../../src/domain/access/actor.js';
import { browserSkipReason, launchChromium } from '../support/browser.js';
import { oauthFixture, redirectUri, type OAuthFixture } from '../support/oauth.js';
import { setRole, signInToConsole, withPage } from './console-helpers.js';

if (browserSkipReason) console.log(`# ${browserSkipReason}`);

const operator = { actor: operatorActor };
const fixtureFile = (name: string) => readFileSync(new URL(`../fixtures/certificates/${name}`, import.meta.url), 'utf8');

describe('asset tokens in the console', { skip: browserSkipReason }, () => {
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

  test('a web app enables asset tokens, a refused attribute shows under its field, and the certificate is set without its key coming back', async () => {
    const registry = fixture.server.server.runtime.registry;
    const { clientId } = await fixture.createApp({ name: 'Device companion', type: 'web', redirectUris: [redirectUri] });
    const privateKey = fixtureFile('ec-valid.key');
    await withPage(browser, 'asset-tokens', async (page) => {
      await signInToConsole(page, fixture, fixture.user, `/console/orgs/default/apps/${clientId}/tokens`);
      const card = page.locator('form', { has: page.getByRole('heading', { name: 'Asset tokens', exact: true }) });
      await card.waitFor();
      await card.getByLabel('Enable asset tokens').check();
      await card.getByLabel('Asset audiences').fill('https://vault.example.test\nurn:example:gateway');
      await card.getByLabel('Custom attributes').fill('{"sub": "someone else"}');
      await card.getByRole('button', { name: 'Save changes' }).click();
      await card
        .getByText(/^Custom attributes: sub is a claim the server sets/)
        .first()
        .waitFor();
      assert.equal((await registry.apps.get(operator, clientId)).settings.assetTokens.enabled, false, 'nothing saved');

      await card.getByLabel('Custom attributes').fill('{"tier": "gold"}');
      await card.getByRole('button', { name: 'Save changes' }).click();
      await card.getByText('Saved', { exact: true }).waitFor();

      await page.getByRole('textbox', { name: 'Asset signing certificate' }).fill(fixtureFile('ec-valid.pem'));
      await page.getByRole('textbox', { name: 'Private key' }).fill(privateKey);
      await page.getByRole('button', { name: 'Save the certificate' }).click();
      await page.getByText(/The asset signing certificate is saved/).waitFor();
      await page.getByText('ES256', { exact: true }).waitFor();

      await card.getByLabel('Sign asset tokens with').selectOption('certificate');
      await card.getByRole('button', { name: 'Save changes' }).click();
      await card.getByText('Saved', { exact: true }).waitFor();
      await page.reload();
      await page.getByText('ES256', { exact: true }).waitFor();
      const html = await page.content();
      const keyLine = privateKey.split('\n')[1]!;
      assert.equal(html.includes(keyLine), false, 'the private key is not on the page after a reload');
    });
    const settings = (await registry.apps.get(operator, clientId)).settings;
    assert.equal(settings.assetTokens.enabled, true);
    assert.equal(settings.assetTokens.signing, 'certificate');
    assert.deepEqual(settings.assetTokens.audiences, ['https://vault.example.test', 'urn:example:gateway']);
    assert.deepEqual(settings.assetTokens.customAttributes, { tier: 'gold' });
    assert.ok(settings.grantTypes.includes('urn:ietf:params:oauth:grant-type:token-exchange'), 'enabling added the grant');
  });

  test('a single-page app is told it can not get asset tokens', async () => {
    const { clientId } = await fixture.createApp({ name: 'Browser app', type: 'spa', redirectUris: [redirectUri] });
    await withPage(browser, 'asset-tokens-spa', async (page) => {
      await signInToConsole(page, fixture, fixture.user, `/console/orgs/default/apps/${clientId}/tokens`);
      await page.getByText(/can't use token exchange .* so it can't get asset tokens/).waitFor();
      assert.equal(await page.getByLabel('Enable asset tokens').count(), 0);
    });
  });
});
