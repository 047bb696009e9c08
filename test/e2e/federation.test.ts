import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as client from 'openid-client';
import { generate } from 'otplib';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { operatorActor } from '../../src/domain/access/actor.js';
import { browserSkipReason, catchArrivalAtApp, launchChromium, screenshot, type AppArrival } from '../support/browser.js';
import { oauthFixture, redirectUri, type OAuthFixture } from '../support/oauth.js';
import { startUpstreamProvider, type UpstreamProvider } from '../support/upstream.js';

if (browserSkipReason) console.log(`# ${browserSkipReason}`);

describe('sign-in with an upstream OpenID provider in Chromium', { skip: browserSkipReason }, () => {
  let fixture: OAuthFixture;
  let upstream: UpstreamProvider;
  let browser: Browser;
  let rp: client.Configuration;
  let connectionId: string;
  const operator = { actor: operatorActor };

  before(async () => {
    // WebAuthn refuses IP addresses as relying party ids: the issuer is on localhost. Passwordless
    // sign-in is off so that the sign-in page's conditional mediation can't answer for the user.
    fixture = await oauthFixture({ issuerHost: 'localhost', env: { LATCHKEY_SIGN_IN_PASSKEYS_PASSWORDLESS: 'false' } });
    upstream = await startUpstreamProvider(`${fixture.issuer}/federation/callback`);
    browser = await launchChromium();
    const registry = fixture.server.server.runtime.registry;
    const connection = await registry.connections.create(operator, null, {
      name: 'corp',
      displayName: 'Corp SSO',
      issuer: upstream.issuer,
      clientId: upstream.clientId,
      clientSecret: upstream.clientSecret,
      domains: ['corp.example'],
    });
    connectionId = connection.id;
    // Public: it serves the people the upstream provider signs in, who are in no organization.
    const app = await fixture.createPublicApp({ name: 'Acme Notes', type: 'web', redirectUris: [redirectUri], scopes: ['openid', 'profile', 'email'] });
    // The relying party of Latchkey is a real one: openid-client, discovery and all.
    rp = await client.discovery(new URL(fixture.issuer), app.clientId, undefined, client.ClientSecretBasic(app.clientSecret!), {
      execute: [client.allowInsecureRequests],
    });
  });
  after(async () => {
    await browser?.close();
    await upstream?.stop();
    await fixture?.stop();
  });

  const registry = () => fixture.server.server.runtime.registry;
  const storage = () => fixture.server.server.runtime.storage;

  /** Starts an authorization request of the app; returns what redeeming its answer needs. */
  async function startAt(page: Page, extra: Record<string, string> = {}) {
    const codeVerifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(rp, {
      redirect_uri: redirectUri,
      scope: 'openid email profile',
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      ...extra,
    });
    await page.goto(url.href);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    return { codeVerifier, state };
  }

  /** Allows the app if asked, waits for the browser at the app, and redeems the code with openid-client. */
  async function finishAtApp(page: Page, arrival: () => Promise<AppArrival>, checks: { codeVerifier: string; state: string }) {
    const allow = page.getByRole('button', { name: 'Allow' });
    const atApp = arrival();
    const outcome = await Promise.race([atApp.then(() => 'app' as const), allow.waitFor().then(() => 'consent' as const)]);
    if (outcome === 'consent') await allow.click();
    const tokens = await client.authorizationCodeGrant(rp, (await atApp).url, {
      pkceCodeVerifier: checks.codeVerifier,
      expectedState: checks.state,
      idTokenExpected: true,
    });
    return tokens.claims()!;
  }

  async function withPage<T>(name: string, run: (page: Page, context: BrowserContext) => Promise<T>): Promise<T> {
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      return await run(page, context);
    } catch (error) {
      await screenshot(page, `failure-federation-${name}`);
      throw error;
    } finally {
      await context.close();
    }
  }

  test('a first sign-in provisions the user just in time; the ID token says amr fed; a second sign-in reuses the link', async () => {
    upstream.next = { sub: 'upstream-jit-1', email: 'New.Person@corp.example', name: 'New Person', givenName: 'New', familyName: 'Person' };
    const first = await withPage('jit', async (page, context) => {
      const arrival = await catchArrivalAtApp(context);
      const checks = await startAt(page);
      await screenshot(page, 'sign-in-with-connections');
      await page.getByRole('button', { name: 'Continue with Corp SSO' }).click();
      return finishAtApp(page, arrival, checks);
    });
    assert.deepEqual(first.amr, ['fed']);
    const user = await storage().users.getByEmail('new.person@corp.example');
    assert.ok(user, 'the user was provisioned');
    assert.equal(first.sub, user.id);
    assert.equal(user.passwordHash, null, 'no password');
    assert.equal(user.emailVerified, true, 'the upstream said email_verified: true');
    assert.equal(user.name, 'New Person');
    assert.equal(user.profile.givenName, 'New');
    const links = await storage().linkedIdentities.listForUser(user.id);
    assert.deepEqual(
      links.map((link) => [link.connectionId, link.subject]),
      [[connectionId, 'upstream-jit-1']],
    );
    const audit = await storage().audit.list({ orgId: null, offset: 0, limit: 50 });
    const actions = audit.items.map((item) => item.action);
    assert.ok(actions.includes('user.provisioned') && actions.includes('identity.linked'), 'provisioning and the link are audited');

    const usersBefore = await storage().users.count();
    const second = await withPage('reuse', async (page, context) => {
      const arrival = await catchArrivalAtApp(context);
      const checks = await startAt(page);
      await page.getByRole('button', { name: 'Continue with Corp SSO' }).click();
      return finishAtApp(page, arrival, checks);
    });
    assert.equal(second.sub, user.id, 'the same user');
    assert.equal(await storage().users.count(), usersBefore, 'no second user');
  });

  test('an unverified upstream email is provisioned unverified', async () => {
    upstream.next = { sub: 'upstream-unverified', email: 'unverified@corp.example', emailVerified: false };
    await withPage('unverified', async (page, context) => {
      const arrival = await catchArrivalAtApp(context);
      const checks = await startAt(page);
      await page.getByRole('button', { name: 'Continue with Corp SSO' }).click();
      await finishAtApp(page, arrival, checks);
    });
    assert.equal((await storage().users.getByEmail('unverified@corp.example'))?.emailVerified, false);
  });

  test('home realm discovery: an email of a served domain, without a password, goes to its connection', async () => {
    upstream.next = { sub: 'upstream-hrd', email: 'realm.user@corp.example' };
    const before = upstream.interactions;
    const claims = await withPage('hrd', async (page, context) => {
      const arrival = await catchArrivalAtApp(context);
      const checks = await startAt(page);
      await page.getByLabel('Email').fill('realm.user@corp.example');
      await page.getByLabel('Email').press('Enter');
      return finishAtApp(page, arrival, checks);
    });
    assert.ok(upstream.interactions > before, 'the browser went to the upstream');
    assert.deepEqual(claims.amr, ['fed']);
    assert.equal(claims.sub, (await storage().users.getByEmail('realm.user@corp.example'))?.id);
  });

  test('an existing account is never linked on email alone: a wrong password links nothing and signs no one in', async () => {
    upstream.next = { sub: 'upstream-alice-wrong', email: fixture.user.email };
    await withPage('link-refused', async (page) => {
      await startAt(page);
      await page.getByRole('button', { name: 'Continue with Corp SSO' }).click();
      await page.getByRole('heading', { name: 'Link your account' }).waitFor();
      assert.match((await page.textContent('body')) ?? '', /An account with this email already exists here/);
      await page.getByLabel(`Password of ${fixture.user.email}`).fill('not the password');
      await page.getByRole('button', { name: /Link and continue/ }).click();
      await page.getByRole('alert').waitFor();
      assert.equal(await page.getByRole('alert').textContent(), 'The email or password is not right.');
      await screenshot(page, 'federation-link-refused');
      // Not signed in: the account page asks to sign in.
      await page.goto(`${fixture.issuer}/account`);
      assert.match(page.url(), /\/account\/sign-in/);
    });
    assert.deepEqual(await storage().linkedIdentities.listForUser(fixture.user.id), []);
    assert.equal(await storage().linkedIdentities.find(connectionId, 'upstream-alice-wrong'), undefined);
  });

  test('an existing account is linked after its own password, and then signs in with the provider alone', async () => {
    upstream.next = { sub: 'upstream-alice', email: fixture.user.email };
    const claims = await withPage('link', async (page, context) => {
      const arrival = await catchArrivalAtApp(context);
      const checks = await startAt(page);
      await page.getByRole('button', { name: 'Continue with Corp SSO' }).click();
      await page.getByRole('heading', { name: 'Link your account' }).waitFor();
      await screenshot(page, 'federation-link');
      await page.getByLabel(`Password of ${fixture.user.email}`).fill(fixture.user.password);
      await page.getByRole('button', { name: /Link and continue/ }).click();
      return finishAtApp(page, arrival, checks);
    });
    assert.equal(claims.sub, fixture.user.id);
    assert.deepEqual(claims.amr, ['fed']);
    assert.equal((await storage().linkedIdentities.find(connectionId, 'upstream-alice'))?.userId, fixture.user.id);

    const again = await withPage('linked', async (page, context) => {
      const arrival = await catchArrivalAtApp(context);
      const checks = await startAt(page);
      await page.getByRole('button', { name: 'Continue with Corp SSO' }).click();
      return finishAtApp(page, arrival, checks);
    });
    assert.equal(again.sub, fixture.user.id, 'no password this time');
  });

  test('an account with two-step verification is linked with one of its passkeys, not with its password alone', async () => {
    const owner = await fixture.createUser('pat@example.test');
    const context = await browser.newContext();
    const page = await context.newPage();
    const cdp: CDPSession = await context.newCDPSession(page);
    try {
      await cdp.send('WebAuthn.enable');
      const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
        options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
      });
      // The owner registers a passkey on the account page; it is also their second factor.
      await page.goto(`${fixture.issuer}/account`);
      await page.getByLabel('Email').fill(owner.email);
      await page.getByLabel('Password').fill(owner.password);
      await page.getByLabel('Password').press('Enter');
      await page.waitForURL(`${fixture.issuer}/account`);
      await page.getByLabel('Passkey name').fill('Laptop');
      await page.getByRole('button', { name: 'Add a passkey' }).click();
      await page.waitForURL(/\/account\?done=passkey_added/);
      await context.clearCookies();

      upstream.next = { sub: 'upstream-pat', email: owner.email };
      const arrival = await catchArrivalAtApp(context);
      const checks = await startAt(page);
      await page.getByRole('button', { name: 'Continue with Corp SSO' }).click();
      await page.getByRole('heading', { name: 'Link your account' }).waitFor();
      // The password is one factor of two: it links nothing.
      await page.getByLabel(`Password of ${owner.email}`).fill(owner.password);
      await page.getByRole('button', { name: /Link and continue/ }).click();
      await page.getByRole('alert').first().waitFor();
      assert.match((await page.getByRole('alert').first().textContent()) ?? '', /Use one of its passkeys/);
      assert.equal(await storage().linkedIdentities.find(connectionId, 'upstream-pat'), undefined);
      await screenshot(page, 'federation-link-passkey');

      const credentials = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
      assert.equal(credentials.credentials.length, 1);
      // A challenge is issued only for the page's own, live link token.
      const form = page.locator('#passkey-link');
      const optionsUrl = new URL((await form.getAttribute('data-options'))!, page.url()).href;
      const csrf = await form.locator('input[name=csrf]').inputValue();
      const forged = await page.request.post(optionsUrl, { form: { csrf, token: 'not-the-link-token' } });
      assert.equal(forged.status(), 400);
      assert.equal(((await forged.json()) as { error: string }).error, 'invalid_request');
      await page.getByRole('button', { name: 'Link with a passkey' }).click();
      const claims = await finishAtApp(page, arrival, checks);
      assert.equal(claims.sub, owner.id);
      assert.deepEqual(claims.amr, ['fed'], "the sign-in is the provider's; the passkey only proved the account");
      assert.equal((await storage().linkedIdentities.find(connectionId, 'upstream-pat'))?.userId, owner.id);
    } catch (error) {
      await screenshot(page, 'failure-federation-link-passkey');
      throw error;
    } finally {
      await context.close();
    }
  });

  test('an account with an authenticator app is linked with its password and a code: a missing or wrong code links nothing', async () => {
    const owner = await fixture.createUser('tess@example.test');
    const factor = await registry().secondFactors.startTotp(owner.id, owner.email);
    const codeAt = (offsetSteps: number) => generate({ secret: factor.secret, epoch: Math.floor(Date.now() / 1000) + offsetSteps * 30 });
    // Set up with the previous time step's code, so the current one is still unused.
    await registry().secondFactors.confirmTotp(operator, owner.id, { factorId: factor.factorId, code: await codeAt(-1), ip: '127.0.0.1' });
    upstream.next = { sub: 'upstream-tess', email: owner.email };
    const claims = await withPage('link-totp', async (page, context) => {
      const arrival = await catchArrivalAtApp(context);
      const checks = await startAt(page);
      await page.getByRole('button', { name: 'Continue with Corp SSO' }).click();
      await page.getByRole('heading', { name: 'Link your account' }).waitFor();
      const submit = async (code: string) => {
        await page.getByLabel(`Password of ${owner.email}`).fill(owner.password);
        await page.getByLabel('Code from your authenticator app, or a recovery code').fill(code);
        await page.getByRole('button', { name: /Link and continue/ }).click();
      };
      // Spaces pass the browser's check of the required field; the server takes them for no code.
      await submit('  ');
      await page.getByRole('alert').waitFor();
      assert.match((await page.getByRole('alert').textContent()) ?? '', /enter a code from your authenticator app/);
      await submit('000000' === (await codeAt(0)) ? '111111' : '000000');
      await page.getByRole('alert').waitFor();
      assert.match((await page.getByRole('alert').textContent()) ?? '', /That code is not right/);
      assert.equal(await storage().linkedIdentities.find(connectionId, 'upstream-tess'), undefined, 'nothing linked yet');
      await submit(await codeAt(0));
      return finishAtApp(page, arrival, checks);
    });
    assert.equal(claims.sub, owner.id);
    assert.equal((await storage().linkedIdentities.find(connectionId, 'upstream-tess'))?.userId, owner.id);
  });

  test("the upstream's MFA counts only when the connection trusts it", async () => {
    const signInWith = async (name: string) =>
      withPage(name, async (page, context) => {
        const arrival = await catchArrivalAtApp(context);
        const checks = await startAt(page);
        await page.getByRole('button', { name: 'Continue with Corp SSO' }).click();
        return finishAtApp(page, arrival, checks);
      });
    upstream.next = { sub: 'upstream-mfa', email: 'mfa.user@corp.example', amr: ['pwd', 'otp'] };
    assert.deepEqual((await signInWith('mfa-untrusted')).amr, ['fed'], 'not trusted: fed alone');
    await registry().connections.update(operator, connectionId, { trustUpstreamMfa: true });
    try {
      upstream.next = { sub: 'upstream-mfa', email: 'mfa.user@corp.example', amr: ['pwd', 'otp'] };
      assert.deepEqual((await signInWith('mfa-trusted')).amr, ['fed', 'mfa']);
      upstream.next = { sub: 'upstream-mfa', email: 'mfa.user@corp.example', amr: ['pwd'] };
      assert.deepEqual((await signInWith('mfa-single')).amr, ['fed'], 'one factor upstream');
    } finally {
      await registry().connections.update(operator, connectionId, { trustUpstreamMfa: false });
    }
  });

  test('an upstream error (access_denied) ends on a clear page and changes nothing', async () => {
    upstream.next = 'deny';
    const usersBefore = await storage().users.count();
    await withPage('upstream-error', async (page) => {
      await startAt(page);
      await page.getByRole('button', { name: 'Continue with Corp SSO' }).click();
      await page.getByRole('heading', { name: 'Corp SSO did not sign you in' }).waitFor();
      const text = (await page.textContent('body')) ?? '';
      assert.match(text, /access_denied/);
      assert.match(text, /the user cancelled at the upstream/);
      await screenshot(page, 'federation-upstream-error');
    });
    assert.equal(await storage().users.count(), usersBefore);
  });

  test('a tampered state is refused, so is the callback in another browser; the real one still signs in', async () => {
    upstream.next = { sub: 'upstream-state', email: 'state.user@corp.example' };
    await withPage('tampered-state', async (page, context) => {
      const arrival = await catchArrivalAtApp(context);
      const checks = await startAt(page);
      upstream.hold = true;
      await page.getByRole('button', { name: 'Continue with Corp SSO' }).click();
      await page.getByText('Held at the upstream').waitFor();
      upstream.hold = false;
      const real = new URL(upstream.held!);
      assert.equal(real.origin + real.pathname, `${fixture.issuer}/federation/callback`);

      const tampered = new URL(real);
      tampered.searchParams.set('state', `${real.searchParams.get('state')}x`);
      await page.goto(tampered.href);
      await page.getByRole('heading', { name: 'Sign-in could not be finished' }).waitFor();
      assert.match((await page.textContent('body')) ?? '', /state is unknown, altered, used or expired/);

      const other = await browser.newContext();
      try {
        const otherPage = await other.newPage();
        await otherPage.goto(real.href);
        await otherPage.getByRole('heading', { name: 'Sign-in started elsewhere' }).waitFor();
      } finally {
        await other.close();
      }
      assert.equal(await storage().users.getByEmail('state.user@corp.example'), undefined, 'nothing was provisioned');

      await page.goto(real.href);
      const claims = await finishAtApp(page, arrival, checks);
      assert.deepEqual(claims.amr, ['fed']);

      // Single use: the same answer again is refused.
      await page.goto(real.href);
      await page.getByRole('heading', { name: /Sign-in could not be finished|Sign-in started elsewhere|Sign-in expired/ }).waitFor();
    });
  });

  test('the account page lists linked providers; unlinking the last way in is refused, another is unlinked', async () => {
    // The provisioned user has no password and one link: the provider is their only way in.
    upstream.next = { sub: 'upstream-jit-1', email: 'new.person@corp.example' };
    await withPage('unlink-last', async (page, context) => {
      const arrival = await catchArrivalAtApp(context);
      const checks = await startAt(page);
      await page.getByRole('button', { name: 'Continue with Corp SSO' }).click();
      await finishAtApp(page, arrival, checks);
      await page.goto(`${fixture.issuer}/account`);
      const section = page.locator('#identities');
      await section.getByRole('heading', { name: 'Linked sign-in providers' }).waitFor();
      assert.match((await section.textContent()) ?? '', /Corp SSO/);
      await section.getByRole('button', { name: 'Unlink Corp SSO' }).click();
      await page.locator('#identities').getByRole('alert').waitFor();
      assert.match((await page.locator('#identities').getByRole('alert').textContent()) ?? '', /only way to sign in/);
      await screenshot(page, 'account-unlink-refused');
    });
    const user = await storage().users.getByEmail('new.person@corp.example');
    assert.equal((await storage().linkedIdentities.listForUser(user!.id)).length, 1, 'still linked');

    // Alice has a password: her link can go.
    upstream.next = { sub: 'upstream-alice', email: fixture.user.email };
    await withPage('unlink', async (page, context) => {
      const arrival = await catchArrivalAtApp(context);
      const checks = await startAt(page);
      await page.getByRole('button', { name: 'Continue with Corp SSO' }).click();
      await finishAtApp(page, arrival, checks);
      await page.goto(`${fixture.issuer}/account`);
      await page.locator('#identities').getByRole('button', { name: 'Unlink Corp SSO' }).click();
      await page.getByRole('status').waitFor();
      assert.match((await page.getByRole('status').textContent()) ?? '', /unlinked/i);
    });
    assert.deepEqual(await storage().linkedIdentities.listForUser(fixture.user.id), []);
    const audit = await storage().audit.list({ orgId: null, offset: 0, limit: 100 });
    assert.ok(audit.items.some((item) => item.action === 'identity.unlinked'));
  });

  test("an organization's connection is offered only when the request names that organization", async () => {
    const org = await registry().orgs.create(operator, { name: 'globex' });
    await registry().connections.create(operator, org.id, {
      name: 'globex-sso',
      displayName: 'Globex SSO',
      issuer: upstream.issuer,
      clientId: upstream.clientId,
      clientSecret: upstream.clientSecret,
    });
    await withPage('org-connections', async (page) => {
      await startAt(page);
      assert.equal(await page.getByRole('button', { name: 'Continue with Globex SSO' }).count(), 0);
      await startAt(page, { organization: 'globex' });
      await page.getByRole('button', { name: 'Continue with Globex SSO' }).waitFor();
      assert.equal(await page.getByRole('button', { name: 'Continue with Corp SSO' }).count(), 1, 'the server connection too');
    });
  });
});
