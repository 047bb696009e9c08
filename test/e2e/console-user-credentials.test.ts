// In the console: per-user OAuth 2.0 client credentials. A user makes their own from My
// profile with two audience + scope pairs; the secret is shown once; an admin makes credentials for
// another member; the client credentials tokens carry exactly those audiences and scopes.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { operatorActor } from '../../src/domain/access/actor.js';
import { browserSkipReason, launchChromium, screenshot, screenshotDir } from '../support/browser.js';
import { postForm, tokenUrl } from '../support/flows.js';
import { apiIdentifier, oauthFixture, type OAuthFixture } from '../support/oauth.js';
import { jwtPayload, setRole, signInToConsole, withPage } from './console-helpers.js';

const run = promisify(execFile);

if (browserSkipReason) console.log(`# ${browserSkipReason}`);

const billingApi = 'https://billing.example.test';

describe('per-user OAuth 2.0 client credentials with audience + scope pairs', { skip: browserSkipReason }, () => {
  let fixture: OAuthFixture;
  let browser: Browser;
  let carol: { id: string; email: string; password: string };
  const made: { clientId: string; secret: string }[] = [];

  before(async () => {
    fixture = await oauthFixture();
    await setRole(fixture, fixture.user.id, 'admin');
    carol = await fixture.createUser('carol@example.test');
    await setRole(fixture, carol.id, 'developer');
    await fixture.server.server.runtime.registry.apis.create({ actor: operatorActor }, fixture.orgId, {
      identifier: billingApi,
      name: 'Billing API',
      scopes: [
        { name: 'read:invoices', description: 'Read invoices' },
        { name: 'write:invoices', description: 'Change invoices' },
      ],
    });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await fixture?.stop();
  });

  async function clientCredentialsToken(credential: { clientId: string; secret: string }) {
    const response = await postForm(tokenUrl(fixture), { grant_type: 'client_credentials' }, { basic: [credential.clientId, credential.secret] });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    return { body: response.body, claims: jwtPayload(String(response.body.access_token)) };
  }

  test('My profile lists the apps the user allowed by name, and withdrawing names the app', async () => {
    const notes = await fixture.createApp({ name: 'Acme Notes', type: 'web', redirectUris: ['https://notes.example.test/cb'], scopes: ['openid', 'email'] });
    const { storage, clock } = fixture.server.server.runtime;
    await storage.consents.put({ userId: carol.id, clientId: notes.clientId, scopes: ['openid', 'email'], createdAt: clock.now(), updatedAt: clock.now() });
    await withPage(browser, 'profile-consents', async (page) => {
      await signInToConsole(page, fixture, carol);
      await page.getByRole('link', { name: 'My profile' }).click();
      const section = page.getByRole('region', { name: 'Apps you allowed' });
      await section.getByText('Acme Notes', { exact: true }).waitFor();
      await section.getByText('See your email address and whether it is verified').waitFor();
      await section.getByRole('button', { name: 'Withdraw your consent to Acme Notes' }).click();
      const dialog = page.getByRole('dialog', { name: 'Withdraw your consent?' });
      await dialog.getByText('Acme Notes must ask you again').waitFor();
      await dialog.getByRole('button', { name: 'Withdraw consent' }).click();
      await section.getByText("You haven't allowed any app yet").waitFor();
      assert.equal(await storage.consents.get(carol.id, notes.clientId), undefined);
    });
  });

  test('a user generates their own credential from My profile with two audience + scope pairs; the secret is shown once', async () => {
    await withPage(browser, 'user-credentials-own', async (page) => {
      await signInToConsole(page, fixture, carol);
      // 1. My profile, 2. OAuth 2.0 client credentials, 3. Generate.
      await page.getByRole('link', { name: 'My profile' }).click();
      await page.getByRole('heading', { name: 'My profile' }).waitFor();
      await page.getByRole('button', { name: 'Generate OAuth 2.0 client credential' }).click();
      const dialog = page.getByRole('dialog', { name: 'Generate OAuth 2.0 client credential' });
      // 4. Name, 5. description.
      await dialog.getByLabel('Name').fill('Nightly export');
      await dialog.getByLabel('Description').fill('Exports contacts and invoices every night');
      // 6. An audience and its scope (the least needed), 7. + Another scope.
      await dialog.getByLabel('Audience 1', { exact: true }).selectOption(apiIdentifier);
      await dialog.getByLabel('Scope 1', { exact: true }).selectOption('read:contacts');
      await dialog.getByRole('button', { name: '+ Another scope' }).click();
      await dialog.getByLabel('Audience 2', { exact: true }).selectOption(billingApi);
      await dialog.getByRole('button', { name: 'Generate' }).click();
      await dialog.getByText('choose a scope of this API').waitFor();
      await dialog.getByLabel('Scope 2', { exact: true }).selectOption('read:invoices');
      await screenshot(page, 'user-credentials-01-generate');
      await dialog.screenshot({ path: join(screenshotDir, 'user-credentials-01a-generate-dialog.png') });
      // 8. Generate: the secret, once, with Copy.
      await dialog.getByRole('button', { name: 'Generate' }).click();
      const shown = page.getByRole('dialog', { name: 'Your new client credential' });
      await shown.waitFor();
      const clientId = await shown.getByRole('textbox', { name: 'Client ID', exact: true }).inputValue();
      const secret = await shown.getByRole('textbox', { name: 'Client secret', exact: true }).inputValue();
      assert.match(secret, /^lk_cs_/);
      await shown.getByText("you can't retrieve it again after you close this dialog").waitFor();
      // The token request for each audience, as curl, with the secret left out; run as shown, it works.
      const requests = shown.getByTestId('credential-token-request');
      assert.equal(await requests.count(), 2, 'one per audience');
      const curl = (await requests.first().textContent()) ?? '';
      assert.ok(curl.includes(clientId) && !curl.includes(secret), 'the client ID, never the secret');
      const { stdout } = await run('bash', ['-c', curl], { env: { PATH: process.env.PATH ?? '', CLIENT_SECRET: secret } });
      assert.equal(jwtPayload(String((JSON.parse(stdout) as { access_token: string }).access_token)).aud, apiIdentifier);
      await shown.getByRole('button', { name: 'Copy Client secret' }).click();
      await shown.getByText('Copied').waitFor();
      await screenshot(page, 'user-credentials-02-secret-once');
      await shown.screenshot({ path: join(screenshotDir, 'user-credentials-02a-secret-dialog.png') });
      // 9. Close: gone for good.
      await shown.getByRole('button', { name: 'Close' }).click();
      await shown.waitFor({ state: 'hidden' });
      const row = page.getByRole('row', { name: /Nightly export/ });
      await row.waitFor();
      assert.match((await row.textContent()) ?? '', /carol@example\.test/);
      assert.match((await row.textContent()) ?? '', /read:contacts/);
      assert.equal((await page.content()).includes(secret), false, 'not on the page after closing');
      await page.reload();
      await page.getByRole('row', { name: /Nightly export/ }).waitFor();
      assert.equal((await page.content()).includes(secret), false, 'nor after a reload');
      await screenshot(page, 'user-credentials-03-my-credentials');
      made.push({ clientId, secret });
    });
    const stored = await fixture.server.server.runtime.registry.credentials.get({ actor: operatorActor }, made[0]!.clientId);
    assert.equal(stored.ownerUserId, carol.id);
    assert.equal(JSON.stringify(stored).includes(made[0]!.secret), false);

    const { body, claims } = await clientCredentialsToken(made[0]!);
    assert.deepEqual(claims.aud, [apiIdentifier, billingApi]);
    assert.deepEqual(String(body.scope).split(' ').sort(), ['read:contacts', 'read:invoices']);
    assert.deepEqual(String(claims.scope).split(' ').sort(), ['read:contacts', 'read:invoices']);
    // Least privilege: nothing beyond the pairs.
    const more = await postForm(
      tokenUrl(fixture),
      { grant_type: 'client_credentials', scope: 'write:contacts' },
      { basic: [made[0]!.clientId, made[0]!.secret] },
    );
    assert.equal(more.status, 400);
    assert.equal(more.body.error, 'invalid_scope');
  });

  test("an admin generates credentials for another member from the member's page; the listing shows the owner", async () => {
    await withPage(browser, 'user-credentials-admin', async (page) => {
      await signInToConsole(page, fixture);
      await page.getByRole('link', { name: 'Members' }).click();
      await page.getByRole('link', { name: 'carol' }).click();
      await page.getByRole('heading', { name: 'OAuth 2.0 client credentials of carol@example.test' }).waitFor();
      await page.getByRole('row', { name: /Nightly export/ }).waitFor();
      await page.getByRole('button', { name: 'Generate OAuth 2.0 client credential' }).click();
      const dialog = page.getByRole('dialog', { name: 'Generate OAuth 2.0 client credential' });
      await dialog.getByText('For carol@example.test').waitFor();
      await dialog.getByLabel('Name').fill('Carol CI job');
      await dialog.getByLabel('Audience 1', { exact: true }).selectOption(apiIdentifier);
      await dialog.getByLabel('Scope 1', { exact: true }).selectOption('write:contacts');
      await dialog.getByRole('button', { name: 'Generate' }).click();
      const shown = page.getByRole('dialog', { name: 'Your new client credential' });
      await shown.getByText(/These credentials belong to carol@example\.test\. Deliver them securely/).waitFor();
      const clientId = await shown.getByRole('textbox', { name: 'Client ID', exact: true }).inputValue();
      const secret = await shown.getByRole('textbox', { name: 'Client secret', exact: true }).inputValue();
      await screenshot(page, 'user-credentials-04-admin-for-member');
      await shown.getByRole('button', { name: 'Close' }).click();
      made.push({ clientId, secret });

      await page.getByRole('link', { name: 'Client credentials' }).click();
      await page.getByRole('heading', { name: 'All client credentials' }).waitFor();
      for (const name of ['Nightly export', 'Carol CI job']) {
        assert.match((await page.getByRole('row', { name: new RegExp(name) }).textContent()) ?? '', /carol@example\.test/);
      }
      await screenshot(page, 'user-credentials-05-all-credentials');
    });
    const stored = await fixture.server.server.runtime.registry.credentials.get({ actor: operatorActor }, made[1]!.clientId);
    assert.equal(stored.ownerUserId, carol.id);
    const { body, claims } = await clientCredentialsToken(made[1]!);
    assert.equal(claims.aud, apiIdentifier);
    assert.equal(body.scope, 'write:contacts');
    assert.equal(claims.scope, 'write:contacts');
  });
});
