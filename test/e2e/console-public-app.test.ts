// From an empty server, in the console: the first-run setup and the organization's API, then a
// public app saved as a draft with a placeholder callback URL, refused for approval until the
// callback is real, then approved by a second admin invited from the Members page. Someone outside
// the organization signs up on the hosted pages and openid-client gets them tokens; the client secret
// is refreshed behind a confirm dialog: the old secret stops working at the token endpoint, the
// user's tokens issued before stay valid.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as client from 'openid-client';
import type { Browser } from 'playwright-core';
import { operatorActor } from '../../src/domain/access/actor.js';
import { browserSkipReason, launchChromium, screenshot, screenshotDir } from '../support/browser.js';
import { signInToConsole, withPage } from './console-helpers.js';
import { assertInvalidClient, registerApiInConsole, signUpOnHostedPages, verifyAccessToken } from './console-replay-steps.js';
import {
  acceptInvitation,
  completeFirstRun,
  insecureRequests,
  inviteFromMembersPage,
  runCodeFlowThroughHostedPages,
  runCodeFlowWithOpenidClient,
  startEmptyServer,
  type EmptyServer,
  type Person,
  type RelyingPartyRun,
} from './from-empty-server.js';

if (browserSkipReason) console.log(`# ${browserSkipReason}`);

const apiIdentifier = 'https://contacts.example.test';
const redirectUri = 'https://sync.example.test/oauth/callback';
const admin: Person = { email: 'ada@acme.example', name: 'Ada Admin', password: 'correct horse battery staple' };
const reviewer: Person = { email: 'rui@acme.example', name: 'Rui Reviewer', password: 'amber kettle orbit 42' };
/** A customer of the marketplace: no one in the organization knows them. */
const customer: Person = { email: 'cleo@customer.example', name: 'Cleo Customer', password: 'violet harbor pencil 7' };

describe('client ID and secret of a public app, a placeholder callback, and a secret refresh', { skip: browserSkipReason }, () => {
  let empty: EmptyServer;
  let browser: Browser;
  let org = '';
  let clientId = '';
  let firstSecret = '';
  /** The customer's tokens, got with the first secret. */
  let customerRun: RelyingPartyRun | undefined;
  const as = (person: Person) => ({ issuer: empty.issuer, user: person });

  before(async () => {
    // The operator lets people sign up: a marketplace app serves anyone with an account.
    empty = await startEmptyServer({ LATCHKEY_SIGN_UP_ENABLED: 'true' });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await empty?.stop();
  });

  test('create a public app with a placeholder callback URL, saved as a draft; the client ID and secret are shown once', async () => {
    await withPage(browser, 'public-app-create', async (page) => {
      org = await completeFirstRun(page, empty, admin, 'Acme Sync');
      await registerApiInConsole(page, empty, org, {
        identifier: apiIdentifier,
        name: 'Contacts API',
        scopes: [{ name: 'read:contacts', description: 'Read your contacts' }],
        allowOfflineAccess: true,
      });
      await page.getByRole('link', { name: 'OAuth apps' }).click();
      await page.getByRole('link', { name: 'Create New OAuth App' }).first().click();
      await page.getByLabel(/Web app/).check();
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByLabel('Name').fill('Acme Marketplace Sync');
      await page.getByLabel(/Public app/).check();
      await page.getByRole('button', { name: 'Continue' }).click();

      // A non-functioning callback URL for the time being: marked as a placeholder, fine in a draft.
      await page.getByLabel('Redirect URI 1', { exact: true }).fill('https://callback.invalid/oauth');
      await page.getByText('Placeholder', { exact: true }).waitFor();
      assert.equal(await page.getByLabel('Save as draft').isChecked(), true, 'a public app starts as a draft');
      await screenshot(page, 'public-app-01-placeholder');
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByRole('button', { name: 'Continue' }).click(); // token lifetimes: the defaults
      await page.getByLabel('Issue a refresh token').check();
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByLabel('read:contacts', { exact: true }).check();
      await page.getByLabel('Default audience').selectOption(apiIdentifier);
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByRole('button', { name: 'Create' }).click();

      await page.getByRole('heading', { name: 'Acme Marketplace Sync is ready' }).waitFor();
      clientId = await page.getByLabel('Client ID (app ID)', { exact: true }).inputValue();
      firstSecret = await page.getByLabel('Client secret', { exact: true }).inputValue();
      assert.match(firstSecret, /^lk_cs_/);
      await page.getByText('This is the only time the client secret is shown.').waitFor();
      await page.getByText('This app is a draft with placeholder redirect URIs.').waitFor();
      await screenshot(page, 'public-app-02-credentials');
      await page.getByRole('link', { name: 'Continue' }).click();
      await page.getByRole('heading', { name: 'Acme Marketplace Sync', level: 1 }).waitFor();
      assert.equal((await page.content()).includes(firstSecret), false, 'the secret is gone once you leave');
    });
  });

  test('submission is refused until the callback URL is real; then it is submitted and approved', async () => {
    await withPage(browser, 'public-app-submit', async (page) => {
      await signInToConsole(page, as(admin), admin, `/console/orgs/${org}/apps/${clientId}/lifecycle`);
      await page.getByRole('heading', { name: 'Lifecycle' }).waitFor();
      await page.getByText('Placeholder redirect URIs', { exact: true }).waitFor();
      await page.getByRole('button', { name: 'Submit for approval' }).click();
      const dialog = page.getByRole('dialog', { name: 'Submit this app for approval?' });
      await dialog.getByRole('button', { name: 'Submit for approval' }).click();
      await dialog
        .getByText(/Redirect URI 1/)
        .first()
        .waitFor();
      await dialog
        .getByText(/placeholder/)
        .first()
        .waitFor();
      await screenshot(page, 'public-app-03-submit-refused');
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      assert.equal((await empty.server.server.runtime.registry.apps.get({ actor: operatorActor }, clientId)).status, 'draft');

      // Basic info: replace the placeholder with the real callback URL.
      await page.getByRole('link', { name: 'Basic info' }).click();
      const callback = page.getByLabel('Redirect URI 1', { exact: true });
      assert.equal(await callback.inputValue(), 'https://callback.invalid/oauth');
      await callback.fill(redirectUri);
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.getByText('Saved', { exact: true }).waitFor();
      assert.equal(await page.getByText('Placeholder', { exact: true }).count(), 0);

      await page.getByRole('link', { name: 'Lifecycle' }).click();
      await page.getByRole('button', { name: 'Submit for approval' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Submit for approval' }).click();
      await page.getByText('the app is now submitted').waitFor();
      // Whoever submitted doesn't review it (test/http/app-review.test.ts): Ada invites a second admin.
      await inviteFromMembersPage(page, empty, org, reviewer.email, 'admin');
    });
    await acceptInvitation(browser, empty, reviewer);
    await withPage(browser, 'public-app-approve', async (page) => {
      await signInToConsole(page, as(reviewer), reviewer);
      // The review queue lists the submission; its page has the decision.
      await page.getByRole('link', { name: 'Reviews' }).click();
      await page.getByRole('link', { name: 'Acme Marketplace Sync' }).click();
      await page.getByRole('link', { name: 'Lifecycle' }).click();
      await page.getByRole('button', { name: 'Approve' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Approve' }).click();
      await page.getByText('the app is now active').waitFor();
      await screenshot(page, 'public-app-04-approved');
    });
    const app = await empty.server.server.runtime.registry.apps.get({ actor: operatorActor }, clientId);
    assert.equal(app.status, 'active');
    assert.equal(app.review?.decision, 'approved');
    assert.equal(app.review?.submittedBy, admin.email);
    assert.equal(app.review?.reviewedBy, reviewer.email, 'a second person reviewed it');
  });

  test('someone outside the organization signs up on the hosted pages and openid-client gets them tokens', async () => {
    assert.ok(firstSecret, 'the app was created');
    customerRun = await runCodeFlowThroughHostedPages(
      browser,
      empty,
      { clientId, clientSecret: firstSecret, redirectUri },
      { scope: 'openid email offline_access read:contacts' },
      signUpOnHostedPages(empty, customer),
    );
    const { configuration, tokens } = customerRun;
    const registry = empty.server.server.runtime.registry;
    const user = await registry.users.get({ actor: operatorActor }, customer.email);
    assert.equal(user.emailVerified, true, 'the mailed link verified the address');
    const members = await empty.server.server.runtime.storage.organizations.listMembershipsOfUser(user.id);
    assert.deepEqual(members, [], 'the customer is in no organization');

    const idToken = tokens.claims()!;
    assert.equal(idToken.sub, user.id);
    assert.equal(idToken.email, customer.email);
    assert.equal(idToken.email_verified, true);
    assert.ok(tokens.refresh_token, 'offline access: a refresh token');
    const access = await verifyAccessToken(configuration, tokens.access_token, apiIdentifier);
    assert.equal(access.sub, user.id);
    assert.match(String(access.scope), /read:contacts/);
    assert.equal((await client.fetchUserInfo(configuration, tokens.access_token, user.id)).email, customer.email);
  });

  test('the client secret is refreshed behind a confirm dialog: the old one stops working, tokens issued before stay valid', async () => {
    assert.ok(customerRun, "the customer's tokens, issued with the first secret");
    const issuedBefore = customerRun.tokens;

    let newSecret = '';
    await withPage(browser, 'public-app-rotate', async (page) => {
      await signInToConsole(page, as(admin), admin, `/console/orgs/${org}/apps/${clientId}/oauth`);
      await page.getByRole('heading', { name: 'Client ID', exact: true }).waitFor();
      assert.equal(await page.getByRole('textbox', { name: 'Client ID', exact: true }).inputValue(), clientId);
      await page.getByText("The client ID can't be changed.").waitFor();
      await page.getByRole('button', { name: 'Refresh client secret' }).click();
      const confirm = page.getByRole('dialog', { name: 'Generate a new client secret?' });
      await confirm.waitFor();
      await confirm.getByText('This deactivates the current client secret').waitFor();
      await screenshot(page, 'public-app-05-confirm-refresh');
      await confirm.screenshot({ path: join(screenshotDir, 'public-app-05a-confirm-dialog.png') });
      // Cancelling changes nothing; Escape closes the dialog too.
      await page.keyboard.press('Escape');
      await confirm.waitFor({ state: 'hidden' });
      await page.getByRole('button', { name: 'Refresh client secret' }).click();
      await confirm.getByLabel('The current secret stops working').selectOption({ label: 'Immediately' });
      await confirm.getByRole('button', { name: 'Generate new client secret' }).click();
      const shown = page.getByRole('dialog', { name: 'Your new client secret' });
      await shown.waitFor();
      newSecret = await shown.getByLabel('New client secret', { exact: true }).inputValue();
      await shown.getByText("Copy it now: it won't be shown again.").waitFor();
      await shown.getByRole('button', { name: 'Copy New client secret' }).click();
      await shown.getByText('Copied').waitFor();
      await screenshot(page, 'public-app-06-new-secret');
      await shown.screenshot({ path: join(screenshotDir, 'public-app-06a-new-secret-dialog.png') });
      await shown.getByRole('button', { name: 'Close' }).click();
      await shown.waitFor({ state: 'hidden' });
      assert.equal((await page.content()).includes(newSecret), false, 'shown once');
    });
    assert.match(newSecret, /^lk_cs_/);
    assert.notEqual(newSecret, firstSecret);

    // The app's configuration with the old secret: the token endpoint refuses it.
    const app = { clientId, redirectUri };
    await assertInvalidClient(
      runCodeFlowWithOpenidClient(browser, empty, { ...app, clientSecret: firstSecret }, customer, { scope: 'openid' }),
      'the old secret no longer redeems codes',
    );
    const old = await client.discovery(new URL(empty.issuer), clientId, undefined, client.ClientSecretBasic(firstSecret), insecureRequests);
    await assertInvalidClient(client.refreshTokenGrant(old, issuedBefore.refresh_token!), 'nor refresh tokens');

    // With the new one: new codes are redeemed, and the customer's tokens from before still work.
    const { configuration, tokens } = await runCodeFlowWithOpenidClient(browser, empty, { ...app, clientSecret: newSecret }, customer, { scope: 'openid' });
    assert.ok(tokens.id_token);
    const user = await empty.server.server.runtime.registry.users.get({ actor: operatorActor }, customer.email);
    assert.equal((await client.fetchUserInfo(configuration, issuedBefore.access_token, user.id)).email, customer.email, 'the access token issued before');
    const introspection = await client.tokenIntrospection(configuration, issuedBefore.access_token);
    assert.equal(introspection.active, true, 'tokens issued before the refresh stay valid');
    const refreshed = await client.refreshTokenGrant(configuration, issuedBefore.refresh_token!, { scope: 'openid read:contacts' });
    assert.equal(refreshed.scope, 'openid read:contacts', 'the refresh token issued before, with a smaller scope');
    await verifyAccessToken(configuration, refreshed.access_token, apiIdentifier);
  });
});
