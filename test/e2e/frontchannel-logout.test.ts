import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Route } from 'playwright-core';
import { timeOrderedGrantId } from '../../src/shared/random.js';
import { browserSkipReason, launchChromium, screenshot } from '../support/browser.js';
import { oauthFixture, redirectUri, type OAuthFixture } from '../support/oauth.js';

if (browserSkipReason) console.log(`# ${browserSkipReason}`);

describe('front-channel logout in Chromium', { skip: browserSkipReason }, () => {
  let fixture: OAuthFixture;
  let browser: Browser;

  before(async () => {
    fixture = await oauthFixture();
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await fixture?.stop();
  });

  test("the signed-out page loads each app's front-channel logout URL with iss and sid, then goes on to the app", async () => {
    const apps = await Promise.all(
      ['one', 'two'].map((name) =>
        fixture.createApp({
          name: `Front ${name}`,
          type: 'web',
          redirectUris: [redirectUri],
          postLogoutRedirectUris: ['https://client.example.test/bye'],
          scopes: ['openid'],
          frontchannelLogoutUri: `https://rp-${name}.example.test/frontchannel-logout`,
          frontchannelLogoutSessionRequired: true,
        }),
      ),
    );
    const context = await browser.newContext();
    const page = await context.newPage();
    const framed: URL[] = [];
    const arrivals: URL[] = [];
    // The apps are not on the network: their pages are answered here.
    await context.route(
      (url) => url.hostname.endsWith('.example.test'),
      async (route: Route) => {
        const url = new URL(route.request().url());
        (url.hostname === 'client.example.test' ? arrivals : framed).push(url);
        await route.fulfill({
          status: 200,
          contentType: 'text/html',
          headers: { 'cache-control': 'no-store' },
          body: '<!doctype html><title>App</title><p>App</p>',
        });
      },
    );
    try {
      // Signed in on the account page; the session then has a grant for each app, as the
      // authorization flow records it (the flow itself is tested over HTTP).
      await page.goto(`${fixture.issuer}/account`);
      await page.getByLabel('Email').fill(fixture.user.email);
      await page.getByLabel('Password').fill(fixture.user.password);
      await page.getByLabel('Password').press('Enter');
      await page.waitForURL(`${fixture.issuer}/account`);
      const { storage, clock } = fixture.server.server.runtime;
      const [session] = await storage.sessions.listForUser(fixture.user.id, clock.now());
      assert.ok(session);
      for (const app of apps) {
        await storage.grants.insert({
          id: timeOrderedGrantId(clock.now()),
          clientId: app.clientId,
          userId: fixture.user.id,
          orgId: null,
          scope: ['openid'],
          audiences: [],
          sessionSid: session.sid,
          authTime: session.authTime,
          amr: session.amr,
          nonce: null,
          redirectUri,
          codeHash: null,
          codeChallenge: null,
          codeExpiresAt: null,
          codeConsumedAt: clock.now(),
          refreshHash: null,
          refreshPreviousHash: null,
          refreshGeneration: 0,
          refreshRotatedAt: null,
          refreshExpiresAt: null,
          createdAt: clock.now(),
          expiresAt: clock.now() + 3_600_000,
          revokedAt: null,
          dpopJkt: null,
          claims: null,
        });
      }

      await page.goto(
        `${fixture.issuer}/oauth2/logout?client_id=${apps[0]!.clientId}&post_logout_redirect_uri=${encodeURIComponent('https://client.example.test/bye')}&state=ciao`,
      );
      await page.getByRole('heading', { name: 'Sign out?' }).waitFor();
      const back = page.waitForURL('https://client.example.test/bye?state=ciao', { timeout: 10_000 });
      await page.getByRole('button', { name: 'Sign out' }).click();
      await back;
      await screenshot(page, 'frontchannel-logout-back-at-app');

      assert.deepEqual(framed.map((url) => url.hostname).sort(), ['rp-one.example.test', 'rp-two.example.test'], 'each app was framed, once');
      for (const url of framed) {
        assert.equal(url.pathname, '/frontchannel-logout');
        assert.equal(url.searchParams.get('iss'), fixture.issuer);
        assert.equal(url.searchParams.get('sid'), session.sid);
      }
      assert.equal(arrivals.at(-1)?.toString(), 'https://client.example.test/bye?state=ciao');
      assert.deepEqual(await storage.sessions.listForUser(fixture.user.id, clock.now()), [], 'signed out');
    } finally {
      await context.close();
    }
  });
});
