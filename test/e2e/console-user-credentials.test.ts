// From an empty server, in the console: per-user OAuth 2.0 client credentials. The setup link makes
// the administrator, who registers two APIs and invites a developer. She makes her own credential
// from My profile with two audience + scope pairs; the secret is shown once; the administrator makes
// credentials for her from her member page; openid-client's client credentials tokens carry exactly
// those audiences and scopes, and name her as their owner.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import * as client from 'openid-client';
import type { Browser } from 'playwright-core';
import { operatorActor } from '../../src/domain/access/actor.js';
import { browserSkipReason, launchChromium, screenshot, screenshotDir } from '../support/browser.js';
import { jwtPayload, withPage } from './console-helpers.js';
import {
  acceptInvitation,
  completeFirstRun,
  inviteFromMembersPage,
  runCodeFlowWithOpenidClient,
  startEmptyServer,
  type EmptyServer,
} from './from-empty-server.js';
import { configurationOf, contactsApi, refusal, signInAs } from './from-empty-server-clients.js';
import { registerApiInConsole, verifyAccessToken } from './console-replay-steps.js';

const run = promisify(execFile);

if (browserSkipReason) console.log(`# ${browserSkipReason}`);

const apiIdentifier = contactsApi.identifier;
const billingApi = 'https://billing.example.test';
const notesRedirectUri = 'https://notes.example.test/cb';
const password = 'correct horse battery staple';
const admin = { email: 'ada@example.test', name: 'Ada Lindqvist', password };
const carol = { email: 'carol@example.test', name: 'Carol Nakamura', password };
const ownerClaim = 'latchkey_owner';

describe('per-user OAuth 2.0 client credentials with audience + scope pairs, from an empty server', { skip: browserSkipReason }, () => {
  let empty: EmptyServer;
  let browser: Browser;
  let org = '';
  let carolId = '';
  const notes = { clientId: '', clientSecret: '' };
  const made: { clientId: string; secret: string }[] = [];

  before(async () => {
    empty = await startEmptyServer();
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await empty?.stop();
  });

  async function clientCredentialsToken(credential: { clientId: string; secret: string }, parameters: Record<string, string> = {}) {
    return client.clientCredentialsGrant(await configurationOf(empty, credential.clientId, credential.secret), parameters);
  }

  /** What each API does with the token: verifies it with the keys the issuer publishes. */
  const verifiedBy = async (audience: string, token: string) => verifyAccessToken(await configurationOf(empty, made[0]!.clientId), token, audience);

  test('the setup link makes the administrator, who registers two APIs, creates an app and invites a developer', async () => {
    await withPage(browser, 'user-credentials-first-run', async (page) => {
      org = await completeFirstRun(page, empty, admin, 'Acme Corp');
      await registerApiInConsole(page, empty, org, { ...contactsApi, allowOfflineAccess: false });
      await registerApiInConsole(page, empty, org, {
        allowOfflineAccess: false,
        identifier: billingApi,
        name: 'Billing API',
        scopes: [
          { name: 'read:invoices', description: 'Read invoices' },
          { name: 'write:invoices', description: 'Change invoices' },
        ],
      });
      // An app the developer will allow, and see on My profile.
      await page.getByRole('link', { name: 'OAuth apps', exact: true }).click();
      await page.getByRole('link', { name: 'Create New OAuth App' }).first().click();
      await page.getByLabel(/Web app/).check();
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByLabel('Name').fill('Acme Notes');
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByLabel('Redirect URI 1', { exact: true }).fill(notesRedirectUri);
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByRole('heading', { name: /Token lifetimes/ }).waitFor();
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByLabel('email', { exact: true }).check();
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByRole('button', { name: 'Create' }).click();
      await page.getByRole('heading', { name: 'Acme Notes is ready' }).waitFor();
      notes.clientId = await page.getByLabel('Client ID (app ID)', { exact: true }).inputValue();
      notes.clientSecret = await page.getByLabel('Client secret', { exact: true }).inputValue();
      await inviteFromMembersPage(page, empty, org, carol.email, 'developer');
    });
    await acceptInvitation(browser, empty, carol);
    const registry = empty.server.server.runtime.registry;
    carolId = (await registry.users.get({ actor: operatorActor }, carol.email)).id;
    const members = await registry.orgs.listMembers({ actor: operatorActor }, org);
    assert.deepEqual(members.find((member) => member.userId === carolId)?.role, 'developer');
  });

  test('My profile lists the apps the user allowed by name, and withdrawing names the app', async () => {
    // Carol signs in to Acme Notes and allows it, as its users do.
    const { tokens } = await runCodeFlowWithOpenidClient(browser, empty, { ...notes, redirectUri: notesRedirectUri }, carol, { scope: 'openid email' });
    assert.equal(tokens.claims()?.email, carol.email);
    const { storage } = empty.server.server.runtime;
    assert.ok(await storage.consents.get(carolId, notes.clientId), 'the consent was recorded');
    await withPage(browser, 'profile-consents', async (page) => {
      await signInAs(page, empty, carol);
      await page.getByRole('link', { name: 'My profile' }).click();
      const section = page.getByRole('region', { name: 'Apps you allowed' });
      await section.getByText('Acme Notes', { exact: true }).waitFor();
      await section.getByText('See your email address and whether it is verified').waitFor();
      await section.getByRole('button', { name: 'Withdraw your consent to Acme Notes' }).click();
      const dialog = page.getByRole('dialog', { name: 'Withdraw your consent?' });
      await dialog.getByText('Acme Notes must ask you again').waitFor();
      await dialog.getByRole('button', { name: 'Withdraw consent' }).click();
      await section.getByText("You haven't allowed any app yet").waitFor();
      assert.equal(await storage.consents.get(carolId, notes.clientId), undefined);
    });
  });

  test('a user generates their own credential from My profile with two audience + scope pairs; the secret is shown once', async () => {
    await withPage(browser, 'user-credentials-own', async (page) => {
      await signInAs(page, empty, carol);
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
    const stored = await empty.server.server.runtime.registry.credentials.get({ actor: operatorActor }, made[0]!.clientId);
    assert.equal(stored.ownerUserId, carolId);
    assert.equal(JSON.stringify(stored).includes(made[0]!.secret), false);

    // openid-client gets a token with the credential; the APIs verify it with the issuer's keys.
    const token = await clientCredentialsToken(made[0]!);
    assert.deepEqual(token.scope?.split(' ').sort(), ['read:contacts', 'read:invoices']);
    for (const audience of [apiIdentifier, billingApi]) {
      const claims = await verifiedBy(audience, token.access_token);
      assert.deepEqual(claims.aud, [apiIdentifier, billingApi]);
      assert.deepEqual(String(claims.scope).split(' ').sort(), ['read:contacts', 'read:invoices']);
      assert.equal(claims.sub, made[0]!.clientId, 'the credential is the subject, never the user');
      assert.deepEqual(claims[ownerClaim], { sub: carolId }, 'the owner is named');
    }
    // One audience at a time, as the curl commands ask.
    const billingOnly = await clientCredentialsToken(made[0]!, { audience: billingApi });
    const billingClaims = await verifiedBy(billingApi, billingOnly.access_token);
    assert.equal(billingClaims.aud, billingApi);
    assert.equal(billingClaims.scope, 'read:invoices');
    // Least privilege: nothing beyond the pairs.
    const more = await refusal(clientCredentialsToken(made[0]!, { scope: 'write:contacts' }));
    assert.deepEqual(more, { error: 'invalid_scope', status: 400 });
  });

  test("an admin generates credentials for another member from the member's page; the listing shows the owner", async () => {
    await withPage(browser, 'user-credentials-admin', async (page) => {
      await signInAs(page, empty, admin);
      await page.getByRole('link', { name: 'Members' }).click();
      await page.getByRole('link', { name: carol.name }).click();
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
    const stored = await empty.server.server.runtime.registry.credentials.get({ actor: operatorActor }, made[1]!.clientId);
    assert.equal(stored.ownerUserId, carolId);
    const token = await clientCredentialsToken(made[1]!);
    assert.equal(token.scope, 'write:contacts');
    const claims = await verifiedBy(apiIdentifier, token.access_token);
    assert.equal(claims.aud, apiIdentifier);
    assert.equal(claims.scope, 'write:contacts');
    assert.equal(claims.sub, made[1]!.clientId);
    assert.deepEqual(claims[ownerClaim], { sub: carolId }, 'made by the administrator, owned by the member');
    const introspected = await client.tokenIntrospection(await configurationOf(empty, made[1]!.clientId, made[1]!.secret), token.access_token);
    assert.equal(introspected.active, true);
    assert.deepEqual(introspected[ownerClaim], { sub: carolId });
  });
});
