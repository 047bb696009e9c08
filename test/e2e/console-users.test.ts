// The console's Users pages, for server administrators only: the list as cards with search and
// pages (also at 375 px, without scrolling sideways), creating a user who is mailed a link, and
// disabling a user, after which their sign-in and the access token they already hold stop working.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as oauth from 'oauth4webapi';
import type { Browser } from 'playwright-core';
import { operatorActor } from '../../src/domain/access/actor.js';
import { browserSkipReason, launchChromium, screenshot } from '../support/browser.js';
import { authorizeUrl } from '../support/flows.js';
import { queuedMails } from '../support/mailbox.js';
import { startTestSmtp, type TestSmtp } from '../support/smtp.js';
import { paths } from '../../src/contracts/paths.js';
import { FormBrowser, oauthFixture, redirectUri, type OAuthFixture } from '../support/oauth.js';
import { setRole, signInToConsole, withPage } from './console-helpers.js';

if (browserSkipReason) console.log(`# ${browserSkipReason}`);

const insecure = { [oauth.allowInsecureRequests]: true } as const;

describe('the console Users pages (server administrators)', { skip: browserSkipReason }, () => {
  let fixture: OAuthFixture;
  let smtp: TestSmtp;
  let browser: Browser;
  let root: { id: string; email: string; password: string };
  let app: { clientId: string; clientSecret: string | null };
  let as: oauth.AuthorizationServer;

  before(async () => {
    smtp = await startTestSmtp();
    fixture = await oauthFixture({ env: { LATCHKEY_MAIL_SMTP_URL: smtp.url } });
    await setRole(fixture, fixture.user.id, 'admin');
    root = await fixture.createUser('root@example.test');
    await fixture.server.server.runtime.registry.users.update({ actor: operatorActor }, root.id, { isAdmin: true });
    for (let index = 1; index <= 23; index += 1) await fixture.createUser(`member-${String(index).padStart(2, '0')}@example.test`);
    app = await fixture.createApp({ name: 'Notes', type: 'web', redirectUris: [redirectUri], scopes: ['openid', 'email'] });
    const issuer = new URL(fixture.issuer);
    as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, insecure));
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await fixture?.stop();
    await smtp?.stop();
  });

  test('the Users page is not in the navigation of someone who is not a server administrator', async () => {
    await withPage(browser, 'users-hidden', async (page) => {
      await signInToConsole(page, fixture);
      const nav = page.getByRole('navigation', { name: 'Console' });
      await nav.getByRole('link', { name: 'Members' }).waitFor();
      assert.equal(await nav.getByRole('link', { name: 'Users' }).count(), 0);
      await page.goto(`${fixture.issuer}/console/orgs/default/users`);
      await page.getByRole('heading', { name: 'Only server administrators manage users' }).waitFor();
    });
  });

  test('at 375 px the users are cards, searchable and paged, and nothing scrolls sideways', async () => {
    await withPage(
      browser,
      'users-phone',
      async (page) => {
        await signInToConsole(page, fixture, root);
        await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Users' }).click();
        await page.getByRole('heading', { name: 'Users', level: 1 }).waitFor();
        const cards = page.getByRole('list', { name: 'Users' }).getByRole('listitem');
        await cards.first().waitFor();
        assert.equal(await cards.count(), 20);
        await page.getByText(/Page 1 of 2/).waitFor();
        const { scrollWidth, innerWidth } = await page.evaluate<{ scrollWidth: number; innerWidth: number }>(
          '({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth })',
        );
        assert.ok(scrollWidth <= innerWidth, `the page is ${scrollWidth}px wide on a ${innerWidth}px screen`);
        await screenshot(page, 'users-01-list-375');
        await page.getByRole('button', { name: 'Next' }).click();
        await page.waitForURL(/page=2/);
        await page.getByText(/Page 2 of 2/).waitFor();

        await page.getByLabel('Search users').fill('member-1');
        await page.getByRole('button', { name: 'Search' }).click();
        await page.waitForURL(/q=member-1/);
        await page.getByText('member-10@example.test').waitFor();
        assert.equal(await cards.count(), 10);
        assert.equal(await page.getByText('member-20@example.test').count(), 0);

        await page.getByRole('link', { name: 'member-10' }).click();
        await page.getByRole('heading', { name: 'member-10', level: 1 }).waitFor();
        await page.getByRole('button', { name: 'Send password reset' }).waitFor();
        const detail = await page.evaluate<{ scrollWidth: number; innerWidth: number }>(
          '({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth })',
        );
        assert.ok(detail.scrollWidth <= detail.innerWidth, `the user page is ${detail.scrollWidth}px wide on a ${detail.innerWidth}px screen`);
      },
      { viewport: { width: 375, height: 800 } },
    );
  });

  test('create a user without a password: they are mailed a link to set one', async () => {
    await withPage(browser, 'users-create', async (page) => {
      await signInToConsole(page, fixture, root, '/console/orgs/default/users');
      await page.getByRole('button', { name: 'Create user' }).click();
      const dialog = page.getByRole('dialog', { name: 'Create a user' });
      await dialog.getByLabel('Email').fill('not an email');
      await dialog.getByRole('button', { name: 'Create user' }).click();
      await dialog.getByText('must be an email address').first().waitFor();
      await dialog.getByLabel('Email').fill('new.person@example.test');
      await dialog.getByLabel('Name', { exact: true }).fill('New Person');
      await dialog.getByRole('button', { name: 'Create user' }).click();
      await page.getByRole('heading', { name: 'New Person', level: 1 }).waitFor();
      await page.getByText(/mailed a link, valid 72 hours/).waitFor();
      const mails = await queuedMails(fixture.server.server.runtime.storage, 'new.person@example.test', 'account-created');
      assert.equal(mails.length, 1);
      assert.ok(await smtp.mailedLink('new.person@example.test', paths.resetPassword), 'the mail arrives with the link that sets a first password');
    });
  });

  test('an administrator disables a user: their sign-in and their access token stop working', async () => {
    const victim = await fixture.createMember('victim@example.test');
    // The victim signs in to an app and holds an access token.
    const client: oauth.Client = { client_id: app.clientId };
    const auth = oauth.ClientSecretBasic(app.clientSecret!);
    const verifier = oauth.generateRandomCodeVerifier();
    const callback = await new FormBrowser(fixture.issuer).authorize(
      authorizeUrl(fixture.issuer, app.clientId, { scope: 'openid email', state: 'xyz', nonce: null }, verifier),
      victim,
    );
    const params = oauth.validateAuthResponse(as, client, new URL(callback.headers.get('location')!), 'xyz');
    const tokens = await oauth.processAuthorizationCodeResponse(
      as,
      client,
      await oauth.authorizationCodeGrantRequest(as, client, auth, params, redirectUri, verifier, insecure),
    );
    const active = async () =>
      (await oauth.processIntrospectionResponse(as, client, await oauth.introspectionRequest(as, client, auth, tokens.access_token, insecure))).active;
    assert.equal(await active(), true);

    await withPage(browser, 'users-disable', async (page) => {
      await signInToConsole(page, fixture, root, '/console/orgs/default/users?q=victim');
      await page.getByRole('link', { name: 'victim' }).click();
      await page.getByRole('heading', { name: 'victim', level: 1 }).waitFor();
      await page.getByRole('heading', { name: 'Sign-in sessions' }).waitFor();
      await page.getByRole('button', { name: 'End', exact: true }).waitFor();
      await page.getByRole('button', { name: 'Disable' }).click();
      const dialog = page.getByRole('dialog', { name: 'Disable victim@example.test?' });
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      assert.equal(await active(), true, 'cancelling changes nothing');
      await page.getByRole('button', { name: 'Disable' }).click();
      await dialog.getByRole('button', { name: 'Disable user' }).click();
      await page.getByText(/is disabled: they can't sign in/).waitFor();
      await page.getByText('No sign-in sessions.').waitFor();
      await page.getByRole('button', { name: 'Enable' }).waitFor();
      await screenshot(page, 'users-02-disabled');
    });

    assert.equal(await active(), false, 'introspection says the token is no longer active');
    const refused = await new FormBrowser(fixture.issuer).authorize(authorizeUrl(fixture.issuer, app.clientId, { scope: 'openid' }), victim);
    assert.equal(refused.status, 403);
    assert.match(await refused.text(), /This account is disabled/);
  });
});
