// In the console: the rules every form keeps. A server's field error goes once that field is
// edited; messages name fields as the form labels them, never by API path; the redirect URIs'
// 2000 characters are the URIs' own; a private key is refused before it is sent where a
// certificate belongs; a cancelled sign-in lands on a console page; and a new app can take its
// APIs' access token lifetime.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { operatorActor } from '../../src/domain/access/actor.js';
import { browserSkipReason, launchChromium, screenshot } from '../support/browser.js';
import { postForm, tokenUrl } from '../support/flows.js';
import { oauthFixture, redirectUri, type OAuthFixture } from '../support/oauth.js';
import { setRole, signInToConsole, withPage } from './console-helpers.js';

if (browserSkipReason) console.log(`# ${browserSkipReason}`);

const privateKey = readFileSync('test/fixtures/certificates/rsa-valid.key', 'utf8');
const privateKeyMessage = /^This is a private key\. Paste the certificate \(BEGIN CERTIFICATE\)/;
const reportsApi = 'https://reports.example.test';

/** Every write the page sends to the management API, as "METHOD path". */
function recordWrites(page: Page): string[] {
  const writes: string[] = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (request.method() !== 'GET' && url.pathname.startsWith('/console/api/v1/')) writes.push(`${request.method()} ${url.pathname}`);
  });
  return writes;
}

/** Fails when the page shows an API field path (`redirectUris[1]`, `accessToken.ttlMinutes`) anywhere. */
async function assertNoFieldPaths(page: Page, where: string): Promise<void> {
  const text = await page.locator('main').innerText();
  const paths = text.match(/\b[a-z]+(?:[A-Z][a-z]+)+(?:\[\d+\]|\.[a-z][A-Za-z]*)*/g) ?? [];
  assert.deepEqual(
    paths.filter((path) => /[[.]/.test(path) || /Uris|Minutes/.test(path)),
    [],
    `${where}: the page names API paths:\n${text}`,
  );
}

describe('the rules every console form keeps', { skip: browserSkipReason }, () => {
  let fixture: OAuthFixture;
  let browser: Browser;

  before(async () => {
    fixture = await oauthFixture();
    await setRole(fixture, fixture.user.id, 'admin');
    await fixture.server.server.runtime.registry.apis.create({ actor: operatorActor }, fixture.orgId, {
      identifier: reportsApi,
      name: 'Reports API',
      scopes: [{ name: 'read:reports', description: 'Read reports' }],
      accessTokenTtlMinutes: 5,
    });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await fixture?.stop();
  });

  test("the server's error under a field goes once that field is edited, and the summary names it as the form does", async () => {
    const { clientId } = await fixture.createApp({ name: 'Twice listed', type: 'web', redirectUris: [redirectUri] });
    await withPage(browser, 'form-rules-server-error-clears', async (page) => {
      await signInToConsole(page, fixture, fixture.user, `/console/orgs/default/apps/${clientId}`);
      await page.getByRole('button', { name: '+ Add redirect URI' }).first().click();
      // The console doesn't check for repeats on this tab; the server does.
      await page.getByLabel('Redirect URI 2', { exact: true }).fill(redirectUri);
      await page.getByRole('button', { name: 'Save changes' }).click();
      const summary = page.locator('.error-summary', { hasText: 'Nothing was saved' });
      await summary.getByText(`Redirect URI 2: ${redirectUri} is listed twice`).waitFor();
      const field = page.getByLabel('Redirect URI 2', { exact: true });
      assert.equal(await field.getAttribute('aria-invalid'), 'true');
      await assertNoFieldPaths(page, 'a refused save');
      await screenshot(page, 'form-rules-01-refused');

      await field.fill('https://client.example.test/other-callback');
      assert.equal(await field.getAttribute('aria-invalid'), null, 'the message under the edited field is gone');
      assert.equal(await page.getByText(/is listed twice/).count(), 0, 'and so is the summary that repeated it');

      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.getByText('Saved', { exact: true }).waitFor();
    });
  });

  test('a summary of several refused fields lists each by its label and forgets each one as it is edited', async () => {
    const { clientId } = await fixture.createApp({ name: 'Many problems', type: 'web', redirectUris: [redirectUri, 'https://client.example.test/second'] });
    await withPage(browser, 'form-rules-summary-labels', async (page) => {
      await page.route(`**/console/api/v1/apps/${clientId}`, async (route) => {
        if (route.request().method() !== 'PATCH') return route.fallback();
        return route.fulfill({
          status: 400,
          contentType: 'application/problem+json',
          body: JSON.stringify({
            type: 'urn:latchkey:problem:validation',
            title: 'Invalid request',
            status: 400,
            detail: '3 fields are invalid',
            errors: [
              { field: 'redirectUris[1]', message: 'https://client.example.test/second is not allowed here' },
              { field: 'redirectUris', message: 'redirectUris[1] and redirectUris[0] take too many characters' },
              { field: 'name', message: 'is already the name of another app' },
            ],
          }),
        });
      });
      await signInToConsole(page, fixture, fixture.user, `/console/orgs/default/apps/${clientId}`);
      await page.getByRole('button', { name: 'Save changes' }).click();
      const summary = page.locator('.error-summary', { hasText: 'Nothing was saved' });
      await summary.getByText('3 fields need a change:').waitFor();
      const items = async () => (await summary.getByRole('listitem').allInnerTexts()).sort();
      assert.deepEqual(await items(), [
        'App name: is already the name of another app',
        'Redirect URI 2: https://client.example.test/second is not allowed here',
        'Redirect URIs: Redirect URI 2 and Redirect URI 1 take too many characters',
      ]);
      await assertNoFieldPaths(page, 'a summary of three problems');
      await screenshot(page, 'form-rules-02-summary');

      await page.getByLabel('App name').fill('Many problems, renamed');
      await summary.getByText('2 fields need a change:').waitFor();
      assert.equal(await page.getByText('is already the name of another app').count(), 0);
      await page.getByLabel('Redirect URI 2', { exact: true }).fill('https://client.example.test/third');
      assert.equal(await page.locator('.error-summary').count(), 0, 'every field it was about has changed');
    });
  });

  test('organization settings and invitations forget a refused field once it is edited, and name it by its label', async () => {
    await withPage(browser, 'form-rules-org-and-invite', async (page) => {
      await signInToConsole(page, fixture, fixture.user, '/console/orgs/default/settings');
      const urlName = page.getByLabel('URL name');
      await urlName.fill('Not A Slug');
      await page.getByRole('button', { name: 'Save' }).click();
      const summary = page.locator('.error-summary', { hasText: 'The settings were not saved' });
      await summary.getByText(/^URL name: must be 1 to 63 lower-case letters/).waitFor();
      assert.equal(await urlName.getAttribute('aria-invalid'), 'true');
      await urlName.fill('not-a-slug-yet');
      assert.equal(await urlName.getAttribute('aria-invalid'), null);
      assert.equal(await page.locator('.error-summary').count(), 0);

      await page.goto(`${fixture.issuer}/console/orgs/default/members`);
      const invite = page.getByLabel('Email to invite');
      await invite.fill('not an address');
      await page.getByRole('button', { name: 'Invite', exact: true }).click();
      await page.locator('.error-summary', { hasText: 'The invitation was not made' }).getByText('Email to invite: must be an email address').waitFor();
      assert.equal(await invite.getAttribute('aria-invalid'), 'true');
      await invite.fill('erin@example');
      assert.equal(await invite.getAttribute('aria-invalid'), null);
      assert.equal(await page.getByText('must be an email address').count(), 0);
    });
    const org = await fixture.server.server.runtime.registry.orgs.get({ actor: operatorActor }, 'default');
    assert.equal(org.name, 'default', 'nothing was saved');
  });

  test('the wizard forgets a refused field once it is edited', async () => {
    await withPage(browser, 'form-rules-wizard', async (page) => {
      let refused = false;
      await page.route('**/console/api/v1/orgs/default/apps', async (route) => {
        if (route.request().method() !== 'POST' || refused) return route.fallback();
        refused = true;
        return route.fulfill({
          status: 400,
          contentType: 'application/problem+json',
          body: JSON.stringify({
            type: 'urn:latchkey:problem:validation',
            title: 'Invalid request',
            status: 400,
            detail: 'redirectUris[0]: https://taken.example.test/cb is registered to another app',
            errors: [{ field: 'redirectUris[0]', message: 'https://taken.example.test/cb is registered to another app' }],
          }),
        });
      });
      await signInToConsole(page, fixture, fixture.user, '/console/orgs/default/apps/new');
      await page.getByLabel(/Single-page app/).check();
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByLabel('Name').fill('Refused once');
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByLabel('Redirect URI 1', { exact: true }).fill('https://taken.example.test/cb');
      for (let step = 0; step < 4; step += 1) await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByRole('button', { name: 'Create' }).click();

      await page.getByRole('heading', { name: /Step 3 of 7: Redirect URIs/ }).waitFor();
      const summary = page.locator('.error-summary', { hasText: 'The app was not created' });
      await summary.getByText('Redirect URI 1: https://taken.example.test/cb is registered to another app').waitFor();
      const field = page.getByLabel('Redirect URI 1', { exact: true });
      assert.equal(await field.getAttribute('aria-invalid'), 'true');
      await assertNoFieldPaths(page, 'the refused wizard');

      await field.fill('https://spa.example.test/cb');
      assert.equal(await field.getAttribute('aria-invalid'), null);
      assert.equal(await page.getByText(/is registered to another app/).count(), 0);
      for (let step = 0; step < 4; step += 1) await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByRole('button', { name: 'Create' }).click();
      await page.getByRole('heading', { name: 'Refused once is ready' }).waitFor();
    });
  });

  test("the redirect URIs' 2000 characters are the URIs' own, in the console as on the server", async () => {
    const base = 'https://app.example.test/';
    const uris = [`${base}${'a'.repeat(1000 - base.length)}`, `${base}${'b'.repeat(1000 - base.length)}`];
    let clientId = '';
    await withPage(browser, 'form-rules-redirect-total', async (page) => {
      await signInToConsole(page, fixture, fixture.user, '/console/orgs/default/apps/new');
      await page.getByLabel(/Web app/).check();
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByLabel('Name').fill('Two long callbacks');
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByLabel('Redirect URI 1', { exact: true }).fill(uris[0]!);
      await page.getByRole('button', { name: '+ Add redirect URI' }).click();
      await page.getByLabel('Redirect URI 2', { exact: true }).fill(uris[1]!);
      await page.getByText('2000 of 2000 characters used').waitFor();
      assert.equal(await page.getByText(/the limit is 2000/).count(), 0, 'exactly the limit is within it');
      await page.getByRole('button', { name: '+ Add redirect URI' }).click();
      await page.getByLabel('Redirect URI 3', { exact: true }).fill('https://c');
      await page.getByText('2009 of 2000 characters used').waitFor();
      await page.getByText(/The redirect URIs take 2009 characters in all; the limit is 2000/).waitFor();
      await page.getByRole('button', { name: 'Remove redirect URI 3' }).click();
      await page.getByText('2000 of 2000 characters used').waitFor();
      await page.getByRole('button', { name: 'Continue' }).click();
      for (let step = 0; step < 3; step += 1) await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByRole('button', { name: 'Create' }).click();
      await page.getByRole('heading', { name: 'Two long callbacks is ready' }).waitFor();
      clientId = await page.getByLabel('Client ID (app ID)', { exact: true }).inputValue();

      // One character more is refused by the server too, under the list, in words.
      await page.goto(`${fixture.issuer}/console/orgs/default/apps/${clientId}`);
      await page.getByLabel('Redirect URI 2', { exact: true }).fill(`${uris[1]!}c`);
      await page.getByText('2001 of 2000 characters used').waitFor();
      await page.getByRole('button', { name: 'Save changes' }).click();
      const summary = page.locator('.error-summary', { hasText: 'Nothing was saved' });
      await summary.getByText('Redirect URIs: the URIs take 2001 characters in all; the limit is 2000').waitFor();
      await assertNoFieldPaths(page, 'the refused total');
    });
    const app = await fixture.server.server.runtime.registry.apps.get({ actor: operatorActor }, clientId);
    assert.deepEqual(app.settings.redirectUris, uris);
  });

  test('a private key pasted where a certificate or public key belongs is refused before anything is sent', async () => {
    const { clientId } = await fixture.createApp({
      name: 'Key holder',
      type: 'web',
      redirectUris: [redirectUri],
      grantTypes: ['authorization_code', 'urn:ietf:params:oauth:grant-type:jwt-bearer'],
    });
    await withPage(browser, 'form-rules-private-key', async (page) => {
      await signInToConsole(page, fixture, fixture.user, `/console/orgs/default/apps/${clientId}/advanced`);
      await page.getByRole('heading', { name: 'Advanced settings' }).waitFor();
      const writes = recordWrites(page);

      const certificates = page.getByRole('region', { name: 'Certificates and keys' });
      await certificates.getByLabel('Or paste it').fill(privateKey);
      await certificates.getByText(privateKeyMessage).waitFor();
      assert.equal(await certificates.getByLabel('Or paste it').getAttribute('aria-invalid'), 'true');
      await certificates.getByRole('button', { name: 'Upload certificate' }).click();
      // A file is read into the same field: a .key file is caught the same way.
      await certificates.getByLabel('Certificate or key file').setInputFiles('test/fixtures/certificates/rsa-valid.key');
      await certificates.getByText(privateKeyMessage).waitFor();
      await certificates.getByRole('button', { name: 'Upload certificate' }).click();

      const trusted = page.getByRole('region', { name: 'Trusted issuers' });
      await trusted.getByLabel('Issuer', { exact: true }).fill('https://idp.partner.example.test');
      await trusted.getByLabel('Public keys', { exact: true }).fill(privateKey);
      await trusted.getByText(privateKeyMessage).waitFor();
      await trusted.getByLabel('Subjects', { exact: true }).fill(fixture.user.email);
      await trusted.getByRole('button', { name: 'Trust issuer' }).click();
      await screenshot(page, 'form-rules-03-private-key');

      await page.waitForTimeout(300);
      assert.deepEqual(writes, [], 'no request carried the private key');
      // The certificate itself goes through.
      await certificates.getByLabel('Or paste it').fill(readFileSync('test/fixtures/certificates/rsa-valid.pem', 'utf8'));
      assert.equal(await certificates.getByText(privateKeyMessage).count(), 0);
      await certificates.getByRole('button', { name: 'Upload certificate' }).click();
      await certificates.getByText(/^Uploaded a key/).waitFor();
      assert.deepEqual(writes, [`POST /console/api/v1/apps/${clientId}/certificates`]);
    });
    const stored = await fixture.server.server.runtime.registry.apps.listTrustedIssuers({ actor: operatorActor }, clientId);
    assert.deepEqual(stored, []);
  });

  test('cancelling the sign-in to the console lands on a console page with a way back in', async () => {
    await withPage(browser, 'form-rules-cancel-sign-in', async (page) => {
      await page.goto(`${fixture.issuer}/console/orgs/default/apps`);
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
      await page.getByRole('button', { name: /^Cancel and go back to/ }).click();
      await page.getByRole('heading', { name: 'Sign-in was cancelled' }).waitFor();
      const url = new URL(page.url());
      assert.equal(url.pathname, '/console/signed-out');
      assert.equal(await page.title(), 'Sign-in was cancelled · Latchkey console');
      await screenshot(page, 'form-rules-04-sign-in-cancelled');

      await page.getByRole('link', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
      await page.getByLabel('Email').fill(fixture.user.email);
      await page.getByLabel('Password').fill(fixture.user.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL((next) => next.pathname === '/console/orgs/default/apps');
      await page.getByRole('navigation', { name: 'Console' }).waitFor();
    });
  });

  test("an app created with the API's lifetime keeps no TTL of its own, and its tokens live as long as the API says", async () => {
    let clientId = '';
    let secret = '';
    await withPage(browser, 'form-rules-api-lifetime', async (page) => {
      await signInToConsole(page, fixture, fixture.user, '/console/orgs/default/apps/new');
      await page.getByLabel(/Machine-to-machine/).check();
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByLabel('Name').fill('Report runner');
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByRole('heading', { name: /Token lifetimes/ }).waitFor();
      assert.equal(await page.getByLabel(/Use the API.s lifetime/).isChecked(), true, 'the default');
      assert.equal(await page.getByLabel('Access token TTL (minutes)').count(), 0, 'no minutes to fill in');
      // A lifetime of its own still has the bounds.
      await page.getByLabel(/A lifetime of its own/).check();
      await page.getByLabel('Access token TTL (minutes)').fill('0');
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByText(/^must be a whole number of minutes from 1 to/).waitFor();
      await page.getByLabel(/Use the API.s lifetime/).check();
      await screenshot(page, 'form-rules-05-api-lifetime');
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByLabel('read:reports', { exact: true }).check();
      await page.getByText("the API's lifetime").waitFor();
      await page.getByRole('button', { name: 'Create' }).click();
      await page.getByRole('heading', { name: 'Report runner is ready' }).waitFor();
      clientId = await page.getByLabel('Client ID (app ID)', { exact: true }).inputValue();
      secret = await page.getByLabel('Client secret', { exact: true }).inputValue();
    });
    const app = await fixture.server.server.runtime.registry.apps.get({ actor: operatorActor }, clientId);
    assert.equal(app.settings.accessToken.ttlMinutes, null, 'no TTL of its own');
    const response = await postForm(
      tokenUrl(fixture),
      { grant_type: 'client_credentials', audience: reportsApi, scope: 'read:reports' },
      { basic: [clientId, secret] },
    );
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.equal(response.body.expires_in, 300, "the Reports API's 5 minutes");
  });
});
