import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { browserSkipReason, launchChromium, screenshot } from '../support/browser.js';
import { oauthFixture, type OAuthFixture } from '../support/oauth.js';

if (browserSkipReason) console.log(`# ${browserSkipReason}`);

describe('the account page in Chromium', { skip: browserSkipReason }, () => {
  let fixture: OAuthFixture;
  let browser: Browser;

  before(async () => {
    fixture = await oauthFixture();
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await fixture?.stop();
  });

  async function signIn(page: Page) {
    await page.goto(`${fixture.issuer}/account`);
    await page.waitForURL(/\/account\/sign-in/);
    await page.getByLabel('Email').fill(fixture.user.email);
    await page.getByLabel('Password').fill(fixture.user.password);
    await page.getByLabel('Password').press('Enter');
    await page.waitForURL(`${fixture.issuer}/account`);
  }

  test('two browsers signed in: one lists both, ends the other by keyboard, and the other is signed out', async () => {
    const phone = await browser.newContext({
      viewport: { width: 375, height: 740 },
      userAgent: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
    });
    const laptop = await browser.newContext({
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
    });
    const mine = await phone.newPage();
    const theirs = await laptop.newPage();
    try {
      await signIn(mine);
      await signIn(theirs);
      await mine.reload();
      const sessions = mine.locator('#sessions li');
      assert.equal(await sessions.count(), 2);
      assert.match(await sessions.filter({ hasText: 'this device' }).innerText(), /Chrome on Android/);
      const other = sessions.filter({ hasText: 'Firefox on Linux' });
      assert.equal(await other.count(), 1);
      // Readable at 375 px: nothing wider than the screen.
      // A string, evaluated in the page: the tests are type-checked without the DOM library.
      const overflow = await mine.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
      assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px at 375 px`);
      await screenshot(mine, 'account-page-375');

      const signOut = other.getByRole('button', { name: 'Sign out Firefox on Linux' });
      await signOut.focus();
      await mine.keyboard.press('Enter');
      await mine.waitForURL(/\/account\?done=signed_out/);
      assert.match(await mine.getByRole('status').innerText(), /signed out/);
      assert.equal(await mine.locator('#sessions li').count(), 1);

      await theirs.reload();
      await theirs.waitForURL(/\/account\/sign-in/);
      assert.equal(await theirs.getByRole('heading', { level: 1 }).innerText(), 'Sign in');
    } catch (error) {
      await screenshot(mine, 'account-page-failure');
      throw error;
    } finally {
      await phone.close();
      await laptop.close();
    }
  });

  test('every field is labelled, and a form is filled and sent with the keyboard alone', async () => {
    const context = await browser.newContext({ viewport: { width: 375, height: 740 } });
    const page = await context.newPage();
    try {
      await signIn(page);
      const unlabelled = await page.evaluate<string[]>(
        `[...document.querySelectorAll('input:not([type=hidden]):not([hidden])')].filter((input) => !input.labels.length).map((input) => input.id)`,
      );
      assert.deepEqual(unlabelled, []);
      await page.getByLabel('Name', { exact: true }).focus();
      await page.keyboard.press('End');
      await page.keyboard.type(' Liddell');
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate<string>('document.activeElement.id'), 'given_name');
      await page.keyboard.type('Alice');
      await page.keyboard.press('Enter');
      await page.waitForURL(/done=profile/);
      assert.equal(await page.getByLabel('Name', { exact: true }).inputValue(), 'alice Liddell');
      assert.equal(await page.getByLabel('Given name').inputValue(), 'Alice');
    } finally {
      await context.close();
    }
  });
});
