import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as client from 'openid-client';
import type { Browser, CDPSession, Page } from 'playwright-core';
import { browserSkipReason, catchArrivalAtApp, launchChromium, screenshot, screenshotDir } from '../support/browser.js';
import { oauthFixture, redirectUri, type OAuthFixture } from '../support/oauth.js';

if (browserSkipReason) console.log(`# ${browserSkipReason}`);

const insecure = { execute: [client.allowInsecureRequests] };

describe('passkeys in Chromium (virtual authenticator)', { skip: browserSkipReason }, () => {
  let fixture: OAuthFixture;
  let browser: Browser;
  let app: { clientId: string; clientSecret: string | null };
  let configuration: client.Configuration;
  let jwks: ReturnType<typeof createRemoteJWKSet>;

  before(async () => {
    // WebAuthn refuses IP addresses as relying party ids: the issuer is on localhost.
    fixture = await oauthFixture({ issuerHost: 'localhost' });
    browser = await launchChromium();
    app = await fixture.createApp({ name: 'Acme Notes', type: 'web', redirectUris: [redirectUri], scopes: ['openid', 'email'] });
    configuration = await client.discovery(new URL(fixture.issuer), app.clientId, undefined, client.ClientSecretBasic(app.clientSecret!), insecure);
    jwks = createRemoteJWKSet(new URL(`${fixture.issuer}/.well-known/jwks.json`));
  });
  after(async () => {
    await browser?.close();
    await fixture?.stop();
  });

  async function authenticator(cdp: CDPSession): Promise<string> {
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
    });
    return authenticatorId;
  }

  async function signInToAccount(page: Page, user: { email: string; password: string } = fixture.user) {
    await page.goto(`${fixture.issuer}/account`);
    await page.waitForURL(/\/account\/sign-in/);
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password').fill(user.password);
    await page.getByLabel('Password').press('Enter');
    await page.waitForURL(`${fixture.issuer}/account`);
  }

  async function addPasskey(page: Page, name: string) {
    await page.goto(`${fixture.issuer}/account`);
    await page.getByLabel('Passkey name').fill(name);
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.waitForURL(/\/account\?done=passkey_added/);
  }

  const listed = (page: Page) => page.locator('#passkeys li strong').allInnerTexts();

  /**
   * Starts an authorization request of the relying party in the page; what it needs to redeem the
   * code. The sign-in page's conditional mediation runs at once: Chromium's virtual authenticator
   * answers it without a click, as a person picking their passkey from the email field's autofill.
   */
  async function startAuthorization(page: Page) {
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(configuration, {
      redirect_uri: redirectUri,
      scope: 'openid email',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    // Only until the response begins: the autofill may sign in and leave the page before it has loaded.
    await page.goto(url.toString(), { waitUntil: 'commit' });
    return { verifier, state, nonce };
  }

  /** The next assertion the page posts, and the status it is answered with. */
  function passkeyPosted(page: Page): Promise<number> {
    return page
      .waitForResponse((response) => new URL(response.url()).pathname.endsWith('/passkey') && response.request().method() === 'POST')
      .then((response) => response.status());
  }

  async function assertRefused(page: Page, posted: Promise<number>) {
    assert.equal(await posted, 401);
    await page.getByRole('alert').waitFor();
    assert.match(await page.getByRole('alert').innerText(), /passkey could not sign you in/);
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Sign in');
    const cookies = await page.context().cookies(fixture.issuer);
    assert.equal(
      cookies.some((cookie) => cookie.name === 'lk_session'),
      false,
      'no session began',
    );
  }

  test('register two passkeys, rename one and remove the other; the removed one is refused; the other signs in an app with amr hwk', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    try {
      await cdp.send('WebAuthn.enable');
      const laptop = await authenticator(cdp);
      await signInToAccount(page);
      assert.equal(await page.locator('#passkeys').getByText('You have no passkey yet.').count(), 1);
      // The account page runs our scripts, and only our own.
      const csp = (await page.request.get(`${fixture.issuer}/account`)).headers()['content-security-policy'] ?? '';
      assert.match(csp, /script-src 'self' 'nonce-[^']+'; connect-src 'self'/);

      await addPasskey(page, 'Laptop');
      assert.match(await page.getByRole('status').innerText(), /passkey is added/);
      assert.deepEqual(await listed(page), ['Laptop']);
      // One authenticator holds one passkey per account (excludeCredentials): the second is another authenticator.
      const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId: laptop });
      assert.equal(credentials.length, 1);
      assert.equal(credentials[0]!.isResidentCredential, true, 'a discoverable credential (residentKey required)');
      await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: laptop });
      const securityKey = await authenticator(cdp);
      await addPasskey(page, 'Security key');
      assert.deepEqual(await listed(page), ['Laptop', 'Security key']);
      await page.locator('#passkeys').screenshot({ path: join(screenshotDir, 'account-passkeys.png') });

      await page.getByLabel('New name for Laptop').fill('Work laptop');
      await page.getByRole('button', { name: 'Rename Laptop' }).click();
      await page.waitForURL(/done=passkey_renamed/);
      assert.deepEqual(await listed(page), ['Work laptop', 'Security key']);
      await page.getByRole('button', { name: 'Remove Security key' }).click();
      await page.waitForURL(/done=passkey_removed/);
      assert.deepEqual(await listed(page), ['Work laptop']);
      assert.match(await page.locator('#passkeys li').innerText(), /last used never/);

      const audit = await fixture.server.server.runtime.storage.audit.list({ orgId: null, offset: 0, limit: 50 });
      const actions = audit.items.map((item) => item.action).filter((action) => action.startsWith('passkey.'));
      assert.deepEqual(actions.sort(), ['passkey.registered', 'passkey.registered', 'passkey.removed', 'passkey.renamed']);

      // Signed out: the security key still holds the credential whose row was removed.
      await context.clearCookies();
      const arrival = await catchArrivalAtApp(context);
      const removedPosted = passkeyPosted(page);
      const expected = await startAuthorization(page);
      assert.equal(await page.getByLabel('Email').getAttribute('autocomplete'), 'username webauthn', 'conditional mediation on the email field');
      await assertRefused(page, removedPosted);

      // The laptop's passkey, on an authenticator of its own again; the refused page offers the button only.
      await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: securityKey });
      const restored = await authenticator(cdp);
      await cdp.send('WebAuthn.addCredential', { authenticatorId: restored, credential: credentials[0]! });
      const posted = passkeyPosted(page);
      await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
      assert.equal(await posted, 303);
      await page.getByRole('button', { name: 'Allow' }).click();
      const callback = (await arrival()).url;
      const tokens = await client.authorizationCodeGrant(configuration, callback, {
        pkceCodeVerifier: expected.verifier,
        expectedState: expected.state,
        expectedNonce: expected.nonce,
        idTokenExpected: true,
      });
      const { payload } = await jwtVerify(tokens.id_token!, jwks, { issuer: fixture.issuer, audience: app.clientId });
      assert.equal(payload.sub, fixture.user.id);
      // A virtual authenticator's credential is not backed up: bound to one device (hwk), the user verified, two factors.
      assert.deepEqual(payload['amr'], ['hwk', 'user', 'mfa']);

      await page.goto(`${fixture.issuer}/account`);
      assert.doesNotMatch(await page.locator('#passkeys li').innerText(), /last used never/, 'the use is recorded');
    } catch (error) {
      await screenshot(page, 'passkeys-failure');
      throw error;
    } finally {
      await context.close();
    }
  });

  test('an assertion of a challenge the server never issued, or one replayed, signs no one in', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    try {
      await cdp.send('WebAuthn.enable');
      await authenticator(cdp);
      await signInToAccount(page, await fixture.createMember('bob@example.test'));
      await addPasskey(page, 'Phone');
      await context.clearCookies();
      const arrival = await catchArrivalAtApp(context);

      // Forged: the options are swapped for a challenge of our own making before the browser signs.
      await page.route('**/passkey/options', async (route) => {
        const answer = await route.fetch();
        const options = (await answer.json()) as { challenge: string };
        await route.fulfill({ response: answer, json: { ...options, challenge: randomBytes(32).toString('base64url') } });
      });
      const forged = passkeyPosted(page);
      await startAuthorization(page);
      await assertRefused(page, forged);
      await page.unroute('**/passkey/options');

      // Replayed: a real assertion signs in, and is then posted again in a new sign-in in place of a fresh one.
      let captured: string | undefined;
      await page.route('**/passkey', async (route) => {
        if (captured === undefined) {
          captured = new URLSearchParams(route.request().postData() ?? '').get('response') ?? '';
          await route.continue();
          return;
        }
        const body = new URLSearchParams(route.request().postData() ?? '');
        body.set('response', captured);
        await route.continue({ postData: body.toString() });
      });
      const first = passkeyPosted(page);
      await startAuthorization(page);
      assert.equal(await first, 303, 'the first use signs in');
      // Consent, unless the app was allowed before (the first test did).
      const allow = page.getByRole('button', { name: 'Allow' });
      if (await Promise.race([arrival().then(() => false), allow.waitFor().then(() => true)])) await allow.click();
      assert.ok((await arrival()).url.searchParams.get('code'));
      await page.waitForURL(/^https:\/\/client\.example\.test\//);
      await context.clearCookies();
      const replayed = passkeyPosted(page);
      await startAuthorization(page);
      await assertRefused(page, replayed);
    } catch (error) {
      await screenshot(page, 'passkeys-forged-failure');
      throw error;
    } finally {
      await context.close();
    }
  });
  test('a passkey as the second factor after a password: the second-factor page asks for it, and the ID token says pwd, hwk and mfa', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    try {
      const carol = await fixture.createMember('carol@example.test');
      await cdp.send('WebAuthn.enable');
      const phone = await authenticator(cdp);
      await signInToAccount(page, carol);
      await addPasskey(page, 'Phone');
      // Put away while the password is typed, so that the sign-in page's autofill does not sign in with it alone.
      const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId: phone });
      await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: phone });
      await context.clearCookies();
      const arrival = await catchArrivalAtApp(context);

      const expected = await startAuthorization(page);
      await page.getByLabel('Email').fill(carol.email);
      await page.getByLabel('Password').fill(carol.password);
      await page.getByLabel('Password').press('Enter');
      await page.getByRole('heading', { name: 'Two-step verification' }).waitFor();
      const usePasskey = page.getByRole('button', { name: 'Use a passkey' });
      await usePasskey.waitFor();
      await screenshot(page, 'second-factor-passkey');

      const back = await authenticator(cdp);
      await cdp.send('WebAuthn.addCredential', { authenticatorId: back, credential: credentials[0]! });
      await usePasskey.click();
      const allow = page.getByRole('button', { name: 'Allow' });
      if (await Promise.race([arrival().then(() => false), allow.waitFor().then(() => true)])) await allow.click();
      const callback = (await arrival()).url;
      const tokens = await client.authorizationCodeGrant(configuration, callback, {
        pkceCodeVerifier: expected.verifier,
        expectedState: expected.state,
        expectedNonce: expected.nonce,
        idTokenExpected: true,
      });
      const { payload } = await jwtVerify(tokens.id_token!, jwks, { issuer: fixture.issuer, audience: app.clientId });
      assert.equal(payload.sub, carol.id);
      assert.deepEqual(payload['amr'], ['pwd', 'hwk', 'user', 'mfa']);
      assert.equal(payload['acr'], 'urn:latchkey:acr:mfa');
    } catch (error) {
      await screenshot(page, 'passkeys-second-factor-failure');
      throw error;
    } finally {
      await context.close();
    }
  });
  test('the device page asks for the passkey as the second factor too, and the device gets tokens with amr pwd, hwk and mfa', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    try {
      const tv = await fixture.createApp({
        name: 'Living Room TV',
        type: 'device',
        grantTypes: ['urn:ietf:params:oauth:grant-type:device_code'],
        scopes: ['openid'],
      });
      const dave = await fixture.createMember('dave@example.test');
      await cdp.send('WebAuthn.enable');
      const phone = await authenticator(cdp);
      await signInToAccount(page, dave);
      await addPasskey(page, 'Phone');
      const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId: phone });
      await context.clearCookies();

      const started = await fetch(`${fixture.issuer}/oauth2/device_authorization`, {
        method: 'POST',
        body: new URLSearchParams({ client_id: tv.clientId, scope: 'openid' }),
      });
      const device = (await started.json()) as { device_code: string; verification_uri_complete: string };
      await page.goto(device.verification_uri_complete);
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByLabel('Email').fill(dave.email);
      await page.getByLabel('Password').fill(dave.password);
      await page.getByLabel('Password').press('Enter');
      await page.getByRole('heading', { name: 'Two-step verification' }).waitFor();
      await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: phone });
      const back = await authenticator(cdp);
      await cdp.send('WebAuthn.addCredential', { authenticatorId: back, credential: credentials[0]! });
      await page.getByRole('button', { name: 'Use a passkey' }).click();
      await page.getByRole('button', { name: 'Allow' }).click();
      await page.getByRole('heading', { name: 'Device connected' }).waitFor();

      const token = await fetch(`${fixture.issuer}/oauth2/token`, {
        method: 'POST',
        body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: device.device_code, client_id: tv.clientId }),
      });
      assert.equal(token.status, 200);
      const { id_token } = (await token.json()) as { id_token: string };
      const { payload } = await jwtVerify(id_token, jwks, { issuer: fixture.issuer, audience: tv.clientId });
      assert.equal(payload.sub, dave.id);
      assert.deepEqual(payload['amr'], ['pwd', 'hwk', 'user', 'mfa']);
    } catch (error) {
      await screenshot(page, 'passkeys-device-failure');
      throw error;
    } finally {
      await context.close();
    }
  });
});
