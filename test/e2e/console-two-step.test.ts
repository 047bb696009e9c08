// Two-step verification in the console: a server administrator sees who has it on and resets a
// user's second factors after a confirmation; app and organization settings require it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { generate } from 'otplib';
import type { Browser } from 'playwright-core';
import { operatorActor } from '../../src/domain/access/actor.js';
import { browserSkipReason, launchChromium, screenshot } from '../support/browser.js';
import { queuedMails } from '../support/mailbox.js';
import { oauthFixture, redirectUri, type OAuthFixture } from '../support/oauth.js';
import { setRole, signInToConsole, withPage } from './console-helpers.js';

if (browserSkipReason) console.log(`# ${browserSkipReason}`);

const operator = { actor: operatorActor };

describe('two-step verification in the console', { skip: browserSkipReason }, () => {
  let fixture: OAuthFixture;
  let browser: Browser;
  let root: { id: string; email: string; password: string };

  before(async () => {
    fixture = await oauthFixture();
    await setRole(fixture, fixture.user.id, 'admin');
    root = await fixture.createUser('root@example.test');
    await fixture.server.server.runtime.registry.users.update(operator, root.id, { isAdmin: true });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await fixture?.stop();
  });

  test('an administrator sees two-step is on and resets it after confirming; the user is mailed', async () => {
    const registry = fixture.server.server.runtime.registry;
    const user = await fixture.createUser('lost.phone@example.test');
    const { factorId, secret } = await registry.secondFactors.startTotp(user.id, user.email);
    const code = await generate({ secret, epoch: Math.floor(Date.now() / 1000) });
    const actor = { kind: 'user' as const, userId: user.id, email: user.email, scopes: new Set<never>() };
    assert.equal((await registry.secondFactors.confirmTotp({ actor }, user.id, { factorId, code, ip: '127.0.0.1' })).ok, true);

    await withPage(browser, 'two-step-reset', async (page) => {
      await signInToConsole(page, fixture, root, '/console/orgs/default/users?q=lost.phone');
      const card = page.getByRole('list', { name: 'Users' }).getByRole('listitem').filter({ hasText: 'lost.phone@example.test' });
      await card.getByText('two-step on').waitFor();
      await card.getByRole('link', { name: 'lost.phone' }).click();
      await page.getByRole('heading', { name: 'lost.phone', level: 1 }).waitFor();
      await page.getByText('On: 1 authenticator app, 10 recovery codes left').waitFor();

      await page.getByRole('button', { name: 'Reset two-step verification' }).click();
      const dialog = page.getByRole('dialog', { name: 'Reset two-step verification of lost.phone@example.test?' });
      await dialog.getByText(/they set up a new second factor at their next sign-in/).waitFor();
      await screenshot(page, 'two-step-01-confirm-reset');
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      assert.deepEqual(await registry.secondFactors.methodsOf(user.id), ['totp', 'recovery_code'], 'cancelling changes nothing');

      await page.getByRole('button', { name: 'Reset two-step verification' }).click();
      await dialog.getByRole('button', { name: 'Reset two-step verification' }).click();
      await page.getByText(/Two-step verification of lost\.phone@example\.test is reset: 1 second factor/).waitFor();
      await page.getByText('two-step off').waitFor();
      await page.getByRole('definition').filter({ hasText: /^Off$/ }).waitFor();
      assert.equal(await page.getByRole('button', { name: 'Reset two-step verification' }).count(), 0, 'nothing left to reset');
    });
    assert.deepEqual(await registry.secondFactors.methodsOf(user.id), []);
    const mails = await queuedMails(fixture.server.server.runtime.storage, user.email, 'second-factor-changed');
    assert.match(String(mails.at(-1)?.variables.change), /administrator removed the second factors/);
  });

  test('the Advanced tab of an app turns "Require two-step verification" on and off', async () => {
    const registry = fixture.server.server.runtime.registry;
    const { clientId } = await fixture.createApp({ name: 'Payroll', type: 'web', redirectUris: [redirectUri], scopes: ['openid'] });
    await withPage(browser, 'two-step-app', async (page) => {
      await signInToConsole(page, fixture, fixture.user, `/console/orgs/default/apps/${clientId}/advanced`);
      await page.getByRole('heading', { name: 'Advanced settings' }).waitFor();
      const box = page.getByLabel('Require two-step verification');
      assert.equal(await box.isChecked(), false);
      await page.getByText('Users must sign in with a second factor; those without one set it up at their next sign-in.').waitFor();
      await box.check();
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.getByText('Saved', { exact: true }).waitFor();
      assert.equal((await registry.apps.get(operator, clientId)).settings.security.requireMfa, true);
      await page.reload();
      await page.getByRole('heading', { name: 'Advanced settings' }).waitFor();
      assert.equal(await page.getByLabel('Require two-step verification').isChecked(), true, 'the saved value comes back');
      await page.getByLabel('Require two-step verification').uncheck();
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.getByText('Saved', { exact: true }).waitFor();
    });
    const settings = (await registry.apps.get(operator, clientId)).settings.security;
    assert.equal(settings.requireMfa, false);
    assert.equal(settings.requireVerifiedEmail, false, 'the checkbox next to it is left alone');
  });

  test('organization settings and a new organization "Require two-step verification for members"', async () => {
    const registry = fixture.server.server.runtime.registry;
    const owner = await fixture.createUser('org.owner@example.test');
    const org = await registry.orgs.create(operator, { name: 'strict', displayName: 'Strict', owner: owner.id });
    const label = 'Require two-step verification for members';
    await withPage(browser, 'two-step-org', async (page) => {
      await signInToConsole(page, fixture, owner, '/console/orgs/strict/settings');
      await page.getByRole('heading', { name: 'Organization settings' }).waitFor();
      assert.equal(await page.getByLabel(label).isChecked(), false);
      await page.getByLabel(label).check();
      await page.getByRole('button', { name: 'Save' }).click();
      await page.getByText('Saved.').waitFor();
      assert.equal((await registry.orgs.get(operator, org.id)).requireMfa, true);
      await page.reload();
      await page.getByRole('heading', { name: 'Organization settings' }).waitFor();
      assert.equal(await page.getByLabel(label).isChecked(), true);
      await screenshot(page, 'two-step-02-org-settings');
      await page.getByLabel(label).uncheck();
      await page.getByRole('button', { name: 'Save' }).click();
      await page.getByText('Saved.').waitFor();
      assert.equal((await registry.orgs.get(operator, org.id)).requireMfa, false);

      await page.goto(`${fixture.issuer}/console/orgs/new`);
      await page.getByRole('heading', { name: 'New organization' }).waitFor();
      await page.getByLabel('Name', { exact: true }).fill('Careful Co');
      await page.getByLabel(label).check();
      await page.getByRole('button', { name: 'Create organization' }).click();
      await page.waitForURL(/\/console\/orgs\/careful-co\/apps/);
    });
    assert.equal((await registry.orgs.get(operator, 'careful-co')).requireMfa, true);
  });

  test('a member who may not change settings sees the requirement, read-only', async () => {
    const registry = fixture.server.server.runtime.registry;
    const viewer = await fixture.createUser('org.viewer@example.test');
    await registry.orgs.putMember(operator, 'default', { userId: viewer.id, role: 'viewer' });
    try {
      await withPage(browser, 'two-step-org-viewer', async (page) => {
        // Signed in before the requirement is switched on: the viewer has no second factor to show.
        await signInToConsole(page, fixture, viewer, '/console/orgs/default/settings');
        await registry.orgs.update(operator, 'default', { requireMfa: true });
        await page.reload();
        await page.getByRole('heading', { name: 'Organization settings' }).waitFor();
        const box = page.getByLabel('Require two-step verification for members');
        assert.equal(await box.isChecked(), true);
        assert.equal(await box.isDisabled(), true);
      });
    } finally {
      await registry.orgs.update(operator, 'default', { requireMfa: false });
    }
  });
});
