// In the console: a native/mobile app with PKCE, two redirect URIs, token lifetimes with
// bounds, a refresh token, scopes and Open ID; the app ID copied or downloaded as JSON; then a real
// authorization code flow with PKCE against the token endpoint.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { operatorActor } from '../../src/domain/access/actor.js';
import { browserSkipReason, launchChromium, screenshot } from '../support/browser.js';
import { obtainCode, redeem } from '../support/flows.js';
import { apiIdentifier, oauthFixture, redirectUri, type OAuthFixture } from '../support/oauth.js';
import { jwtPayload, setRole, signInToConsole, withPage } from './console-helpers.js';

if (browserSkipReason) console.log(`# ${browserSkipReason}`);

describe('a native/mobile OAuth app made in the console', { skip: browserSkipReason }, () => {
  let fixture: OAuthFixture;
  let browser: Browser;
  let clientId = '';

  before(async () => {
    fixture = await oauthFixture();
    await setRole(fixture, fixture.user.id, 'admin');
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await fixture?.stop();
  });

  test('View Organization > OAuth Apps > Create New OAuth App, step by step, refusing out-of-range lifetimes inline', async () => {
    await withPage(browser, 'native-app-create', async (page) => {
      await signInToConsole(page, fixture);
      // 1. The organization's OAuth apps.
      await page.getByRole('heading', { name: 'OAuth apps' }).waitFor();
      assert.equal(await page.getByLabel('Organization').inputValue(), 'default');
      await screenshot(page, 'native-app-01-apps');
      await page.getByRole('link', { name: 'Create New OAuth App' }).first().click();

      // 2. Native/Mobile app, Continue.
      await page.getByRole('heading', { name: /Step 1 of 7: App type/ }).waitFor();
      await page.getByLabel(/Native\/Mobile app/).check();
      await screenshot(page, 'native-app-02-type');
      await page.getByRole('button', { name: 'Continue' }).click();

      // 3.1 Name and description.
      await page.getByRole('heading', { name: /Name and description/ }).waitFor();
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByText('must not be empty').waitFor();
      await page.getByLabel('Name').fill('Acme Notes Mobile');
      await page.getByLabel('Description').fill('Notes on the go, for iOS and Android.');
      await page.getByRole('button', { name: 'Continue' }).click();

      // 3.2 At least one redirect URI; more than one is best practice.
      await page.getByRole('heading', { name: /Redirect URIs/ }).waitFor();
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByText('enter at least one redirect URI').waitFor();
      await page.getByLabel('Redirect URI 1', { exact: true }).fill('com.example.notes:/oauth/callback');
      await page.getByRole('button', { name: '+ Add redirect URI' }).click();
      await page.getByLabel('Redirect URI 2', { exact: true }).fill('https://client.example.test/callback#frag');
      await page.getByText('must not contain a fragment').waitFor();
      await page.getByLabel('Redirect URI 2', { exact: true }).fill(redirectUri);
      const used = 'com.example.notes:/oauth/callback'.length + 1 + redirectUri.length;
      await page.getByText(`${used} of 2000 characters used`).waitFor();
      await screenshot(page, 'native-app-03-redirect-uris');
      await page.getByRole('button', { name: 'Continue' }).click();

      // 3.3 Access token TTL: default 30, 1..300, refused inline outside.
      await page.getByRole('heading', { name: /Token lifetimes/ }).waitFor();
      const accessTtl = page.getByLabel('Access token TTL (minutes)');
      assert.equal(await accessTtl.inputValue(), '30');
      assert.equal(await page.getByLabel('ID token validity (minutes)').inputValue(), '2');
      await accessTtl.fill('301');
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByText('must be a whole number of minutes from 1 to 300').waitFor();
      assert.equal(await accessTtl.getAttribute('aria-invalid'), 'true');
      await screenshot(page, 'native-app-04-ttl-refused');
      await accessTtl.fill('0');
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByText('must be a whole number of minutes from 1 to 300').waitFor();
      await accessTtl.fill('45');
      await page.getByRole('button', { name: 'Continue' }).click();

      // 3.4 Issue a refresh token, with its TTL (default 30, 1..300).
      await page.getByRole('heading', { name: /Refresh token/ }).waitFor();
      await page.getByLabel('Issue a refresh token').check();
      const refreshTtl = page.getByLabel('Refresh token TTL (minutes)');
      assert.equal(await refreshTtl.inputValue(), '30');
      await refreshTtl.fill('301');
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByText('must be a whole number of minutes from 1 to 300').waitFor();
      await refreshTtl.fill('120');
      assert.equal(await page.getByLabel('Rotate refresh tokens').isChecked(), true);
      assert.equal(await page.getByLabel('Rotate refresh tokens').isDisabled(), true, 'public apps always rotate');
      await screenshot(page, 'native-app-05-refresh');
      await page.getByRole('button', { name: 'Continue' }).click();

      // 4. Scopes: the organization's API and its scopes.
      await page.getByRole('heading', { name: /Scopes/ }).waitFor();
      await page.getByLabel('read:contacts', { exact: true }).check();
      await page.getByLabel('Default audience').selectOption(apiIdentifier);
      await screenshot(page, 'native-app-06-scopes');
      await page.getByRole('button', { name: 'Continue' }).click();

      // 5. Open ID, 6. Create.
      await page.getByRole('heading', { name: /OpenID/ }).waitFor();
      assert.equal(await page.getByLabel('Open ID').isChecked(), true);
      await screenshot(page, 'native-app-07-openid');
      await page.getByRole('button', { name: 'Create' }).click();

      // 7. Copy the app ID or download a JSON file that contains it.
      await page.getByRole('heading', { name: 'Acme Notes Mobile is ready' }).waitFor();
      clientId = await page.getByLabel('Client ID (app ID)', { exact: true }).inputValue();
      assert.match(clientId, /^[A-Za-z0-9_-]{16,}$/);
      assert.equal(await page.getByLabel('Client secret', { exact: true }).count(), 0, 'a native app is a public client: no secret');
      await page.getByRole('button', { name: 'Copy Client ID (app ID)' }).click();
      await page.getByText('Copied').waitFor();
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download JSON' }).click()]);
      assert.equal(download.suggestedFilename(), `latchkey-app-${clientId}.json`);
      const file = JSON.parse(await readFile(await download.path(), 'utf8')) as Record<string, unknown>;
      assert.equal(file.client_id, clientId);
      assert.equal(file.issuer, fixture.issuer);
      assert.deepEqual(file.redirect_uris, ['com.example.notes:/oauth/callback', redirectUri]);
      assert.equal(JSON.stringify(file).includes('secret"'), false);
      await screenshot(page, 'native-app-08-credentials');

      // 8. Continue: the app's pages.
      await page.getByRole('link', { name: 'Continue' }).click();
      await page.getByRole('heading', { name: 'Acme Notes Mobile', level: 1 }).waitFor();
      await page.getByRole('link', { name: 'Tokens' }).click();
      assert.equal(await page.getByLabel('Access token TTL (minutes)').inputValue(), '45');
      assert.equal(await page.getByLabel('Refresh token TTL (minutes)').inputValue(), '120');
      await screenshot(page, 'native-app-09-app-tokens');
    });

    const app = await fixture.server.server.runtime.registry.apps.get({ actor: operatorActor }, clientId);
    assert.equal(app.type, 'native');
    assert.equal(app.status, 'active');
    assert.deepEqual(app.settings.redirectUris, ['com.example.notes:/oauth/callback', redirectUri]);
    assert.equal(app.settings.accessToken.ttlMinutes, 45);
    assert.equal(app.settings.refreshToken.ttlMinutes, 120);
    assert.ok(app.settings.grantTypes.includes('refresh_token'));
    assert.deepEqual([...app.settings.scopes].sort(), ['email', 'offline_access', 'openid', 'profile', 'read:contacts']);
    assert.equal(app.settings.defaultAudience, apiIdentifier);
  });

  test('the app works: authorization code with PKCE, an ID token, a 45-minute access token and a refresh token', async () => {
    assert.ok(clientId, 'the app was created');
    const code = await obtainCode(fixture, clientId, { scope: 'openid email offline_access read:contacts' });
    const tokens = await redeem(fixture, code, clientId, null);
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
    assert.ok(tokens.body.id_token, 'Open ID: an ID token');
    assert.ok(tokens.body.refresh_token, 'a refresh token');
    assert.equal(tokens.body.expires_in, 45 * 60);
    const idToken = jwtPayload(tokens.body.id_token as string);
    assert.equal(idToken.aud, clientId);
    assert.equal(idToken.sub, fixture.user.id);
    const access = jwtPayload(String(tokens.body.access_token));
    assert.equal(access.aud, apiIdentifier);
    assert.match(String(access.scope), /read:contacts/);
  });
});
