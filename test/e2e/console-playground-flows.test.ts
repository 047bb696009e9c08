// The console's flow playground beyond the code flow: client credentials, the device flow approved
// on the hosted device page in a second tab, JWT bearer with a key that stays in the browser, token
// exchange of the previous flow's access token, and the optional authorization request parameters
// (prompt, max_age, login_hint, organization, invitation) in the URL and at the hosted sign-in.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { operatorActor } from '../../src/domain/access/actor.js';
import { browserSkipReason, launchChromium, screenshot } from '../support/browser.js';
import { apiIdentifier, oauthFixture, type OAuthFixture } from '../support/oauth.js';
import { assertNoSidewaysScroll, jwtPayload, phoneViewport, setRole, signInToConsole, withPage } from './console-helpers.js';

if (browserSkipReason) console.log(`# ${browserSkipReason}`);

const operator = { actor: operatorActor };
const downstream = 'https://downstream.example.test';
const jwtBearer = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const tokenExchange = 'urn:ietf:params:oauth:grant-type:token-exchange';

/** The JSON a playground block shows (a request or response, a decoded header or payload). */
async function shownJson(page: Page, label: string): Promise<Record<string, unknown>> {
  const block = page.getByLabel(label, { exact: true });
  await block.waitFor();
  return JSON.parse((await block.textContent())!) as Record<string, unknown>;
}

/** The value cell of a row of the authorization request table. */
async function parameter(page: Page, name: string): Promise<string | null> {
  const row = page.getByRole('table', { name: 'Authorization request parameters' }).getByRole('row', { name: new RegExp(`^${name} `) });
  if ((await row.count()) === 0) return null;
  return row.getByRole('cell').nth(1).textContent();
}

/** Fails on serious or critical WCAG 2.1 A/AA violations (axe-core) and on sideways scrolling, naming where. */
async function assertAccessible(page: Page, where: string): Promise<void> {
  const { violations } = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const serious = violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
  assert.deepEqual(
    serious.map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join('; ')}`),
    [],
    where,
  );
  await assertNoSidewaysScroll(page, where);
}

describe('the flow playground: client credentials, device, JWT bearer, token exchange and authorize options', { skip: browserSkipReason }, () => {
  let fixture: OAuthFixture;
  let browser: Browser;
  const playground = (clientId: string) => `/console/orgs/default/apps/${clientId}/playground`;

  before(async () => {
    fixture = await oauthFixture();
    await setRole(fixture, fixture.user.id, 'admin');
    await fixture.server.server.runtime.registry.apis.create(operator, fixture.orgId, {
      identifier: downstream,
      name: 'Downstream',
      scopes: [{ name: 'read:contacts', description: 'Read your contacts' }],
    });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await fixture?.stop();
  });

  test('client credentials: a wrong secret is refused, the right one gets a token for the audience + scope pair', async () => {
    const app = await fixture.createApp({
      name: 'Nightly export',
      type: 'm2m',
      apiGrants: [{ audience: apiIdentifier, scopes: ['read:contacts'] }],
    });
    await withPage(browser, 'playground-client-credentials', async (page) => {
      await signInToConsole(page, fixture, fixture.user, playground(app.clientId));
      await page.getByRole('heading', { name: /Request a token with the app's credentials/ }).waitFor();
      assert.equal(await page.getByLabel('Flow').count(), 0, 'one flow: nothing to choose');
      assert.equal(await page.getByLabel('Audience').inputValue(), apiIdentifier);

      await page.getByLabel('Client secret').fill('lk_cs_not-the-secret');
      await page.getByRole('button', { name: 'Request a token' }).click();
      const refused = await shownJson(page, 'Token response');
      assert.equal(refused.error, 'invalid_client');
      assert.equal(await page.getByLabel('Access token payload').count(), 0, 'no token to decode');

      await page.getByLabel('Client secret').fill(app.clientSecret!);
      await page.getByRole('button', { name: 'Request a token' }).click();
      await page.getByLabel('Access token payload').waitFor();
      const request = (await page.getByLabel('Token request').textContent())!;
      assert.match(request, /grant_type=client_credentials/);
      assert.match(request, /authorization: Basic/);
      assert.ok(!request.includes(app.clientSecret!), 'the secret is not shown');
      const payload = await shownJson(page, 'Access token payload');
      assert.equal(payload.aud, apiIdentifier);
      assert.equal(payload.sub, app.clientId);
      assert.equal(payload.scope, 'read:contacts');
      await screenshot(page, 'playground-client-credentials');
    });
  });

  test('device flow: the user code is approved on the hosted page in a new tab while the playground polls, and the tokens appear', async () => {
    const app = await fixture.createApp({ name: 'Lobby TV', type: 'device', scopes: ['openid', 'profile'], deviceCode: { pollIntervalSeconds: 1 } });
    await withPage(browser, 'playground-device', async (page, context) => {
      await signInToConsole(page, fixture, fixture.user, playground(app.clientId));
      // The server's first answer to a poll is slow_down, as a busy server may say: the playground waits 5 seconds longer.
      let slowedDown = false;
      await context.route(`${fixture.issuer}/oauth2/token`, async (route) => {
        if (slowedDown) return route.continue();
        slowedDown = true;
        return route.fulfill({
          status: 400,
          contentType: 'application/json',
          body: JSON.stringify({ error: 'slow_down', error_description: 'polled too often' }),
        });
      });

      await page.getByRole('button', { name: 'Request a device code' }).click();
      const answer = await shownJson(page, 'Device authorization response');
      const userCode = (await page.getByTestId('user-code').textContent())!.trim();
      assert.equal(userCode, answer.user_code);
      assert.match(userCode, /^[A-Z]{4}-[A-Z]{4}$/);
      const link = page.getByTestId('verification-uri-complete');
      assert.equal(await link.getAttribute('href'), answer.verification_uri_complete);
      assert.equal(await link.getAttribute('target'), '_blank');
      assert.match((await page.getByLabel('Device authorization request').textContent())!, new RegExp(`client_id=${app.clientId}`));
      await page.getByText('slow_down: polling again in 6 s').waitFor();

      // The user opens the link in a new tab (signed in already, through the console), checks the code and allows it.
      const [approval] = await Promise.all([context.waitForEvent('page'), link.click()]);
      await approval.getByRole('heading', { name: 'Connect a device' }).waitFor();
      assert.equal(await approval.getByLabel('Code').inputValue(), userCode, 'verification_uri_complete fills in the code');
      await approval.getByRole('button', { name: 'Continue' }).click();
      await approval.getByRole('heading', { name: 'Connect Lobby TV?' }).waitFor();
      await approval.getByRole('button', { name: 'Allow' }).click();
      await approval.getByRole('heading', { name: 'Device connected' }).waitFor();
      await approval.close();

      await page.getByText('The user allowed it: tokens issued.').waitFor({ timeout: 20_000 });
      const polls = (await page.getByRole('list', { name: 'Polls' }).textContent())!;
      assert.match(polls, /slow_down: polling again in 6 s/);
      assert.match(polls, /tokens issued/);
      const tokens = await shownJson(page, 'Token response');
      assert.ok(tokens.access_token && tokens.id_token);
      const idToken = await shownJson(page, 'ID token payload');
      assert.equal(idToken.sub, fixture.user.id);
      assert.equal(idToken.aud, app.clientId);
      await screenshot(page, 'playground-device');
    });
  });

  test('device flow: a denied code stops the polling with access_denied, and leaving the flow stops it too', async () => {
    const app = await fixture.createApp({ name: 'Kiosk', type: 'device', scopes: ['openid'], deviceCode: { pollIntervalSeconds: 1 } });
    await withPage(browser, 'playground-device-denied', async (page, context) => {
      const polls: number[] = [];
      page.on('request', (request) => {
        if (request.url() === `${fixture.issuer}/oauth2/token`) polls.push(Date.now());
      });
      await signInToConsole(page, fixture, fixture.user, playground(app.clientId));
      await page.getByRole('button', { name: 'Request a device code' }).click();
      const link = page.getByTestId('verification-uri-complete');
      const [approval] = await Promise.all([context.waitForEvent('page'), link.click()]);
      await approval.getByRole('button', { name: 'Continue' }).click();
      await approval.getByRole('button', { name: 'Deny' }).click();
      await approval.getByRole('heading', { name: 'Device not connected' }).waitFor();
      await page.getByText('The user denied the request: the device gets no tokens.').waitFor({ timeout: 10_000 });
      assert.match((await page.getByRole('list', { name: 'Polls' }).textContent())!, /access_denied/);
      const afterDenial = polls.length;
      await page.waitForTimeout(2500);
      assert.equal(polls.length, afterDenial, 'no poll after access_denied');

      // A new code, then away to another tab of the app: the polling ends with the flow.
      await page.getByRole('button', { name: 'Start again with a new code' }).click();
      await page.getByText('Polling every 1 second…').waitFor();
      await page.getByRole('link', { name: 'Basic info' }).click();
      await page.waitForURL((url) => !url.pathname.endsWith('/playground'));
      const whenLeft = polls.length;
      await page.waitForTimeout(3000);
      assert.ok(polls.length <= whenLeft + 1, `polling stopped when the flow left the page (${polls.length - whenLeft} polls after)`);
    });
  });

  test('device flow: expired_token ends the polling and says to start again', async () => {
    const app = await fixture.createApp({ name: 'Old TV', type: 'device', scopes: ['openid'], deviceCode: { pollIntervalSeconds: 1 } });
    await withPage(browser, 'playground-device-expired', async (page, context) => {
      // The code's lifetime passing is simulated: the token endpoint answers as it does for an expired code (RFC 8628 §3.5).
      let polls = 0;
      await context.route(`${fixture.issuer}/oauth2/token`, (route) => {
        polls += 1;
        return route.fulfill({ status: 400, contentType: 'application/json', body: JSON.stringify({ error: 'expired_token' }) });
      });
      await signInToConsole(page, fixture, fixture.user, playground(app.clientId));
      await page.getByRole('button', { name: 'Request a device code' }).click();
      await page.getByText('The device code expired before the user decided. Start again for a new code.').waitFor();
      await page.waitForTimeout(2000);
      assert.equal(polls, 1, 'no poll after expired_token');
      assert.equal(await page.getByRole('button', { name: 'Start again with a new code' }).isEnabled(), true);
    });
  });

  test('JWT bearer with a pasted key and a key made in the browser, then token exchange of its access token', async () => {
    const app = await fixture.createApp({
      name: 'Field sync',
      type: 'm2m',
      grantTypes: ['client_credentials', jwtBearer, tokenExchange],
      scopes: ['read:contacts'],
      apiGrants: [{ audience: downstream, scopes: ['read:contacts'] }],
    });
    const registry = fixture.server.server.runtime.registry;
    await registry.preAuthorizations.create(operator, app.clientId, { user: fixture.user.id, scopes: ['read:contacts'], audiences: [apiIdentifier] });
    await registry.apps.addCertificate(operator, app.clientId, readFileSync('test/fixtures/certificates/ec-valid.pem', 'utf8'));
    const privatePem = readFileSync('test/fixtures/certificates/ec-valid.key', 'utf8');
    const tokenEndpoint = `${fixture.issuer}/oauth2/token`;

    await withPage(browser, 'playground-jwt-bearer', async (page) => {
      const bodies: string[] = [];
      page.on('request', (request) => bodies.push(`${request.url()} ${request.postData() ?? ''}`));
      await signInToConsole(page, fixture, fixture.user, playground(app.clientId));
      await page.getByLabel('Flow').selectOption('jwt_bearer');

      // A key that matches the uploaded certificate, pasted.
      await page.getByLabel('Private key (PKCS#8 PEM)').fill('-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----');
      await page.getByRole('button', { name: 'Use this key' }).click();
      await page.getByText(/convert it to PKCS#8 first/).waitFor();
      await page.getByLabel('Private key (PKCS#8 PEM)').fill(privatePem);
      await page.getByRole('button', { name: 'Use this key' }).click();
      await page
        .getByTestId('key-registered')
        .getByText(/✓ uploaded \(certificate/)
        .waitFor();
      assert.equal(await page.getByTestId('assertion-alg').textContent(), 'ES256');

      await page.getByRole('button', { name: 'Sign the assertion' }).click();
      const header = await shownJson(page, 'Assertion header');
      const claims = await shownJson(page, 'Assertion payload');
      assert.equal(header.alg, 'ES256');
      assert.equal(claims.iss, app.clientId);
      assert.equal(claims.sub, fixture.user.email);
      assert.equal(claims.aud, tokenEndpoint);
      assert.equal(Number(claims.exp) - Number(claims.iat), 300);
      assert.match(String(claims.jti), /^[A-Za-z0-9_-]{20,}$/);
      await page.getByLabel('Scope', { exact: true }).fill('read:contacts');
      await page.getByLabel('Audience', { exact: true }).selectOption(apiIdentifier);
      await page.getByRole('button', { name: 'Request a token with the assertion' }).click();
      await page.getByLabel('Access token payload').waitFor();
      const first = await shownJson(page, 'Access token payload');
      assert.equal(first.sub, fixture.user.id);
      assert.equal(first.aud, apiIdentifier);
      assert.match((await page.getByLabel('Token request').textContent())!, new RegExp(`grant_type=${jwtBearer}`));
      assert.equal(await page.getByRole('button', { name: 'Request a token with the assertion' }).isDisabled(), true, 'a jti is sent once');

      // A key pair made in the browser: unknown to the app until its public key is uploaded.
      await page.getByRole('button', { name: 'Generate a key pair in the browser' }).click();
      await page
        .getByTestId('key-registered')
        .getByText(/✗ not among the app’s uploaded keys/)
        .waitFor();
      const publicPem = (await page.getByLabel('Public key', { exact: true }).textContent())!;
      assert.match(publicPem, /^-----BEGIN PUBLIC KEY-----/);
      await page.getByRole('button', { name: 'Upload the public key to the app' }).click();
      await page
        .getByTestId('key-registered')
        .getByText(/✓ uploaded \(key/)
        .waitFor();
      await page.getByRole('button', { name: 'Sign the assertion' }).click();
      await page.getByRole('button', { name: 'Request a token with the assertion' }).click();
      await page.getByText(/jti was sent once/).waitFor();
      const response = await shownJson(page, 'Token response');
      assert.ok(response.access_token, JSON.stringify(response));
      const certificates = await registry.apps.listCertificates(operator, app.clientId);
      assert.deepEqual(certificates.map((certificate) => certificate.alg).sort(), ['ES256', 'ES256']);
      await screenshot(page, 'playground-jwt-bearer');

      // Token exchange of the JWT bearer flow's access token for one for the downstream API.
      const subjectToken = response.access_token as string;
      await page.getByLabel('Flow').selectOption('token_exchange');
      await page.getByRole('button', { name: 'Use the access token from the JWT bearer flow' }).click();
      assert.equal(await page.getByLabel('Subject token', { exact: true }).inputValue(), subjectToken);
      assert.equal(await page.getByLabel('subject_token_type').inputValue(), 'urn:ietf:params:oauth:token-type:access_token');
      await page.getByLabel('Audience', { exact: true }).selectOption(downstream);
      await page.getByLabel('Client secret').fill(app.clientSecret!);
      await page.getByRole('button', { name: 'Exchange the token' }).click();
      const exchanged = await shownJson(page, 'Token exchange response');
      assert.equal(exchanged.issued_token_type, 'urn:ietf:params:oauth:token-type:access_token', JSON.stringify(exchanged));
      const payload = await shownJson(page, 'Exchanged token payload');
      assert.equal(payload.sub, fixture.user.id);
      assert.equal(payload.aud, downstream);
      assert.deepEqual(payload.act, { sub: app.clientId });
      assert.match((await page.getByTestId('act-claim').textContent())!, new RegExp(`${app.clientId} acts for the subject ${fixture.user.id}`));
      assert.deepEqual(jwtPayload(String(exchanged.access_token)).act, { sub: app.clientId });
      const request = (await page.getByLabel('Token exchange request').textContent())!;
      assert.match(request, new RegExp(`grant_type=${tokenExchange}`));
      assert.ok(!request.includes(subjectToken), 'the subject token is shortened in what is shown');
      await screenshot(page, 'playground-token-exchange');

      // The private keys never left the browser.
      const keyBody = privatePem.split('\n')[1]!;
      assert.ok(bodies.length > 0);
      for (const body of bodies) {
        assert.ok(!body.includes('PRIVATE KEY') && !body.includes(keyBody), `a request carried a private key: ${body.slice(0, 200)}`);
      }
    });
  });

  test('prompt, max_age, login_hint and organization appear in the authorization URL, and the hosted sign-in follows them', async () => {
    const bob = await fixture.createMember('bob@example.test');
    const app = await fixture.createApp({
      name: 'Contacts for desktop',
      type: 'native',
      redirectUris: [`${fixture.issuer}/console/playground/callback`],
      scopes: ['openid', 'read:contacts'],
    });
    await withPage(browser, 'playground-authorize-options', async (page) => {
      await signInToConsole(page, fixture, fixture.user, playground(app.clientId));
      await page.getByLabel('Audience').selectOption(apiIdentifier);
      await page.getByRole('button', { name: 'Generate code verifier' }).click();
      const prompts = await page.getByLabel('Prompt', { exact: true }).locator('option').allTextContents();
      assert.deepEqual(
        prompts.map((label) => label.split(':')[0]),
        ['None', 'none', 'login', 'consent', 'select_account'],
        "the values of the server's prompt_values_supported",
      );

      // Bad values are caught before anything is sent.
      await page.getByLabel('max_age (seconds)').fill('-5');
      await page.getByText('max_age must be a whole number of seconds, 0 or more').waitFor();
      await page.getByLabel('invitation', { exact: true }).fill('lk_inv_something');
      await page.getByText('an invitation needs the organization it is for').waitFor();
      assert.equal(await page.getByRole('button', { name: 'Sign in and authorize' }).isDisabled(), true);
      await page.getByLabel('invitation', { exact: true }).fill('');

      await page.getByLabel('Prompt', { exact: true }).selectOption('login');
      await page.getByLabel('max_age (seconds)').fill('600');
      await page.getByLabel('login_hint', { exact: true }).fill(bob.email);
      await page.getByLabel('organization', { exact: true }).fill('default');
      assert.equal(await parameter(page, 'prompt'), 'login');
      assert.equal(await parameter(page, 'max_age'), '600');
      assert.equal(await parameter(page, 'login_hint'), bob.email);
      assert.equal(await parameter(page, 'organization'), 'default');
      assert.equal(await parameter(page, 'invitation'), null);
      const url = new URL((await page.getByLabel('Authorization URL').textContent())!);
      assert.equal(url.searchParams.get('login_hint'), bob.email);
      assert.equal(url.searchParams.get('prompt'), 'login');
      await page
        .getByRole('row', { name: /^login_hint / })
        .getByText(/Fills in the email on the sign-in page/)
        .waitFor();
      await page
        .getByRole('row', { name: /^organization / })
        .getByText(/org_id/)
        .waitFor();
      await screenshot(page, 'playground-authorize-options');

      // prompt=login: the sign-in page comes although the browser has a session, with login_hint's email filled in.
      await page.getByRole('button', { name: 'Sign in and authorize' }).click();
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
      const email = page.getByLabel('Email');
      assert.equal(await email.inputValue(), bob.email);
      await page.getByLabel('Password').fill(bob.password);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.getByRole('button', { name: 'Allow' }).click();
      await page.waitForURL(new RegExp(`/apps/${app.clientId}/playground$`));
      await page.getByTestId('authorization-code').waitFor();
      assert.equal(await parameter(page, 'login_hint'), bob.email, 'the URL as sent, after the trip');
      await page.getByRole('button', { name: 'Exchange the code for tokens' }).click();
      const idToken = await shownJson(page, 'ID token payload');
      assert.equal(idToken.sub, bob.id);
      assert.equal(idToken.org_id, fixture.orgId, 'organization=default: the tokens carry org_id');
    });
  });

  test('every flow, on a 375-pixel phone: nothing scrolls sideways and axe finds nothing serious', async () => {
    const app = await fixture.createApp({
      name: 'Everything app',
      type: 'web',
      redirectUris: [`${fixture.issuer}/console/playground/callback`],
      scopes: ['openid', 'read:contacts'],
      grantTypes: ['authorization_code', 'client_credentials', 'urn:ietf:params:oauth:grant-type:device_code', jwtBearer, tokenExchange],
      apiGrants: [{ audience: apiIdentifier, scopes: ['read:contacts'] }],
    });
    await withPage(
      browser,
      'playground-phone',
      async (page) => {
        await signInToConsole(page, fixture, fixture.user, playground(app.clientId));
        const flow = page.getByLabel('Flow');
        await flow.waitFor();
        const flows = await Promise.all((await flow.locator('option').all()).map((option) => option.getAttribute('value')));
        assert.deepEqual(flows, ['code', 'client_credentials', 'device', 'jwt_bearer', 'token_exchange']);
        await page.getByRole('button', { name: 'Generate code verifier' }).click();
        await page.getByRole('table', { name: 'Authorization request parameters' }).waitFor();
        await assertAccessible(page, 'code flow');
        await flow.selectOption('client_credentials');
        await assertAccessible(page, 'client credentials');
        await flow.selectOption('device');
        await page.getByLabel('Audience').selectOption(apiIdentifier);
        await page.getByLabel('Client secret').fill(app.clientSecret!);
        await page.getByRole('button', { name: 'Request a device code' }).click();
        await page.getByTestId('user-code').waitFor();
        await assertAccessible(page, 'device flow');
        await flow.selectOption('jwt_bearer');
        await page.getByRole('button', { name: 'Generate a key pair in the browser' }).click();
        await page.getByRole('button', { name: 'Sign the assertion' }).click();
        await page.getByLabel('Assertion payload').waitFor();
        await assertAccessible(page, 'JWT bearer');
        await flow.selectOption('token_exchange');
        await assertAccessible(page, 'token exchange');
      },
      phoneViewport,
    );
  });
});
