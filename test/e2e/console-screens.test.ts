// The console's other screens, each loading from the management API: the organization switcher, the
// apps list with search and its empty state, members and roles with invitations, the audit log
// filtered by app and time, and signing out.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { operatorActor } from '../../src/domain/access/actor.js';
import { browserSkipReason, launchChromium, screenshot } from '../support/browser.js';
import { oauthFixture, redirectUri, type OAuthFixture } from '../support/oauth.js';
import { setRole, signInToConsole, withPage } from './console-helpers.js';

if (browserSkipReason) console.log(`# ${browserSkipReason}`);

describe('the console screens: organizations, apps, members, audit log, sign-out', { skip: browserSkipReason }, () => {
  let fixture: OAuthFixture;
  let browser: Browser;
  let notesApp = '';
  let kioskApp = '';
  let root: { id: string; email: string; password: string };

  before(async () => {
    fixture = await oauthFixture();
    await setRole(fixture, fixture.user.id, 'admin');
    const context = { actor: operatorActor };
    await fixture.server.server.runtime.registry.orgs.create(context, { name: 'acme', displayName: 'Acme Corp', owner: fixture.user.id });
    notesApp = (await fixture.createApp({ name: 'Notes web', type: 'web', redirectUris: [redirectUri] })).clientId;
    await fixture.createApp({ name: 'Inventory job', type: 'm2m', apiGrants: [{ audience: fixture.api.identifier, scopes: ['read:contacts'] }] });
    kioskApp = (await fixture.createApp({ name: 'Lobby kiosk', type: 'device', scopes: ['openid'] })).clientId;
    await fixture.createUser('dave@example.test');
    root = await fixture.createUser('root@example.test');
    await fixture.server.server.runtime.registry.users.update(context, root.id, { isAdmin: true });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await fixture?.stop();
  });

  test('switch organizations; search the apps; see the empty state', async () => {
    await withPage(browser, 'screens-apps', async (page) => {
      await signInToConsole(page, fixture);
      const switcher = page.getByLabel('Organization');
      assert.deepEqual(await switcher.locator('option').allTextContents(), ['Default organization (admin)', 'Acme Corp (owner)']);
      await page.getByRole('row', { name: /Notes web/ }).waitFor();
      await page.getByRole('row', { name: /Inventory job/ }).waitFor();
      await page
        .getByRole('row', { name: /Latchkey console/ })
        .getByText('built in', { exact: true })
        .waitFor();

      await page.getByLabel('Search apps').fill('notes');
      await page.getByRole('button', { name: 'Search' }).click();
      await page.waitForURL(/\?q=notes/);
      await page.getByRole('row', { name: /Inventory job/ }).waitFor({ state: 'hidden' });
      await page.getByRole('row', { name: /Notes web/ }).waitFor();
      await screenshot(page, 'screens-01-apps-search');
      await page.getByLabel('Search apps').fill('nothing like this');
      await page.getByRole('button', { name: 'Search' }).click();
      await page.getByRole('heading', { name: 'No app matches' }).waitFor();

      await switcher.selectOption('acme');
      await page.waitForURL(/\/console\/orgs\/acme\/apps$/);
      await page.getByRole('heading', { name: 'No OAuth apps yet' }).waitFor();
      await screenshot(page, 'screens-02-apps-empty');
    });
  });

  test('an organization admin invites but does not add users directly', async () => {
    await withPage(browser, 'screens-members-admin', async (page) => {
      await signInToConsole(page, fixture, fixture.user, '/console/orgs/default/members');
      await page.getByRole('heading', { name: 'Members and roles' }).waitFor();
      await page.getByLabel('Email to invite').waitFor();
      assert.equal(await page.getByLabel('Email of the user').count(), 0);
    });
  });

  test('members (a server administrator): add an existing user, change the role, invite by email (the token once), revoke, remove', async () => {
    await withPage(browser, 'screens-members', async (page) => {
      await signInToConsole(page, fixture, root, '/console/orgs/default/members');
      await page.getByRole('heading', { name: 'Members and roles' }).waitFor();
      await page.getByLabel('Email of the user').fill('nobody@example.test');
      await page.getByRole('button', { name: 'Add member' }).click();
      await page.getByText('The member was not added').waitFor();
      await page.getByLabel('Email of the user').fill('dave@example.test');
      await page.getByLabel('Role', { exact: true }).selectOption('viewer');
      await page.getByRole('button', { name: 'Add member' }).click();
      await page.getByText('dave@example.test is now a viewer.').waitFor();
      await page.getByLabel('Role of dave@example.test').selectOption('developer');
      for (let wait = 0; wait < 50; wait += 1) {
        const members = await fixture.server.server.runtime.registry.orgs.listMembers({ actor: operatorActor }, 'default');
        if (members.find((member) => member.email === 'dave@example.test')?.role === 'developer') break;
        await page.waitForTimeout(100);
      }
      const members = await fixture.server.server.runtime.registry.orgs.listMembers({ actor: operatorActor }, 'default');
      assert.equal(members.find((member) => member.email === 'dave@example.test')?.role, 'developer');

      await page.getByLabel('Email to invite').fill('erin@example.test');
      await page.getByLabel('Role for the invitee').selectOption('developer');
      await page.getByRole('button', { name: 'Invite', exact: true }).click();
      const shown = page.getByRole('dialog', { name: 'Invitation made' });
      const token = await shown.getByRole('textbox', { name: 'Invitation token' }).inputValue();
      assert.ok(token.length > 20);
      await screenshot(page, 'screens-03-invitation');
      await shown.getByRole('button', { name: 'Close' }).click();
      assert.equal((await page.content()).includes(token), false, 'the invitation token is shown once');
      const invitation = page.getByRole('row', { name: /erin@example\.test/ });
      await invitation.getByText('pending').waitFor();
      await invitation.getByRole('button', { name: 'Revoke the invitation of erin@example.test' }).click();
      await page.getByRole('dialog', { name: 'Revoke this invitation?' }).getByRole('button', { name: 'Revoke invitation' }).click();
      await invitation.getByText('revoked').waitFor();

      await page.getByRole('button', { name: 'Remove dave@example.test' }).click();
      const confirm = page.getByRole('dialog', { name: 'Remove this member?' });
      await screenshot(page, 'screens-04-remove-member');
      await confirm.getByRole('button', { name: 'Remove member' }).click();
      await page.getByRole('row', { name: /dave@example\.test/ }).waitFor({ state: 'hidden' });
      await screenshot(page, 'screens-05-members');
    });
  });

  test('the audit log filters by app and time and never shows a secret', async () => {
    await withPage(browser, 'screens-audit', async (page) => {
      await signInToConsole(page, fixture, fixture.user, `/console/orgs/default/apps/${notesApp}/basic`);
      await page.getByLabel('Description').fill('Notes for the web');
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.getByText('Saved', { exact: true }).waitFor();

      await page.getByRole('link', { name: 'Audit log' }).click();
      await page.getByRole('heading', { name: 'Audit log' }).waitFor();
      await page.getByLabel('App').selectOption({ label: 'Notes web' });
      await page.getByRole('button', { name: 'Filter' }).click();
      await page.waitForURL(new RegExp(`appId=${notesApp}`));
      await page.getByRole('row', { name: /app\.updated/ }).waitFor();
      // Only this app's records: one app.created (the other app's goes once the filter applies).
      const created = page.getByRole('row', { name: /app\.created/ });
      for (let wait = 0; wait < 50 && (await created.count()) !== 1; wait += 1) await page.waitForTimeout(100);
      assert.equal(await created.count(), 1);
      assert.match((await created.textContent()) ?? '', new RegExp(notesApp));
      const updated = page.getByRole('row', { name: /app\.updated/ });
      assert.match((await updated.textContent()) ?? '', /alice@example\.test/, 'who');
      await updated.locator('summary').click();
      await updated.getByText('Notes for the web').waitFor();
      await screenshot(page, 'screens-06-audit');
      assert.equal(/lk_cs_/.test(await page.content()), false, 'no secret');

      // A time window before anything happened: nothing.
      await page.getByLabel('To').fill('2001-01-01T00:00');
      await page.getByRole('button', { name: 'Filter' }).click();
      await page.getByRole('heading', { name: 'Nothing matches these filters' }).waitFor();
    });
  });

  test('the lifecycle: submit, reject with a reason, submit again, approve, disable, enable and delete, each confirmed', async () => {
    const { app } = await fixture.server.server.runtime.registry.apps.create({ actor: operatorActor }, fixture.orgId, {
      name: 'Partner portal',
      type: 'spa',
      visibility: 'public',
      redirectUris: ['https://partner.example.test/callback'],
    });
    await withPage(browser, 'screens-lifecycle', async (page) => {
      // A server administrator: whoever submits reviews only when they are one (test/http/app-review.test.ts).
      await signInToConsole(page, fixture, root, `/console/orgs/default/apps/${app.clientId}/lifecycle`);
      const act = async (button: string, dialogTitle: string, confirm: string, status: string) => {
        await page.getByRole('button', { name: button, exact: true }).click();
        const dialog = page.getByRole('dialog', { name: dialogTitle });
        await dialog.waitFor();
        await dialog.getByRole('button', { name: confirm, exact: true }).click();
        await page.getByText(`the app is now ${status}`).waitFor();
      };
      assert.equal(await page.getByRole('button', { name: 'Disable' }).count(), 0, 'a draft gets no tokens: nothing to disable');
      await act('Submit for approval', 'Submit this app for approval?', 'Submit for approval', 'submitted');
      await page.getByRole('button', { name: 'Reject', exact: true }).click();
      const reject = page.getByRole('dialog', { name: 'Reject this app?' });
      assert.equal(await reject.getByRole('button', { name: 'Reject' }).isDisabled(), true, 'a reason is needed');
      await reject.getByLabel('Reason').fill('The privacy policy link is missing.');
      await screenshot(page, 'screens-08-reject');
      await reject.getByRole('button', { name: 'Reject' }).click();
      await page.getByText('the app is now draft').waitFor();
      await page.getByText('Reason: The privacy policy link is missing.').waitFor();
      await act('Submit for approval', 'Submit this app for approval?', 'Submit for approval', 'submitted');
      await act('Approve', 'Approve this app?', 'Approve', 'active');
      await act('Disable', 'Disable this app?', 'Disable', 'disabled');
      await act('Enable', 'Enable this app?', 'Enable', 'active');
      await page.getByRole('button', { name: 'Delete app' }).click();
      const remove = page.getByRole('dialog', { name: 'Delete this app?' });
      await remove.getByText(app.clientId).waitFor();
      await remove.getByRole('button', { name: 'Delete app' }).click();
      await page.waitForURL(/\/console\/orgs\/default\/apps$/);
      await page.getByRole('heading', { name: 'OAuth apps' }).waitFor();
      assert.equal(await page.getByRole('row', { name: /Partner portal/ }).count(), 0);
    });
  });

  test('a machine-to-machine app without an audience + scope pair is refused at its Scopes step, before anything is sent', async () => {
    await withPage(browser, 'screens-m2m-no-pairs', async (page) => {
      const posts: string[] = [];
      page.on('request', (request) => {
        if (request.method() === 'POST' && request.url().endsWith('/orgs/default/apps')) posts.push(request.url());
      });
      await signInToConsole(page, fixture, fixture.user, '/console/orgs/default/apps/new');
      await page.getByLabel(/Machine-to-machine/).check();
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByLabel('Name').fill('Pairless job');
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByRole('heading', { name: /Scopes/ }).waitFor();
      await page.getByRole('button', { name: 'Create' }).click();
      await page
        .locator('.field-error[role="alert"]')
        .filter({ hasText: /needs at least one audience \+ scope pair/ })
        .waitFor();
      assert.deepEqual(posts, [], 'the console checked it itself');
      await page.getByLabel('read:contacts', { exact: true }).check();
      await page.getByRole('button', { name: 'Create' }).click();
      await page.getByText('Pairless job').first().waitFor();
      assert.equal(posts.length, 1);
    });
  });

  test("the server's field errors land on the step and the field they name", async () => {
    await withPage(browser, 'screens-server-errors', async (page, context) => {
      // A server whose bounds differ from what the console knows (an operator widened or narrowed them).
      await context.route(`${fixture.issuer}/console/api/v1/orgs/default/apps`, async (route) => {
        if (route.request().method() !== 'POST') return route.continue();
        return route.fulfill({
          status: 400,
          contentType: 'application/problem+json',
          body: JSON.stringify({
            type: 'urn:latchkey:problem:validation',
            title: 'Invalid request',
            status: 400,
            detail: 'accessToken.ttlMinutes: must be a whole number of minutes from 1 to 60',
            errors: [{ field: 'accessToken.ttlMinutes', message: 'must be a whole number of minutes from 1 to 60' }],
          }),
        });
      });
      await signInToConsole(page, fixture, fixture.user, '/console/orgs/default/apps/new');
      await page.getByLabel(/Machine-to-machine/).check();
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByLabel('Name').fill('Nightly sync');
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByLabel(/A lifetime of its own/).check();
      await page.getByLabel('Access token TTL (minutes)').fill('120');
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByRole('heading', { name: /Scopes/ }).waitFor();
      await page.getByLabel('read:contacts', { exact: true }).check();
      await page.getByRole('button', { name: 'Create' }).click();
      await page.getByRole('heading', { name: /Step 3 of 4: Token lifetimes/ }).waitFor();
      const ttl = page.getByLabel('Access token TTL (minutes)');
      assert.equal(await ttl.getAttribute('aria-invalid'), 'true');
      const describedBy = (await ttl.getAttribute('aria-describedby')) ?? '';
      const inline = page.locator(`[id="${describedBy.split(' ').find((id) => id.endsWith('-error'))}"]`);
      assert.equal(await inline.textContent(), 'must be a whole number of minutes from 1 to 60');
      await page.getByText('The app was not created').waitFor();
      await screenshot(page, 'screens-09-server-error');
    });
  });

  test('signing out ends the console session and the sign-in session', async () => {
    await withPage(browser, 'screens-sign-out', async (page) => {
      await signInToConsole(page, fixture);
      await page.getByRole('button', { name: 'Sign out' }).click();
      const confirmHeading = page.getByRole('heading', { name: 'Sign out?' });
      const signIn = page.getByRole('heading', { name: 'Sign in' });
      // Latchkey may ask to confirm the sign-out (RP-initiated logout).
      if ((await Promise.race([confirmHeading.waitFor().then(() => 'confirm'), signIn.waitFor().then(() => 'signed out')])) === 'confirm') {
        await screenshot(page, 'screens-07-sign-out');
        await page.getByRole('button', { name: 'Sign out' }).click();
      }
      await signIn.waitFor();
      const session = await page.request.get(`${fixture.issuer}/console/api/session`);
      assert.equal(session.status(), 401);
    });
  });
  test("a device app's Tokens tab sets the device code lifetime and polling interval, checked before it is sent", async () => {
    await withPage(browser, 'screens-device-settings', async (page) => {
      await signInToConsole(page, fixture, fixture.user, `/console/orgs/default/apps/${kioskApp}/tokens`);
      const lifetime = page.getByLabel('Device code lifetime (seconds)');
      await lifetime.waitFor();
      assert.equal(await lifetime.inputValue(), '', "empty: the server's setting");
      assert.match((await page.getByText(/Empty: the server's 600 seconds/).textContent()) ?? '', /from 60 to 3600/);
      await lifetime.fill('30');
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.getByText('must be a whole number of seconds from 60 to 3600').waitFor();
      assert.equal(
        (await fixture.server.server.runtime.registry.apps.get({ actor: operatorActor }, kioskApp)).settings.deviceCode.lifetimeSeconds,
        null,
        'nothing was sent',
      );
      await lifetime.fill('900');
      await page.getByLabel('Device polling interval (seconds)').fill('10');
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.getByRole('status').getByText('Saved').waitFor();
      await screenshot(page, 'screens-device-settings');
    });
    const started = await fetch(`${fixture.issuer}/oauth2/device_authorization`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: kioskApp, scope: 'openid' }).toString(),
    });
    const body = (await started.json()) as { expires_in: number; interval: number };
    assert.deepEqual([body.expires_in, body.interval], [900, 10]);
  });
  test("an app's Advanced tab picks how its ID tokens are signed", async () => {
    await withPage(browser, 'screens-id-token-alg', async (page) => {
      await signInToConsole(page, fixture, fixture.user, `/console/orgs/default/apps/${notesApp}/advanced`);
      const algorithm = page.getByLabel('ID token signing algorithm');
      await algorithm.waitFor();
      assert.equal(await algorithm.inputValue(), 'RS256');
      await algorithm.selectOption('ES256');
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.getByRole('status').getByText('Saved').waitFor();
    });
    const stored = await fixture.server.server.runtime.registry.apps.get({ actor: operatorActor }, notesApp);
    assert.equal(stored.settings.idToken.signingAlg, 'ES256');
  });
});
