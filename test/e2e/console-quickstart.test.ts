// In the console: an app's Quickstart tab shows its issuer, discovery URL and endpoints, and
// snippets for its type filled with its client ID; the curl command copied from the page gets a
// token when the real secret is set. The page fits a 375 pixel screen.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { browserSkipReason, launchChromium, screenshot } from '../support/browser.js';
import { apiIdentifier, oauthFixture, redirectUri, type OAuthFixture } from '../support/oauth.js';
import { assertNoSidewaysScroll as fits, jwtPayload, phoneViewport, setRole, signInToConsole, withPage } from './console-helpers.js';

if (browserSkipReason) console.log(`# ${browserSkipReason}`);

const run = promisify(execFile);

describe("an app's quickstart in the console", { skip: browserSkipReason }, () => {
  let fixture: OAuthFixture;
  let browser: Browser;
  let machine: { clientId: string; clientSecret: string | null };
  let web: { clientId: string; clientSecret: string | null };

  before(async () => {
    fixture = await oauthFixture();
    await setRole(fixture, fixture.user.id, 'admin');
    machine = await fixture.createApp({ name: 'Nightly export', type: 'm2m', apiGrants: [{ audience: apiIdentifier, scopes: ['read:contacts'] }] });
    web = await fixture.createApp({
      name: 'Acme Web',
      type: 'web',
      redirectUris: [redirectUri, 'https://client.example.test/second'],
      scopes: ['openid', 'profile'],
    });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await fixture?.stop();
  });

  test('an M2M app: its endpoints to copy, and a curl command from the page that gets a token', async () => {
    await withPage(browser, 'quickstart-m2m', async (page) => {
      await signInToConsole(page, fixture, fixture.user, `/console/orgs/default/apps/${machine.clientId}/basic`);
      await page.getByRole('link', { name: 'Quickstart' }).click();
      await page.getByRole('heading', { name: 'Endpoints' }).waitFor();
      assert.equal(await page.getByRole('textbox', { name: 'Issuer', exact: true }).inputValue(), fixture.issuer);
      assert.equal(await page.getByRole('textbox', { name: 'Discovery URL', exact: true }).inputValue(), `${fixture.issuer}/.well-known/openid-configuration`);
      assert.equal(await page.getByRole('textbox', { name: 'Token endpoint', exact: true }).inputValue(), `${fixture.issuer}/oauth2/token`);
      assert.equal(await page.getByRole('textbox', { name: 'Introspection endpoint', exact: true }).inputValue(), `${fixture.issuer}/oauth2/introspect`);
      assert.equal(await page.getByRole('textbox', { name: 'Authorization endpoint', exact: true }).count(), 0, 'an M2M app has no authorization endpoint');
      await page.getByRole('button', { name: 'Copy Token endpoint' }).waitFor();
      await page.getByText(/Set CLIENT_SECRET to the client secret: it was shown once/).waitFor();
      await screenshot(page, 'quickstart-m2m');

      const curl = (await page.getByTestId('snippet-curl').textContent()) ?? '';
      assert.doesNotMatch(curl, /lk_cs_/, 'no secret on the page');
      const { stdout } = await run('bash', ['-c', curl], { env: { PATH: process.env.PATH ?? '', CLIENT_SECRET: machine.clientSecret! } });
      const claims = jwtPayload(String((JSON.parse(stdout) as { access_token: string }).access_token));
      assert.equal(claims.aud, apiIdentifier);
      assert.equal(claims.scope, 'read:contacts');

      await page.getByRole('button', { name: 'Node.js (openid-client)' }).click();
      assert.match((await page.getByTestId('snippet-openid-client').textContent()) ?? '', /clientCredentialsGrant/);
      assert.equal(await page.getByRole('button', { name: 'Browser (oauth4webapi)' }).count(), 0, 'no browser library for a confidential app');
    });
  });

  test('a web app at 375 pixels: every snippet fits without sideways scrolling and names the first redirect URI', async () => {
    await withPage(
      browser,
      'quickstart-375',
      async (page) => {
        await signInToConsole(page, fixture, fixture.user, `/console/orgs/default/apps/${web.clientId}/quickstart`);
        await page.getByRole('heading', { name: 'Quickstart' }).waitFor();
        await fits(page, 'endpoints');
        assert.equal(await page.getByRole('textbox', { name: 'Logout endpoint', exact: true }).inputValue(), `${fixture.issuer}/oauth2/logout`);
        for (const [label, id] of [
          ['curl', 'curl'],
          ['Node.js (openid-client)', 'openid-client'],
          ['Python (authlib)', 'authlib'],
        ] as const) {
          await page.getByRole('button', { name: label, exact: true }).click();
          const code = (await page.getByTestId(`snippet-${id}`).textContent()) ?? '';
          assert.ok(code.includes(web.clientId), `${label}: the client ID`);
          assert.ok(code.includes(redirectUri) || code.includes(encodeURIComponent(redirectUri)), `${label}: the first redirect URI`);
          assert.match(code, /S256/, `${label}: PKCE S256`);
          await fits(page, label);
        }
        await screenshot(page, 'quickstart-375');
      },
      phoneViewport,
    );
  });
});
