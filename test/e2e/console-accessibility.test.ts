// The console with the keyboard only, and on a phone-sized screen: an app created with Tab, Enter,
// Space and the arrow keys, with focus always visible; dialogs that keep focus and close with
// Escape; the create flow at 375 pixels wide without sideways scrolling; and the Dynamic
// registration page's issue dialog with the keyboard, on a phone.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { operatorActor } from '../../src/domain/access/actor.js';
import { browserSkipReason, launchChromium, screenshot } from '../support/browser.js';
import { oauthFixture, redirectUri, type OAuthFixture } from '../support/oauth.js';
import { assertNoSidewaysScroll, phoneViewport, setRole, signInToConsole, withPage } from './console-helpers.js';

if (browserSkipReason) console.log(`# ${browserSkipReason}`);

interface Focused {
  name: string;
  tag: string;
  type: string | null;
  outline: string;
  inDialog: boolean;
}

/** What has focus: its accessible-ish name, and whether the focus is drawn. */
function focused(page: Page): Promise<Focused> {
  // A string, evaluated in the page: the tests are type-checked without the DOM library.
  return page.evaluate<Focused>(`(() => {
    const element = document.activeElement;
    if (!element) return { name: '', tag: '', type: null, outline: 'none', inDialog: false };
    const label = element.labels && element.labels[0] ? element.labels[0].textContent : '';
    const name = (element.getAttribute('aria-label') || label || element.textContent || '').replace(/\\s+/g, ' ').trim();
    const style = getComputedStyle(element);
    return {
      name,
      tag: element.tagName.toLowerCase(),
      type: element.getAttribute('type'),
      outline: style.outlineStyle === 'none' || style.outlineWidth === '0px' ? 'none' : style.outlineStyle + ' ' + style.outlineWidth,
      inDialog: element.closest('dialog[open]') !== null,
    };
  })()`);
}

/** Presses Tab (or Shift+Tab) until the focused element's name matches; fails after `limit` presses. */
async function tabTo(page: Page, name: RegExp, limit = 40, key = 'Tab'): Promise<Focused> {
  for (let press = 0; press < limit; press += 1) {
    await page.keyboard.press(key);
    const now = await focused(page);
    if (name.test(now.name)) return now;
  }
  throw new Error(`${name} was not reached with ${limit} presses of ${key}; focus is on "${(await focused(page)).name}"`);
}

describe('the console with the keyboard only and on a phone', { skip: browserSkipReason }, () => {
  let fixture: OAuthFixture;
  let browser: Browser;

  before(async () => {
    fixture = await oauthFixture({ env: { LATCHKEY_REGISTRATION_ENABLED: 'true' } });
    await setRole(fixture, fixture.user.id, 'admin');
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await fixture?.stop();
  });

  test('an app is created with Tab, Enter, Space and arrows; focus is always visible; a dialog keeps focus and closes with Escape', async () => {
    let clientId = '';
    await withPage(browser, 'a11y-keyboard', async (page) => {
      await signInToConsole(page, fixture);
      await page.getByRole('heading', { name: 'OAuth apps' }).waitFor();

      // The skip link comes first.
      const skip = await tabTo(page, /Skip to content/, 3);
      assert.notEqual(skip.outline, 'none');
      const create = await tabTo(page, /^Create New OAuth App$/);
      assert.notEqual(create.outline, 'none', 'focus is visible');
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: /Step 1 of 7: App type/ }).waitFor();

      // A radio group: Tab into it, arrows to choose, Space to select.
      const radio = await tabTo(page, /Native\/Mobile app/);
      assert.equal(radio.type, 'radio');
      await page.keyboard.press('Space');
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('ArrowDown');
      assert.equal(await page.getByLabel(/Web app/).isChecked(), true);
      await tabTo(page, /^Continue$/);
      await page.keyboard.press('Enter');

      // Each new step's heading gets focus (screen readers announce it); Tab leads to its first field.
      await page.getByRole('heading', { name: /Name and description/ }).waitFor();
      assert.match((await focused(page)).name, /Step 2 of 7/, 'the new step is announced');
      await tabTo(page, /^Name/, 3);
      await page.keyboard.type('Keyboard CRM');
      await page.keyboard.press('Enter');

      // Redirect URIs: focus moves to the step heading; Tab reaches the field.
      await page.getByRole('heading', { name: /Step 3 of 7: Redirect URIs/ }).waitFor();
      assert.match((await focused(page)).name, /Step 3 of 7/);
      await tabTo(page, /^Redirect URI 1$/, 5);
      await page.keyboard.type(redirectUri);
      await page.keyboard.press('Enter');

      // Lifetimes: keep the defaults.
      await page.getByRole('heading', { name: /Token lifetimes/ }).waitFor();
      await tabTo(page, /Use the API.s lifetime/, 5);
      await tabTo(page, /^Continue$/);
      await page.keyboard.press('Enter');

      // Refresh token: a checkbox toggled with Space.
      await page.getByRole('heading', { name: /Step 5 of 7: Refresh token/ }).waitFor();
      const toggle = await tabTo(page, /Issue a refresh token/, 5);
      assert.notEqual(toggle.outline, 'none');
      await page.keyboard.press('Space');
      assert.equal(await page.getByLabel('Issue a refresh token').isChecked(), true);
      await tabTo(page, /^Continue$/);
      await page.keyboard.press('Enter');

      // Scopes.
      await page.getByRole('heading', { name: /Step 6 of 7: Scopes/ }).waitFor();
      await tabTo(page, /^read:contacts/);
      await page.keyboard.press('Space');
      await tabTo(page, /^Continue$/);
      await page.keyboard.press('Enter');

      // OpenID, then Create.
      await page.getByRole('heading', { name: /Step 7 of 7: OpenID/ }).waitFor();
      await tabTo(page, /^Create$/);
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: 'Keyboard CRM is ready' }).waitFor();
      clientId = await page.getByLabel('Client ID (app ID)', { exact: true }).inputValue();
      await screenshot(page, 'a11y-keyboard-created');

      // A destructive action's dialog: focus moves in, stays in, Escape closes it and focus returns.
      await tabTo(page, /^Continue$/);
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: 'Keyboard CRM', level: 1 }).waitFor();
      await tabTo(page, /^Lifecycle$/);
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: 'Lifecycle', level: 2 }).waitFor();
      await tabTo(page, /^Disable$/);
      await page.keyboard.press('Enter');
      await page.getByRole('dialog', { name: 'Disable this app?' }).waitFor();
      const inside = await focused(page);
      assert.equal(inside.inDialog, true, 'focus moves into the dialog');
      assert.equal(inside.name, 'Cancel', 'the safe choice has focus');
      for (let press = 0; press < 6; press += 1) {
        await page.keyboard.press('Tab');
        assert.equal((await focused(page)).inDialog, true, 'Tab stays in the dialog');
      }
      await page.keyboard.press('Shift+Tab');
      assert.equal((await focused(page)).inDialog, true, 'Shift+Tab stays in the dialog');
      await screenshot(page, 'a11y-keyboard-dialog');
      await page.keyboard.press('Escape');
      await page.getByRole('dialog').waitFor({ state: 'hidden' });
      assert.equal((await focused(page)).name, 'Disable', 'focus returns to the button that opened it');
    });
    const app = await fixture.server.server.runtime.registry.apps.get({ actor: operatorActor }, clientId);
    assert.equal(app.status, 'active', 'Escape cancelled: nothing was disabled');
    assert.ok(app.settings.grantTypes.includes('refresh_token'));
    assert.ok(app.settings.scopes.includes('read:contacts'));
  });

  test('the create flow at 375 pixels wide: every step fits without sideways scrolling', async () => {
    await withPage(
      browser,
      'a11y-375',
      async (page) => {
        const fits = (step: string) => assertNoSidewaysScroll(page, step);
        await signInToConsole(page, fixture);
        await page.getByRole('heading', { name: 'OAuth apps' }).waitFor();
        await fits('apps');
        await screenshot(page, 'a11y-375-01-apps');
        await page.getByRole('link', { name: 'Create New OAuth App' }).first().click();
        await page.getByLabel(/Single-page app/).check();
        await fits('type');
        await screenshot(page, 'a11y-375-02-type');
        await page.getByRole('button', { name: 'Continue' }).click();
        await page.getByLabel('Name').fill('Pocket Dashboard');
        await page.getByRole('button', { name: 'Continue' }).click();
        await page.getByLabel('Redirect URI 1', { exact: true }).fill('https://dashboard.example.test/callback');
        await page.getByRole('button', { name: '+ Add redirect URI' }).click();
        await page.getByLabel('Redirect URI 2', { exact: true }).fill('http://dashboard.example.test/callback');
        await page.getByText('Placeholder', { exact: true }).waitFor();
        await fits('redirect URIs');
        await screenshot(page, 'a11y-375-03-redirect-uris');
        await page.getByRole('button', { name: 'Continue' }).click();
        await page.getByText(/tick "Save as draft"/).waitFor();
        await page.getByRole('button', { name: 'Remove redirect URI 2' }).click();
        await page.getByRole('button', { name: 'Continue' }).click();
        await page.getByLabel(/A lifetime of its own/).check();
        await page.getByLabel('Access token TTL (minutes)').fill('500');
        await page.getByRole('button', { name: 'Continue' }).click();
        await page.getByText('must be a whole number of minutes from 1 to 300').waitFor();
        await fits('token lifetimes');
        await screenshot(page, 'a11y-375-04-tokens');
        await page.getByLabel('Access token TTL (minutes)').fill('60');
        await page.getByRole('button', { name: 'Continue' }).click();
        await page.getByRole('button', { name: 'Continue' }).click();
        await page.getByLabel('read:contacts', { exact: true }).check();
        await fits('scopes');
        await page.getByRole('button', { name: 'Continue' }).click();
        await fits('OpenID');
        await page.getByRole('button', { name: 'Create' }).click();
        await page.getByRole('heading', { name: 'Pocket Dashboard is ready' }).waitFor();
        await fits('credentials');
        await screenshot(page, 'a11y-375-05-credentials');
        await page.getByRole('link', { name: 'Continue' }).click();
        await page.getByRole('heading', { name: 'Pocket Dashboard', level: 1 }).waitFor();
        await fits('app');
        await screenshot(page, 'a11y-375-06-app');
      },
      { viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true, deviceScaleFactor: 1 },
    );
  });

  test('Dynamic registration on a phone with the keyboard: the issue dialog keeps focus, closes with Escape, and fits', async () => {
    await withPage(
      browser,
      'a11y-registration',
      async (page) => {
        await signInToConsole(page, fixture, fixture.user, '/console/orgs/default/registration');
        await page.getByRole('heading', { name: 'Dynamic registration', level: 1 }).waitFor();
        await page.getByRole('heading', { name: 'No registration tokens yet' }).waitFor();
        await assertNoSidewaysScroll(page, 'the registration page');
        const open = await tabTo(page, /^Issue a token$/);
        assert.notEqual(open.outline, 'none', 'focus is visible');
        await page.keyboard.press('Enter');
        await page.getByRole('dialog', { name: 'Issue a registration token' }).waitFor();
        const inside = await focused(page);
        assert.equal(inside.inDialog, true, 'focus moves into the dialog');
        assert.match(inside.name, /^Name/, 'the first field has focus');
        for (let press = 0; press < 20; press += 1) {
          await page.keyboard.press('Tab');
          const now = await focused(page);
          assert.equal(now.inDialog, true, 'Tab stays in the dialog');
          assert.notEqual(now.outline, 'none', `focus is visible on ${now.name}`);
        }
        // A checkbox of the policy, toggled with Space.
        const webApp = await tabTo(page, /^Web app$/);
        assert.equal(webApp.type, 'checkbox');
        await page.keyboard.press('Space');
        assert.equal(await page.getByLabel('Web app').isChecked(), false);
        await assertNoSidewaysScroll(page, 'the issue dialog');
        await screenshot(page, 'a11y-registration-dialog-375');
        await page.keyboard.press('Escape');
        await page.getByRole('dialog').waitFor({ state: 'hidden' });
        assert.equal((await focused(page)).name, 'Issue a token', 'focus returns to the button that opened it');
      },
      phoneViewport,
    );
  });
});
