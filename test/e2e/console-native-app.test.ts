// From an empty server, in the console: the first-run setup, the organization's API, then a
// native/mobile app with PKCE, two redirect URIs, token lifetimes with bounds, a refresh token,
// scopes and Open ID; the app ID copied or downloaded as JSON; then openid-client runs the app: the
// authorization code flow with PKCE, a refresh with a smaller scope, userinfo, and the JWT access
// token verified against the published keys.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import * as client from 'openid-client';
import type { Browser } from 'playwright-core';
import { operatorActor } from '../../src/domain/access/actor.js';
import { browserSkipReason, launchChromium, screenshot } from '../support/browser.js';
import { registerApiInConsole, verifyAccessToken } from './console-replay-steps.js';
import { completeFirstRun, runCodeFlowWithOpenidClient, startEmptyServer, type EmptyServer, type Person } from './from-empty-server.js';
import { withPage } from './console-helpers.js';

if (browserSkipReason) console.log(`# ${browserSkipReason}`);

const apiIdentifier = 'https://contacts.example.test';
const customScheme = 'com.example.notes:/oauth/callback';
// Chromium hands a private-use scheme (RFC 8252 §7.1) to the operating system: the navigation is
// aborted before page.route or any request event sees it, so a test can't catch the code there.
// The app also registers a loopback URI (RFC 8252 §7.3), as desktop builds of native apps do; its
// port is left out because a native app's listener gets one from the OS at run time.
const loopback = 'http://127.0.0.1/callback';
const admin: Person = { email: 'ada@acme.example', name: 'Ada Admin', password: 'correct horse battery staple' };

describe('a native/mobile OAuth app made in the console', { skip: browserSkipReason }, () => {
  let empty: EmptyServer;
  let browser: Browser;
  let clientId = '';

  before(async () => {
    empty = await startEmptyServer();
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await empty?.stop();
  });

  test('View Organization > OAuth Apps > Create New OAuth App, step by step, refusing out-of-range lifetimes inline', async () => {
    await withPage(browser, 'native-app-create', async (page) => {
      // The setup link of the empty server: the administrator and the organization.
      const org = await completeFirstRun(page, empty, admin, 'Acme Notes');
      // The API whose scopes the app will ask for, on the organization's APIs page.
      await registerApiInConsole(page, empty, org, {
        identifier: apiIdentifier,
        name: 'Contacts API',
        scopes: [
          { name: 'read:contacts', description: 'Read your contacts' },
          { name: 'write:contacts', description: 'Change your contacts' },
        ],
        allowOfflineAccess: true,
      });

      // 1. The organization's OAuth apps.
      await page.getByRole('link', { name: 'OAuth apps' }).click();
      await page.getByRole('heading', { name: 'OAuth apps', exact: true }).waitFor();
      await page.getByRole('heading', { name: 'No OAuth apps yet' }).waitFor();
      assert.equal(await page.getByLabel('Organization').inputValue(), org);
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
      await page.getByLabel('Redirect URI 1', { exact: true }).fill(customScheme);
      await page.getByRole('button', { name: '+ Add redirect URI' }).click();
      await page.getByLabel('Redirect URI 2', { exact: true }).fill(`${loopback}#frag`);
      await page.getByText('must not contain a fragment').waitFor();
      await page.getByLabel('Redirect URI 2', { exact: true }).fill(loopback);
      const used = customScheme.length + loopback.length;
      await page.getByText(`${used} of 2000 characters used`).waitFor();
      await screenshot(page, 'native-app-03-redirect-uris');
      await page.getByRole('button', { name: 'Continue' }).click();

      // 3.3 Access token TTL: default 30, 1..300, refused inline outside.
      await page.getByRole('heading', { name: /Token lifetimes/ }).waitFor();
      assert.equal(await page.getByLabel(/Use the API.s lifetime/).isChecked(), true, "the API's lifetime by default");
      await page.getByLabel(/A lifetime of its own/).check();
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
      assert.equal(file.issuer, empty.issuer);
      assert.deepEqual(file.redirect_uris, [customScheme, loopback]);
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

    const app = await empty.server.server.runtime.registry.apps.get({ actor: operatorActor }, clientId);
    assert.equal(app.type, 'native');
    assert.equal(app.status, 'active');
    assert.deepEqual(app.settings.redirectUris, [customScheme, loopback]);
    assert.equal(app.settings.accessToken.ttlMinutes, 45);
    assert.equal(app.settings.refreshToken.ttlMinutes, 120);
    assert.ok(app.settings.grantTypes.includes('refresh_token'));
    assert.deepEqual([...app.settings.scopes].sort(), ['email', 'offline_access', 'openid', 'profile', 'read:contacts']);
    assert.equal(app.settings.defaultAudience, apiIdentifier);
  });

  test('openid-client runs the app: code with PKCE on a loopback port, a 45-minute JWT access token, a refresh with a smaller scope, userinfo', async () => {
    assert.ok(clientId, 'the app was created');
    // Any port on the loopback address matches the registered URI without one (RFC 8252 §7.3).
    const redirectUri = 'http://127.0.0.1:53117/callback';
    const { configuration, tokens } = await runCodeFlowWithOpenidClient(browser, empty, { clientId, redirectUri }, admin, {
      scope: 'openid email offline_access read:contacts',
    });
    const user = await empty.server.server.runtime.registry.users.get({ actor: operatorActor }, admin.email);
    assert.ok(tokens.id_token, 'Open ID: an ID token');
    assert.ok(tokens.refresh_token, 'a refresh token');
    assert.equal(tokens.expires_in, 45 * 60);
    const idToken = tokens.claims()!;
    assert.equal(idToken.aud, clientId);
    assert.equal(idToken.sub, user.id);
    assert.equal(idToken.email, admin.email);
    const access = await verifyAccessToken(configuration, tokens.access_token, apiIdentifier);
    assert.equal(access.sub, user.id);
    assert.equal(access.client_id, clientId);
    assert.deepEqual(String(access.scope).split(' ').sort(), ['email', 'offline_access', 'openid', 'read:contacts']);

    // The access token also reads the user's claims at userinfo (OIDC Core §5.3).
    const userinfo = await client.fetchUserInfo(configuration, tokens.access_token, user.id);
    assert.equal(userinfo.email, admin.email);

    // A refresh with a smaller scope (RFC 6749 §6): a public app's refresh token is rotated.
    const refreshed = await client.refreshTokenGrant(configuration, tokens.refresh_token, { scope: 'openid read:contacts' });
    assert.ok(refreshed.refresh_token && refreshed.refresh_token !== tokens.refresh_token, 'rotated');
    assert.equal(refreshed.scope, 'openid read:contacts');
    const smaller = await verifyAccessToken(configuration, refreshed.access_token, apiIdentifier);
    assert.equal(smaller.scope, 'openid read:contacts');
    assert.equal(refreshed.expires_in, 45 * 60);
  });
});
