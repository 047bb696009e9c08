import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { authorizeUrl, newVerifier, redeem } from '../support/flows.js';
import { browserSkipReason, catchArrivalAtApp, launchChromium, screenshot } from '../support/browser.js';
import { apiIdentifier, oauthFixture, redirectUri, type OAuthFixture } from '../support/oauth.js';

if (browserSkipReason) console.log(`# ${browserSkipReason}`);

describe('hosted sign-in, consent and sign-out pages in Chromium', { skip: browserSkipReason }, () => {
  let fixture: OAuthFixture;
  let browser: Browser;
  let app: { clientId: string; clientSecret: string | null };

  before(async () => {
    fixture = await oauthFixture();
    browser = await launchChromium();
    app = await fixture.createApp({
      name: 'Acme Notes',
      type: 'web',
      redirectUris: [redirectUri],
      postLogoutRedirectUris: ['https://client.example.test/bye'],
      scopes: ['openid', 'profile', 'email', 'read:contacts'],
      privacyPolicyUri: 'https://client.example.test/privacy',
    });
  });
  after(async () => {
    await browser?.close();
    await fixture?.stop();
  });

  async function signIn(page: Page, password: string) {
    await page.getByLabel('Email').fill(fixture.user.email);
    await page.getByLabel('Password').fill(password);
    await page.getByLabel('Password').press('Enter');
  }

  /** Signs in, consents if asked (it may be remembered), and waits until the browser is back at the app. */
  async function signInAndReturn(page: Page) {
    await signIn(page, fixture.user.password);
    const allow = page.getByRole('button', { name: 'Allow' });
    const atApp = page.waitForURL(/^https:\/\/client\.example\.test\//);
    const outcome = await Promise.race([atApp.then(() => 'app' as const), allow.waitFor().then(() => 'consent' as const)]);
    if (outcome === 'consent') await allow.click();
    await atApp;
  }

  const focusedId = (page: Page) => page.locator(':focus').getAttribute('id');

  test('sign in with the keyboard, see a clear error for a wrong password, consent in plain words, arrive with a code', async (t) => {
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      const arrival = await catchArrivalAtApp(context);
      const verifier = newVerifier();
      await page.goto(authorizeUrl(fixture.issuer, app.clientId, { scope: 'openid email read:contacts', audience: apiIdentifier }, verifier).toString());
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
      await screenshot(page, 'sign-in');
      assert.match((await page.textContent('body')) ?? '', /to continue to Acme Notes/);

      // The email field has focus; Tab moves to the password, as a keyboard user expects.
      assert.equal(await focusedId(page), 'email');
      await page.keyboard.type(fixture.user.email);
      await page.keyboard.press('Tab');
      assert.equal(await focusedId(page), 'password');
      await page.keyboard.type('not my password');
      await page.keyboard.press('Enter');
      await page.getByRole('alert').waitFor();
      assert.equal(await page.getByRole('alert').textContent(), 'The email or password is not right.');
      assert.equal(await page.getByLabel('Email').inputValue(), fixture.user.email, 'the email is kept');
      await screenshot(page, 'sign-in-error');

      await page.getByLabel('Password').fill(fixture.user.password);
      await page.getByLabel('Password').press('Enter');
      await page.getByRole('heading', { name: 'Acme Notes wants access to your account' }).waitFor();
      const scopes = await page.locator('.scopes li').allTextContents();
      assert.ok(scopes.some((text) => text.includes('See your email address')));
      assert.ok(scopes.some((text) => text.includes('Read your contacts') && text.includes('Contacts API')));
      await screenshot(page, 'consent');
      await page.getByRole('button', { name: 'Allow' }).click();

      const { url } = await arrival();
      assert.equal(url.searchParams.get('iss'), fixture.issuer);
      assert.equal(url.searchParams.get('state'), 'state-1');
      const tokens = await redeem(fixture, { code: url.searchParams.get('code')!, verifier }, app.clientId, app.clientSecret);
      assert.equal(tokens.status, 200);
      assert.ok(tokens.body.id_token);
    } catch (error) {
      await screenshot(page, `failure-${t.name.slice(0, 40).replace(/\W+/g, '-')}`);
      throw error;
    } finally {
      await context.close();
    }
  });

  test('response_mode=form_post: the browser posts the code to the app', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      const arrival = await catchArrivalAtApp(context);
      await page.goto(authorizeUrl(fixture.issuer, app.clientId, { response_mode: 'form_post', scope: 'openid' }).toString());
      await signInAndReturn(page);
      const { body } = await arrival();
      const form = new URLSearchParams(body);
      assert.match(form.get('code') ?? '', /^lk_ac_/);
      assert.equal(form.get('iss'), fixture.issuer);
    } finally {
      await context.close();
    }
  });

  test('the pages work with JavaScript off', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    try {
      const arrival = await catchArrivalAtApp(context);
      await page.goto(authorizeUrl(fixture.issuer, app.clientId, { scope: 'openid profile' }).toString());
      await signIn(page, fixture.user.password);
      await page.getByRole('button', { name: 'Allow' }).click();
      const { url } = await arrival();
      assert.ok(url.searchParams.get('code'));
    } finally {
      await context.close();
    }
  });

  test('sign-out asks for confirmation, then returns to the app with its state', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      const arrival = await catchArrivalAtApp(context);
      await page.goto(authorizeUrl(fixture.issuer, app.clientId, { scope: 'openid' }).toString());
      await signInAndReturn(page);
      await arrival();
      const signedOut = await catchArrivalAtApp(context);
      await page.goto(
        `${fixture.issuer}/oauth2/logout?client_id=${app.clientId}&post_logout_redirect_uri=${encodeURIComponent('https://client.example.test/bye')}&state=see-you`,
      );
      await page.getByRole('heading', { name: 'Sign out?' }).waitFor();
      await screenshot(page, 'sign-out');
      await page.getByRole('button', { name: 'Sign out' }).click();
      const { url } = await signedOut();
      assert.equal(url.toString(), 'https://client.example.test/bye?state=see-you');
      const cookies = await context.cookies(fixture.issuer);
      assert.equal(
        cookies.some((cookie) => cookie.name === 'lk_session'),
        false,
      );
    } finally {
      await context.close();
    }
  });

  test('an unknown app is an error page, not a redirect', async () => {
    const page = await browser.newPage();
    try {
      const response = await page.goto(authorizeUrl(fixture.issuer, 'unknown-client').toString());
      assert.equal(response?.status(), 400);
      await page.getByRole('heading', { name: 'This app sent an invalid sign-in request' }).waitFor();
      assert.ok(page.url().startsWith(fixture.issuer));
      await screenshot(page, 'error-unknown-app');
    } finally {
      await page.close();
    }
  });
});
