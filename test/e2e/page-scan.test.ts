// Every console page and every hosted page, scanned with axe-core (no serious or critical
// violation of WCAG 2.1 A and AA) and checked at 375 pixels wide for sideways scrolling.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { operatorActor } from '../../src/domain/access/actor.js';
import { consolePaths } from '../../src/contracts/paths.js';
import { browserSkipReason, launchChromium } from '../support/browser.js';
import { authorizeUrl } from '../support/flows.js';
import { oauthFixture, redirectUri, type OAuthFixture } from '../support/oauth.js';
import { assertNoSidewaysScroll, phoneViewport, setRole, signInToConsole, withPage } from './console-helpers.js';

if (browserSkipReason) console.log(`# ${browserSkipReason}`);

/** The serious and critical violations axe finds on the page, one line each. */
async function violationsOf(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => `${violation.impact} ${violation.id}: ${violation.help} (${violation.nodes.map((node) => node.target.join(' ')).join('; ')})`);
}

/** Scans the page as it is now, at the width it has, and fails naming every problem at once. */
async function scan(page: Page, where: string, problems: string[]): Promise<void> {
  for (const violation of await violationsOf(page)) problems.push(`${where}: ${violation}`);
  try {
    await assertNoSidewaysScroll(page, where);
  } catch (error) {
    problems.push((error as Error).message);
  }
}

describe('every page: axe-core and 375 pixels', { skip: browserSkipReason }, () => {
  let fixture: OAuthFixture;
  let browser: Browser;
  let clientId: string;
  let memberId: string;
  let admin: { id: string; email: string; password: string };

  before(async () => {
    fixture = await oauthFixture({ env: { LATCHKEY_REGISTRATION_ENABLED: 'true', LATCHKEY_SIGN_UP_ENABLED: 'true' } });
    const registry = fixture.server.server.runtime.registry;
    admin = await fixture.createMember('scan-admin@example.test', 'owner');
    await registry.users.update({ actor: operatorActor }, admin.id, { isAdmin: true });
    await setRole(fixture, fixture.user.id, 'admin');
    memberId = fixture.user.id;
    clientId = (
      await fixture.createApp({
        name: 'Scanned app',
        type: 'web',
        redirectUris: [redirectUri],
        scopes: ['openid', 'profile', 'email'],
        grantTypes: ['authorization_code', 'refresh_token'],
      })
    ).clientId;
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await fixture?.stop();
  });

  const consolePages = () => {
    const org = '/console/orgs/default';
    return [
      `${org}/apps`,
      `${org}/apps/new`,
      ...['basic', 'oauth', 'tokens', 'advanced', 'logout', 'lifecycle', 'quickstart', 'playground'].map((tab) => `${org}/apps/${clientId}/${tab}`),
      `${org}/apis`,
      `${org}/apis/new`,
      `${org}/apis/${encodeURIComponent(fixture.api.id)}`,
      `${org}/members`,
      `${org}/members/${memberId}`,
      `${org}/credentials`,
      `${org}/registration`,
      `${org}/connections`,
      `${org}/audit`,
      `${org}/reviews`,
      `${org}/profile`,
      `${org}/settings`,
      `${org}/users`,
      `${org}/users/${memberId}`,
      `${org}/keys`,
      '/console/orgs/new',
    ];
  };

  for (const [label, options] of [
    ['a desktop window', {}],
    ['a 375-pixel phone', phoneViewport],
  ] as const) {
    test(`every console page on ${label}`, async () => {
      await withPage(
        browser,
        `scan-console-${label.replace(/\W+/g, '-')}`,
        async (page) => {
          await signInToConsole(page, fixture, admin);
          const problems: string[] = [];
          for (const path of consolePages()) {
            await page.goto(`${fixture.issuer}${path}`);
            await page.getByRole('heading', { level: 1 }).first().waitFor();
            await page.waitForLoadState('networkidle');
            await scan(page, path, problems);
          }
          assert.deepEqual(problems, []);
        },
        options,
      );
    });

    test(`every hosted page on ${label}`, async () => {
      await withPage(
        browser,
        `scan-hosted-${label.replace(/\W+/g, '-')}`,
        async (page) => {
          const problems: string[] = [];
          const visit = async (url: string, where: string, heading?: RegExp) => {
            await page.goto(url);
            if (heading) await page.getByRole('heading', { name: heading }).first().waitFor();
            await scan(page, where, problems);
          };
          // Signed out: sign-in, sign-up, forgot password, device, an error page.
          await visit(authorizeUrl(fixture.issuer, clientId, { scope: 'openid profile email' }).toString(), 'sign-in', /Sign in/);
          await visit(`${fixture.issuer}/account/signup`, 'sign-up');
          await visit(`${fixture.issuer}/account/forgot-password`, 'forgot password');
          await visit(`${fixture.issuer}/device`, 'device verification');
          await visit(authorizeUrl(fixture.issuer, 'no-such-app').toString(), 'error page');
          // The console's own signed-out pages: a cancelled sign-in, first-run setup once done, an invitation link without its token.
          await visit(`${fixture.issuer}/console${consolePaths.signedOut}?reason=cancelled`, 'console signed out', /Sign-in was cancelled/);
          await visit(`${fixture.issuer}/console${consolePaths.setup}`, 'console setup');
          await visit(`${fixture.issuer}/console${consolePaths.invitation}`, 'console invitation');

          // Signed in: consent, the account page, the account chooser, the sign-out confirmation and page.
          await page.goto(authorizeUrl(fixture.issuer, clientId, { scope: 'openid profile email' }).toString());
          await page.getByLabel('Email').fill(fixture.user.email);
          await page.getByLabel('Password').fill(fixture.user.password);
          await page.getByRole('button', { name: 'Sign in' }).click();
          await page.getByRole('button', { name: /Allow/ }).waitFor();
          await scan(page, 'consent', problems);
          await visit(`${fixture.issuer}/account`, 'account page');
          await visit(authorizeUrl(fixture.issuer, clientId, { scope: 'openid', prompt: 'select_account' }).toString(), 'account chooser', /Choose an account/);
          await visit(`${fixture.issuer}/oauth2/logout`, 'sign-out confirmation');
          await page.getByRole('button', { name: /Sign out/ }).click();
          await page.waitForLoadState('networkidle');
          await scan(page, 'signed out', problems);
          assert.deepEqual(problems, []);
        },
        options,
      );
    });
  }
});
