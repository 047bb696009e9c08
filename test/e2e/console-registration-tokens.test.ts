// The console's Dynamic registration page: initial access tokens (RFC 7591 §3) for owners and
// admins, only while the server has registration on. An admin issues a token with a policy at
// 375 px (cards, no sideways scrolling), with the console's and the server's field errors next to
// their fields; copies it once; registers a client with it over HTTP using the page's own
// example; sees the use spent; revokes it; and the token is then refused (401 invalid_token).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Locator, Page } from 'playwright-core';
import { paths } from '../../src/contracts/paths.js';
import { operatorActor } from '../../src/domain/access/actor.js';
import { browserSkipReason, launchChromium, screenshot } from '../support/browser.js';
import { oauthFixture, type OAuthFixture } from '../support/oauth.js';
import { assertNoSidewaysScroll, phoneViewport as phone, setRole, signInToConsole, withPage } from './console-helpers.js';

if (browserSkipReason) console.log(`# ${browserSkipReason}`);

describe('the console Dynamic registration page', { skip: browserSkipReason }, () => {
  let fixture: OAuthFixture;
  let browser: Browser;

  const register = (token: string, body: unknown) =>
    fetch(`${fixture.issuer}${paths.registration}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const tokenCard = (page: Page, name: string): Locator =>
    page.getByRole('list', { name: 'Registration tokens' }).getByRole('listitem', { name: `Token ${name}` });

  before(async () => {
    fixture = await oauthFixture({ env: { LATCHKEY_REGISTRATION_ENABLED: 'true' } });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await fixture?.stop();
  });

  test('a developer (no registration_tokens:read) has no entry, and the page says who may', async () => {
    await withPage(browser, 'registration-developer', async (page) => {
      await signInToConsole(page, fixture);
      const nav = page.getByRole('navigation', { name: 'Console' });
      await nav.getByRole('link', { name: 'Members' }).waitFor();
      assert.equal(await nav.getByRole('link', { name: 'Dynamic registration' }).count(), 0);
      await page.goto(`${fixture.issuer}/console/orgs/default/registration`);
      await page.getByRole('heading', { name: 'Only owners and admins see registration tokens' }).waitFor();
      assert.equal(await page.getByRole('button', { name: 'Issue a token' }).count(), 0);
    });
  });

  test('at 375 px an admin issues a token with a policy, registers a client with it, sees the use spent, and revokes it', async () => {
    const admin = await fixture.createMember('regadmin@example.test', 'admin');
    let token = '';
    let example = '';
    await withPage(
      browser,
      'registration-tokens',
      async (page) => {
        await signInToConsole(page, fixture, admin);
        await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Dynamic registration' }).click();
        await page.getByRole('heading', { name: 'Dynamic registration', level: 1 }).waitFor();
        await page.getByRole('heading', { name: 'No registration tokens yet' }).waitFor();
        await assertNoSidewaysScroll(page, 'the empty page');

        await page.getByRole('button', { name: 'Issue a token' }).click();
        const dialog = page.getByRole('dialog', { name: 'Issue a registration token' });
        // The defaults are the domain's: one use, 7 days, native + single-page + web, code + refresh.
        assert.equal(await dialog.getByLabel('Maximum uses').inputValue(), '1');
        assert.equal(await dialog.getByLabel('Expires in (days)').inputValue(), '7');
        for (const type of ['Native/Mobile app', 'Single-page app', 'Web app']) assert.equal(await dialog.getByLabel(type).isChecked(), true, type);
        for (const type of ['Machine-to-machine', 'Device (input-limited)']) assert.equal(await dialog.getByLabel(type).isChecked(), false, type);
        assert.equal(await dialog.getByLabel('Authorization code (with PKCE)').isChecked(), true);
        assert.equal(await dialog.getByLabel('Client credentials').isChecked(), false);

        // The console's own bounds, before anything is sent; editing the field clears its error.
        await dialog.getByLabel('Name').fill('Partner onboarding');
        await dialog.getByLabel('Maximum uses').fill('20000');
        await dialog.getByRole('button', { name: 'Issue token' }).click();
        await dialog.getByText('must be from 1 to 10000', { exact: true }).waitFor();
        assert.equal(await dialog.getByLabel('Maximum uses').getAttribute('aria-invalid'), 'true');
        await dialog.getByLabel('Maximum uses').fill('2');
        assert.equal(await dialog.getByText('must be from 1 to 10000', { exact: true }).count(), 0, 'the error goes when the field is edited');

        // The server's refusal, next to the field it is about.
        await dialog.getByLabel('Native/Mobile app').uncheck();
        await dialog.getByLabel('Scopes').fill('openid profile');
        await dialog.getByLabel('Redirect URI hosts').fill('partner.example.test\nbad_host!');
        await dialog.getByRole('button', { name: 'Issue token' }).click();
        // Next to the field, naming the entry (the summary above names its path).
        await dialog
          .locator('.field-error')
          .getByText(/^bad_host!: must be a host name, \*\.a-domain, or a private-use scheme/)
          .waitFor();
        assert.equal(await dialog.getByLabel('Redirect URI hosts').getAttribute('aria-invalid'), 'true');
        await assertNoSidewaysScroll(page, 'the issue dialog with errors');
        await screenshot(page, 'registration-01-errors-375');
        assert.equal(
          (await fixture.server.server.runtime.registry.initialAccessTokens.list({ actor: operatorActor }, fixture.orgId)).length,
          0,
          'nothing was issued',
        );
        await dialog.getByLabel('Redirect URI hosts').fill('partner.example.test');
        assert.equal(await dialog.getByLabel('Redirect URI hosts').getAttribute('aria-invalid'), null, 'the server error goes when the field is edited');
        await dialog.getByRole('button', { name: 'Issue token' }).click();

        // Shown once, with a copy button, the endpoint and a request to run.
        await page.getByRole('heading', { name: 'Token “Partner onboarding” issued' }).waitFor();
        token = await page.getByTestId('initial-access-token').inputValue();
        assert.match(token, /^lk_iat_/);
        await page.getByRole('button', { name: 'Copy Initial access token' }).click();
        await page.getByText('Copied', { exact: true }).first().waitFor();
        assert.equal(await page.evaluate<string>('navigator.clipboard.readText()'), token, 'the copy button copies the token');
        assert.equal(await page.getByRole('textbox', { name: 'Registration endpoint' }).inputValue(), `${fixture.issuer}${paths.registration}`);
        example = await page.getByTestId('registration-example').innerText();
        assert.match(example, new RegExp(`^curl -X POST ${fixture.issuer}/oauth2/register`));
        assert.ok(example.includes(`-H 'Authorization: Bearer ${token}'`));
        await assertNoSidewaysScroll(page, 'the issued token');
        await screenshot(page, 'registration-02-issued-375');

        const card = tokenCard(page, 'Partner onboarding');
        await card.waitFor();
        assert.match(await card.innerText(), /Active/);
        assert.equal((await card.getByTestId('uses-left').innerText()).trim(), '2 of 2');
        assert.equal((await card.getByTestId('last-used').innerText()).trim(), 'Never');
        assert.match(
          await card.innerText(),
          /Registers single-page or web apps using authorization code \(with PKCE\) and refresh token; scopes openid profile; redirect URIs on partner\.example\.test\./,
        );
        assert.match(await card.innerText(), /by regadmin@example\.test/);
        await page.getByRole('button', { name: 'Done, I copied it' }).click();
        assert.equal(await page.getByTestId('initial-access-token').count(), 0, 'the token is gone from the page');
      },
      { ...phone, permissions: ['clipboard-read', 'clipboard-write'] },
    );

    // The page's example, as an app would send it.
    const metadata = JSON.parse(/-d '(.*)'$/m.exec(example)![1]!) as Record<string, unknown>;
    assert.deepEqual(metadata.redirect_uris, ['https://partner.example.test/callback']);
    assert.equal(metadata.scope, 'openid profile');
    const registered = await register(token, metadata);
    assert.equal(registered.status, 201, await registered.clone().text());
    const client = (await registered.json()) as { client_id: string };
    assert.ok(client.client_id);

    await withPage(
      browser,
      'registration-tokens-revoke',
      async (page) => {
        await signInToConsole(page, fixture, admin, '/console/orgs/default/registration');
        const card = tokenCard(page, 'Partner onboarding');
        await card.waitFor();
        assert.equal((await card.getByTestId('uses-left').innerText()).trim(), '1 of 2', 'the registration spent a use');
        assert.notEqual((await card.getByTestId('last-used').innerText()).trim(), 'Never');

        await card.getByRole('button', { name: 'Revoke Partner onboarding' }).click();
        const dialog = page.getByRole('dialog', { name: 'Revoke “Partner onboarding”?' });
        await dialog.getByText(/Registrations with this token are refused from now on/).waitFor();
        await dialog.getByRole('button', { name: 'Revoke token' }).click();
        await page.getByText('“Partner onboarding” is revoked').waitFor();
        await card.getByText('Revoked', { exact: true }).first().waitFor();
        assert.equal(await card.getByRole('button', { name: 'Revoke Partner onboarding' }).count(), 0);
        await assertNoSidewaysScroll(page, 'the revoked token');
        await screenshot(page, 'registration-03-revoked-375');
      },
      phone,
    );

    const refused = await register(token, metadata);
    assert.equal(refused.status, 401);
    assert.equal(((await refused.json()) as { error: string }).error, 'invalid_token');
    assert.match(refused.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
    // Revoking stops registrations; the app it registered stays.
    const app = await fixture.server.server.runtime.registry.apps.get({ actor: operatorActor }, client.client_id);
    assert.equal(app.status, 'active');
  });

  test('with registration off, there is no entry, and the page says how to turn it on', async () => {
    const off = await oauthFixture();
    try {
      await setRole(off, off.user.id, 'admin');
      await withPage(browser, 'registration-off', async (page) => {
        await signInToConsole(page, off);
        const nav = page.getByRole('navigation', { name: 'Console' });
        await nav.getByRole('link', { name: 'Members' }).waitFor();
        assert.equal(await nav.getByRole('link', { name: 'Dynamic registration' }).count(), 0);
        await page.goto(`${off.issuer}/console/orgs/default/registration`);
        await page.getByRole('heading', { name: 'Dynamic registration is off on this server' }).waitFor();
        await page.getByText('registration.enabled', { exact: true }).waitFor();
        assert.equal(await page.getByRole('button', { name: 'Issue a token' }).count(), 0);
        await page.getByRole('link', { name: 'create apps by hand' }).click();
        await page.waitForURL((url) => url.pathname === '/console/orgs/default/apps/new');
      });
    } finally {
      await off.stop();
    }
  });
});
