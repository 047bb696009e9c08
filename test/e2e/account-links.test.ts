import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as oauth from 'oauth4webapi';
import type { Browser, Page } from 'playwright-core';
import type { Storage } from '../../src/ports/storage.js';
import { browserSkipReason, launchChromium, screenshot } from '../support/browser.js';
import { oauthFixture, redirectUri, type OAuthFixture } from '../support/oauth.js';
import { startTestSmtp, type TestSmtp } from '../support/smtp.js';
import { paths } from '../../src/contracts/paths.js';

if (browserSkipReason) console.log(`# ${browserSkipReason}`);

const insecure = { [oauth.allowInsecureRequests]: true } as const;

describe('sign-up, verification and password reset in Chromium', { skip: browserSkipReason }, () => {
  let fixture: OAuthFixture;
  let smtp: TestSmtp;
  let storage: Storage;
  let browser: Browser;
  let as: oauth.AuthorizationServer;
  let client: oauth.Client;

  before(async () => {
    // The mails go through a real SMTP server, and the links are read from what it receives.
    smtp = await startTestSmtp();
    fixture = await oauthFixture({ env: { LATCHKEY_SIGN_UP_ENABLED: 'true', LATCHKEY_MAIL_SMTP_URL: smtp.url } });
    storage = fixture.server.server.runtime.storage;
    browser = await launchChromium();
    const issuer = new URL(fixture.issuer);
    as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, insecure));
    // Public: it serves whoever signs up, who is in no organization.
    const app = await fixture.createPublicApp({ name: 'Acme Notes', type: 'spa', redirectUris: [redirectUri], scopes: ['openid', 'email'] });
    client = { client_id: app.clientId };
  });
  after(async () => {
    await browser?.close();
    await fixture?.stop();
    await smtp?.stop();
  });

  async function authorizationUrl(verifier: string): Promise<URL> {
    const url = new URL(as.authorization_endpoint!);
    const parameters = {
      client_id: client.client_id,
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: 'openid email',
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: 'st-1',
      nonce: 'n-1',
    };
    for (const [name, value] of Object.entries(parameters)) url.searchParams.set(name, value);
    return url;
  }

  /**
   * Consents if asked, and answers the URL the browser was sent to at the app. The request is
   * watched rather than served: the app's host does not exist, and the URL is all a test needs.
   */
  async function allowIfAsked(page: Page): Promise<URL> {
    const allow = page.getByRole('button', { name: 'Allow' });
    const atApp = page.waitForRequest((request) => request.url().startsWith('https://client.example.test/'));
    const outcome = await Promise.race([atApp.then(() => 'app' as const), allow.waitFor().then(() => 'consent' as const)]);
    if (outcome === 'consent') await allow.click();
    return new URL((await atApp).url());
  }

  test('sign up from the sign-in page, follow the mailed link: signed in, and the ID token says email_verified', async () => {
    const context = await browser.newContext({ viewport: { width: 375, height: 740 } });
    const page = await context.newPage();
    try {
      const verifier = oauth.generateRandomCodeVerifier();
      await page.goto((await authorizationUrl(verifier)).toString());
      await page.getByRole('link', { name: 'Create an account' }).click();
      await page.getByLabel('Email').fill('carol@example.test');
      await page.getByLabel('Name').fill('Carol');
      await page.getByLabel('Password').fill('marble lantern quiet 5');
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.getByRole('heading', { name: 'Check your mail' }).waitFor();
      await screenshot(page, 'sign-up-check-mail');

      await page.goto(await smtp.mailedLink('carol@example.test', paths.verifyEmail));
      const callback = await allowIfAsked(page);
      const params = oauth.validateAuthResponse(as, client, callback.searchParams, 'st-1');
      const response = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, redirectUri, verifier, insecure);
      const tokens = await oauth.processAuthorizationCodeResponse(as, client, response, { expectedNonce: 'n-1', requireIdToken: true });
      const claims = oauth.getValidatedIdTokenClaims(tokens)!;
      assert.equal(claims.email, 'carol@example.test');
      assert.equal(claims.email_verified, true);
    } catch (error) {
      await screenshot(page, 'sign-up-failure');
      throw error;
    } finally {
      await context.close();
    }
  });

  test('forgot password, follow the link, set a new one: the old session is gone and the old password fails', async () => {
    const user = await fixture.createUser('dave@example.test');
    const context = await browser.newContext({ viewport: { width: 375, height: 740 } });
    let page = await context.newPage();
    /** A fresh tab of the same browser: the last one is still failing to reach the app's host. */
    const freshTab = async () => {
      await page.close();
      page = await context.newPage();
    };
    try {
      // Signed in once, so that there is a session to end.
      await page.goto((await authorizationUrl(oauth.generateRandomCodeVerifier())).toString());
      await page.getByLabel('Email').fill(user.email);
      await page.getByLabel('Password').fill(user.password);
      await page.getByLabel('Password').press('Enter');
      await allowIfAsked(page);
      assert.equal((await storage.sessions.listForUser(user.id, Date.now())).length, 1);
      await freshTab();

      await page.goto((await authorizationUrl(oauth.generateRandomCodeVerifier())).toString().replace('state=st-1', 'state=st-1&prompt=login'));
      await page.getByRole('link', { name: 'Forgot password?' }).click();
      await page.getByLabel('Email').fill(user.email);
      await page.getByRole('button', { name: 'Send the link' }).click();
      await page.getByRole('heading', { name: 'Check your mail' }).waitFor();

      await page.goto(await smtp.mailedLink(user.email, paths.resetPassword));
      await page.getByLabel('New password', { exact: true }).fill('copper meadow signal 8');
      await page.getByRole('button', { name: 'Set password' }).click();
      await page.getByRole('heading', { name: 'Password changed' }).waitFor();
      await screenshot(page, 'password-changed');
      assert.deepEqual(await storage.sessions.listForUser(user.id, Date.now()), [], 'the old session is gone');

      await page.goto((await authorizationUrl(oauth.generateRandomCodeVerifier())).toString());
      await page.getByLabel('Email').fill(user.email);
      await page.getByLabel('Password').fill(user.password);
      await page.getByLabel('Password').press('Enter');
      await page.getByText('The email or password is not right.').waitFor();
      await page.getByLabel('Password').fill('copper meadow signal 8');
      await page.getByLabel('Password').press('Enter');
      assert.ok((await allowIfAsked(page)).searchParams.get('code'), 'the new password signs in');
    } catch (error) {
      await screenshot(page, 'password-reset-failure');
      throw error;
    } finally {
      await context.close();
    }
  });
});
