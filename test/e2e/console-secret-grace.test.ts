// In the console: after a secret refresh with a grace period, the app's secret card shows that the
// previous secret still works and until when; "End it now" stops it at once (invalid_client at
// the token endpoint) while the new one keeps working, and when each secret was last used. The card fits a 375 pixel screen.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { browserSkipReason, launchChromium, screenshot } from '../support/browser.js';
import { postForm, tokenUrl } from '../support/flows.js';
import { apiIdentifier, oauthFixture, type OAuthFixture } from '../support/oauth.js';
import { assertNoSidewaysScroll, phoneViewport, setRole, signInToConsole, withPage } from './console-helpers.js';

if (browserSkipReason) console.log(`# ${browserSkipReason}`);

describe("the previous secret's grace period in the console", { skip: browserSkipReason }, () => {
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

  const token = (clientId: string, secret: string) =>
    postForm(tokenUrl(fixture), { grant_type: 'client_credentials', audience: apiIdentifier }, { basic: [clientId, secret] });

  test('refresh with a grace period, see when the old secret stops, end it now', async () => {
    const app = await fixture.createApp({ name: 'Nightly export', type: 'm2m', apiGrants: [{ audience: apiIdentifier, scopes: ['read:contacts'] }] });
    const first = app.clientSecret!;
    await withPage(
      browser,
      'secret-grace',
      async (page) => {
        await signInToConsole(page, fixture, fixture.user, `/console/orgs/default/apps/${app.clientId}/oauth`);
        const card = page.getByRole('region', { name: 'Client secret' });
        await card.getByText(/Current secret made/).waitFor();
        assert.equal(await card.getByRole('button', { name: 'End it now' }).count(), 0, 'nothing to end before a rotation');

        await card.getByRole('button', { name: 'Refresh client secret' }).click();
        const confirm = page.getByRole('dialog', { name: 'Generate a new client secret?' });
        await confirm.getByLabel('The current secret stops working').selectOption({ label: 'After 1 day' });
        await confirm.getByRole('button', { name: 'Generate new client secret' }).click();
        const shown = page.getByRole('dialog', { name: 'Your new client secret' });
        const second = await shown.getByTestId('new-client-secret').inputValue();
        await shown.getByRole('button', { name: 'Close' }).first().click();
        await shown.waitFor({ state: 'hidden' });

        await card.getByText('The previous secret still works').waitFor();
        assert.match((await card.textContent()) ?? '', /keeps working until/);
        await assertNoSidewaysScroll(page, 'the secret card');
        await screenshot(page, 'secret-grace-01-previous');
        assert.equal((await token(app.clientId, first)).status, 200, 'the previous secret works in its grace period');
        // The card says the previous secret is still in use, once the use is written (batched, off the request path).
        assert.match((await card.getByRole('alert').textContent()) ?? '', /Last used: never/);
        await fixture.server.server.runtime.clientUsage.flush();
        await page.reload();
        await card.getByText('The previous secret still works').waitFor();
        assert.doesNotMatch((await card.getByRole('alert').textContent()) ?? '', /Last used: never/);
        await screenshot(page, 'secret-grace-01b-previous-used');

        await card.getByRole('button', { name: 'End it now' }).click();
        const ending = page.getByRole('dialog', { name: 'Stop the previous secret now?' });
        await ending.getByRole('button', { name: 'End it now' }).click();
        await ending.waitFor({ state: 'hidden' });
        await card.getByText('The previous secret still works').waitFor({ state: 'detached' });
        await screenshot(page, 'secret-grace-02-ended');

        const refused = await token(app.clientId, first);
        assert.equal(refused.status, 401);
        assert.equal(refused.body.error, 'invalid_client');
        assert.equal((await token(app.clientId, second)).status, 200, 'the new secret works');
      },
      phoneViewport,
    );
  });
});
