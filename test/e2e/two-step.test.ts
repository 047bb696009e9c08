import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as client from 'openid-client';
import { generate } from 'otplib';
import type { Browser, Page } from 'playwright-core';
import { operatorActor } from '../../src/domain/access/actor.js';
import { browserSkipReason, catchArrivalAtApp, launchChromium, screenshot, type AppArrival } from '../support/browser.js';
import { oauthFixture, redirectUri, type OAuthFixture } from '../support/oauth.js';

if (browserSkipReason) console.log(`# ${browserSkipReason}`);

const mfa = 'urn:latchkey:acr:mfa';

describe('two-step verification in Chromium: authenticator apps, recovery codes, step-up and required MFA', { skip: browserSkipReason }, () => {
  let fixture: OAuthFixture;
  let browser: Browser;
  let app: { clientId: string; clientSecret: string | null };
  let configuration: client.Configuration;

  before(async () => {
    fixture = await oauthFixture();
    browser = await launchChromium();
    app = await fixture.createApp({ name: 'Acme Notes', type: 'web', redirectUris: [redirectUri], scopes: ['openid', 'email'] });
    configuration = await client.discovery(new URL(fixture.issuer), app.clientId, undefined, client.ClientSecretBasic(app.clientSecret!), {
      execute: [client.allowInsecureRequests],
    });
  });
  after(async () => {
    await browser?.close();
    await fixture?.stop();
  });

  const jwks = () => createRemoteJWKSet(new URL(`${fixture.issuer}/.well-known/jwks.json`));

  /** A code of the app's secret for now, as an authenticator app would show it. */
  const codeFor = (secret: string, offsetSteps = 0) => generate({ secret, epoch: Math.floor(Date.now() / 1000) + offsetSteps * 30 });

  /** An authorization request made by openid-client; `finish` redeems the code the browser brings back. */
  async function authorization(extra: Record<string, string> = {}) {
    const verifier = client.randomPKCECodeVerifier();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(configuration, {
      redirect_uri: redirectUri,
      scope: 'openid email',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      nonce,
      ...extra,
    });
    const finish = async (callback: URL) => {
      const tokens = await client.authorizationCodeGrant(configuration, callback, { pkceCodeVerifier: verifier, expectedNonce: nonce, idTokenExpected: true });
      const { payload } = await jwtVerify(tokens.id_token!, jwks(), { issuer: fixture.issuer, audience: app.clientId });
      return payload;
    };
    return { url: url.toString(), finish };
  }

  async function signInWithPassword(page: Page, user: { email: string; password: string }) {
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password').fill(user.password);
    await page.getByLabel('Password').press('Enter');
  }

  /** Consents if asked, and waits until the browser is back at the app. */
  async function allowAndReturn(page: Page, arrival: () => Promise<AppArrival>): Promise<URL> {
    const allow = page.getByRole('button', { name: 'Allow' });
    const back = arrival();
    const outcome = await Promise.race([back.then(() => 'app' as const), allow.waitFor().then(() => 'consent' as const)]);
    if (outcome === 'consent') await allow.click();
    return (await back).url;
  }

  /** Sets up an authenticator app on the account page; returns its secret and the recovery codes shown once. */
  async function enrollOnAccountPage(page: Page, user: { email: string; password: string }): Promise<{ secret: string; recoveryCodes: string[] }> {
    await page.goto(`${fixture.issuer}/account`);
    await page.waitForURL(/\/account\/sign-in/);
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password').fill(user.password);
    await page.getByLabel('Password').press('Enter');
    await page.waitForURL(`${fixture.issuer}/account`);
    await page.getByRole('link', { name: 'Add an authenticator app' }).click();
    await page.getByRole('heading', { name: 'Set up two-step verification' }).waitFor();
    assert.ok(await page.getByRole('img', { name: /QR code/ }).isVisible());
    const secret = (await page.locator('#totp-secret').innerText()).trim();
    await page.getByLabel('Code from the app').fill((await codeFor(secret)) === '000000' ? '111111' : '000000');
    await page.getByLabel('Code from the app').press('Enter');
    assert.match(await page.getByRole('alert').innerText(), /not right/);
    assert.equal((await page.locator('#totp-secret').innerText()).trim(), secret, 'a wrong first code keeps the key the app already has');
    await page.getByLabel('Code from the app').fill(await codeFor(secret));
    await page.getByLabel('Code from the app').press('Enter');
    await page.getByRole('heading', { name: 'Save your recovery codes' }).waitFor();
    const recoveryCodes = (await page.locator('.recovery-codes code').allInnerTexts()).map((code) => code.trim());
    assert.equal(recoveryCodes.length, 10);
    await page.getByRole('button', { name: 'I saved them, continue' }).click();
    await page.waitForURL(/\/account\?done=two_step_on/);
    assert.equal(await page.locator('#authenticator-apps li').count(), 1);
    assert.match(await page.locator('#recovery-codes-left').innerText(), /^10 of 10/);
    return { secret, recoveryCodes };
  }

  test('an authenticator app set up on the account page is then asked for at sign-in; wrong and reused codes are refused', async (t) => {
    const user = await fixture.createMember('totp@example.test');
    const context = await browser.newContext({ viewport: { width: 375, height: 740 } });
    const page = await context.newPage();
    try {
      const { secret } = await enrollOnAccountPage(page, user);
      await screenshot(page, 'two-step-on');
      await context.clearCookies();

      const arrival = await catchArrivalAtApp(context);
      const { url, finish } = await authorization();
      await page.goto(url);
      await signInWithPassword(page, user);
      await page.getByRole('heading', { name: 'Two-step verification' }).waitFor();
      const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
      assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px at 375 px`);
      await screenshot(page, 'two-step-challenge-375');
      // The enrollment used this time step's code: the next one is the first unused (one step of drift is accepted).
      const code = await codeFor(secret, 1);
      const wrong = code === '123456' ? '654321' : '123456';
      await page.getByLabel('Code from your authenticator app').fill(wrong);
      await page.getByLabel('Code from your authenticator app').press('Enter');
      assert.match(await page.getByRole('alert').innerText(), /not right/);
      await page.getByLabel('Code from your authenticator app').fill(code);
      await page.getByLabel('Code from your authenticator app').press('Enter');
      const claims = await finish(await allowAndReturn(page, arrival));
      assert.deepEqual(claims.amr, ['pwd', 'otp', 'mfa']);
      assert.equal(claims.acr, mfa);

      // The same code again, in a new sign-in within its window: a replay.
      await context.clearCookies();
      const second = await authorization({ prompt: 'login' });
      await page.goto(second.url);
      await signInWithPassword(page, user);
      await page.getByLabel('Code from your authenticator app').fill(code);
      await page.getByLabel('Code from your authenticator app').press('Enter');
      assert.match(await page.getByRole('alert').innerText(), /already used/);
      const events = (await fixture.server.server.runtime.storage.audit.list({ targetId: user.id, offset: 0, limit: 200 })).items.map((row) => row.action);
      assert.ok(events.includes('mfa.enrolled'));
    } catch (error) {
      await screenshot(page, `failure-${t.name.slice(0, 40).replace(/\W+/g, '-')}`);
      throw error;
    } finally {
      await context.close();
    }
  });

  test('a recovery code signs in once; the same code again is refused', async (t) => {
    const user = await fixture.createMember('recovery@example.test');
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      const { recoveryCodes } = await enrollOnAccountPage(page, user);
      await context.clearCookies();
      const arrival = await catchArrivalAtApp(context);
      const { url, finish } = await authorization();
      await page.goto(url);
      await signInWithPassword(page, user);
      await page.getByText('Use a recovery code').click();
      await page.getByLabel('Recovery code').fill(recoveryCodes[0]!.toUpperCase());
      await page.getByLabel('Recovery code').press('Enter');
      const claims = await finish(await allowAndReturn(page, arrival));
      assert.ok((claims.amr as string[]).includes('mfa'));

      await context.clearCookies();
      const again = await authorization();
      await page.goto(again.url);
      await signInWithPassword(page, user);
      await page.getByText('Use a recovery code').click();
      await page.getByLabel('Recovery code').fill(recoveryCodes[0]!);
      await page.getByLabel('Recovery code').press('Enter');
      assert.match(await page.getByRole('alert').innerText(), /recovery code is not right, or it was already used/);
    } catch (error) {
      await screenshot(page, `failure-${t.name.slice(0, 40).replace(/\W+/g, '-')}`);
      throw error;
    } finally {
      await context.close();
    }
  });

  test('acr_values=urn:latchkey:acr:mfa on a session signed in with a password alone asks for the second factor', async (t) => {
    const user = await fixture.createMember('step-up@example.test');
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      // Signed in with the password, then enrolled: the session itself has one factor.
      const { secret } = await enrollOnAccountPage(page, user);
      const arrival = await catchArrivalAtApp(context);
      const plain = await authorization();
      await page.goto(plain.url);
      const first = await plain.finish(await allowAndReturn(page, arrival));
      assert.deepEqual(first.amr, ['pwd']);
      assert.equal(first.acr, 'urn:latchkey:acr:pwd');

      await context.unrouteAll();
      const stepUpArrival = await catchArrivalAtApp(context);
      const stepUp = await authorization({ acr_values: mfa });
      await page.goto(stepUp.url);
      await page.getByRole('heading', { name: 'Two-step verification' }).waitFor();
      assert.match(await page.locator('.lead').innerText(), /Acme Notes requires two-step verification/);
      await page.getByLabel('Code from your authenticator app').fill(await codeFor(secret, 1));
      await page.getByLabel('Code from your authenticator app').press('Enter');
      const claims = await stepUp.finish((await stepUpArrival()).url);
      assert.equal(claims.acr, mfa);
      assert.deepEqual(claims.amr, ['pwd', 'otp', 'mfa']);
      assert.equal(claims.sid, first.sid, 'the step-up kept the session');
    } catch (error) {
      await screenshot(page, `failure-${t.name.slice(0, 40).replace(/\W+/g, '-')}`);
      throw error;
    } finally {
      await context.close();
    }
  });

  test('an organization that requires MFA makes a member without a second factor set one up at sign-in', async (t) => {
    const registry = fixture.server.server.runtime.registry;
    const operator = { actor: operatorActor };
    const org = await registry.orgs.create(operator, { name: 'secure-team', requireMfa: true });
    const user = await fixture.createMember('member@example.test');
    await registry.orgs.putMember(operator, org.id, { userId: user.id, role: 'viewer' });
    const context = await browser.newContext({ viewport: { width: 375, height: 740 } });
    const page = await context.newPage();
    try {
      const arrival = await catchArrivalAtApp(context);
      const { url, finish } = await authorization();
      await page.goto(url);
      await signInWithPassword(page, user);
      await page.getByRole('heading', { name: 'Set up two-step verification' }).waitFor();
      assert.match(await page.locator('.lead').innerText(), /Your organization requires two-step verification/);
      const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
      assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px at 375 px`);
      await screenshot(page, 'two-step-enroll-375');
      const secret = (await page.locator('#totp-secret').innerText()).trim();
      // Keyboard only: the code field has focus.
      await page.keyboard.type(await codeFor(secret));
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: 'Save your recovery codes' }).waitFor();
      assert.equal(await page.locator('.recovery-codes code').count(), 10);
      await page.getByRole('button', { name: 'I saved them, continue' }).click();
      const claims = await finish(await allowAndReturn(page, arrival));
      assert.deepEqual(claims.amr, ['pwd', 'otp', 'mfa']);
      assert.equal(claims.acr, mfa);
    } catch (error) {
      await screenshot(page, `failure-${t.name.slice(0, 40).replace(/\W+/g, '-')}`);
      throw error;
    } finally {
      await context.close();
    }
  });
});
