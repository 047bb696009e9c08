import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { operatorActor } from '../../src/domain/access/actor.js';
import { timeOrderedGrantId } from '../../src/shared/random.js';
import { browserSkipReason, launchChromium, screenshot } from '../support/browser.js';
import { oauthFixture, redirectUri, type OAuthFixture } from '../support/oauth.js';
import { freePort } from '../support/server.js';
import { setRole, signInToConsole, withPage } from './console-helpers.js';

if (browserSkipReason) console.log(`# ${browserSkipReason}`);

describe('the console app page: Logout tab', { skip: browserSkipReason }, () => {
  let fixture: OAuthFixture;
  let browser: Browser;

  before(async () => {
    fixture = await oauthFixture();
    await setRole(fixture, fixture.user.id, 'admin');
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await fixture?.stop();
  });

  test('the logout URLs are checked and saved, and the back-channel deliveries are listed', async () => {
    const { clientId } = await fixture.createApp({ name: 'Notes', type: 'web', redirectUris: [redirectUri], scopes: ['openid'] });
    await withPage(browser, 'console-logout-tab', async (page) => {
      await signInToConsole(page, fixture);
      await page.goto(`${fixture.issuer}/console/orgs/default/apps/${clientId}/logout`);
      await page.getByRole('heading', { name: 'Logout', level: 2 }).waitFor();
      await page.getByText('No deliveries yet').waitFor();

      await page.getByLabel('Back-channel logout URL', { exact: true }).fill('http://rp.example.test/backchannel-logout');
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page
        .getByText(/must be an https URL/)
        .first()
        .waitFor();

      // Nothing listens there: the delivery fails and is retried.
      const receiver = `http://127.0.0.1:${await freePort()}/backchannel-logout`;
      await page.getByLabel('Back-channel logout URL', { exact: true }).fill(receiver);
      await page.getByLabel('Require the session ID (sid) in logout tokens').check();
      await page.getByLabel('Front-channel logout URL', { exact: true }).fill('https://rp.example.test/frontchannel-logout');
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.getByRole('status').getByText('Saved').waitFor();
      const registry = fixture.server.server.runtime.registry;
      const saved = await registry.apps.get({ actor: operatorActor }, clientId);
      assert.equal(saved.settings.backchannelLogoutUri, receiver);
      assert.equal(saved.settings.backchannelLogoutSessionRequired, true);
      assert.equal(saved.settings.frontchannelLogoutUri, 'https://rp.example.test/frontchannel-logout');

      // A session that used the app ends.
      const { storage, clock } = fixture.server.server.runtime;
      const user = await fixture.createMember(`logout-tab-${Date.now()}@example.test`);
      const sid = `sid-${Date.now()}`;
      const now = clock.now();
      await storage.sessions.insert({
        idHash: `hash-${sid}`,
        sid,
        userId: user.id,
        authTime: now,
        amr: ['pwd'],
        createdAt: now,
        expiresAt: now + 3_600_000,
        lastSeenAt: now,
        ip: null,
        userAgent: null,
      });
      await storage.grants.insert({
        id: timeOrderedGrantId(now),
        clientId,
        userId: user.id,
        orgId: null,
        scope: ['openid'],
        audiences: [],
        sessionSid: sid,
        authTime: now,
        amr: ['pwd'],
        nonce: null,
        redirectUri,
        codeHash: null,
        codeChallenge: null,
        codeExpiresAt: null,
        codeConsumedAt: now,
        refreshHash: null,
        refreshPreviousHash: null,
        refreshGeneration: 0,
        refreshRotatedAt: null,
        refreshExpiresAt: null,
        createdAt: now,
        expiresAt: now + 3_600_000,
        revokedAt: null,
        dpopJkt: null,
        claims: null,
      });
      await registry.users.endSessions({ actor: operatorActor }, user.id);
      const until = Date.now() + 10_000;
      while (!(await storage.outbox.listForApp(clientId, 'backchannel_logout', 1))[0]?.lastError && Date.now() < until) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await page.getByRole('button', { name: 'Refresh' }).click();
      const row = page.getByRole('row').filter({ hasText: sid });
      await row.waitFor();
      await row.getByText('retrying').waitFor();
      assert.match((await row.textContent()) ?? '', /POST http:\/\/127\.0\.0\.1:\d+\/backchannel-logout failed: fetch failed \(ECONNREFUSED\)/);
      await screenshot(page, 'console-logout-tab');
    });
  });
});
