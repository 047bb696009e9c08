// In the console: a "connected app" with several callback URLs (2000 characters in all),
// device flow, an uploaded certificate, a trusted issuer, PKCE and secret requirements, refresh token rotation, JWT
// access tokens, "introspect all tokens" and ID token settings; then the same app used for real. A
// viewer sees it all and can change none of it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { importPKCS8, SignJWT } from 'jose';
import type { Browser } from 'playwright-core';
import { operatorActor } from '../../src/domain/access/actor.js';
import { browserSkipReason, launchChromium, screenshot } from '../support/browser.js';
import { authorizeUrl, obtainCode, postForm, redeem, tokenUrl } from '../support/flows.js';
import { apiIdentifier, FormBrowser, oauthFixture, redirectUri, type OAuthFixture } from '../support/oauth.js';
import { jwtPayload, setRole, signInToConsole, withPage } from './console-helpers.js';

if (browserSkipReason) console.log(`# ${browserSkipReason}`);

const certificatePath = 'test/fixtures/certificates/rsa-valid.pem';
const extraAudience = 'https://your-service.example.test';

describe('a connected app with every OAuth setting, and who may change it', { skip: browserSkipReason }, () => {
  let fixture: OAuthFixture;
  let browser: Browser;
  let viewer: { id: string; email: string; password: string };
  let clientId = '';
  let secret = '';

  before(async () => {
    fixture = await oauthFixture();
    await setRole(fixture, fixture.user.id, 'admin');
    viewer = await fixture.createUser('victor@example.test');
    await setRole(fixture, viewer.id, 'viewer');
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await fixture?.stop();
  });

  test('an admin creates the app with several callback URLs and sets device flow, PKCE, secrets, rotation, introspection, ID token and a certificate', async () => {
    await withPage(browser, 'connected-app-admin', async (page) => {
      await signInToConsole(page, fixture);
      await page.getByRole('link', { name: 'Create New OAuth App' }).first().click();
      await page.getByLabel(/Web app/).check();
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByLabel('Name').fill('Field Service Connect');
      await page.getByLabel('Description').fill('Connects the field service tablets to the CRM.');
      await page.getByRole('button', { name: 'Continue' }).click();

      // Several callback URLs, matched exactly; 2000 characters in all.
      const uris = [redirectUri, 'https://connect.example.test/oauth/callback', 'https://connect.example.test/oauth/alt-callback'];
      for (const [index, uri] of uris.entries()) {
        if (index > 0) await page.getByRole('button', { name: '+ Add redirect URI' }).click();
        await page.getByLabel(`Redirect URI ${index + 1}`, { exact: true }).fill(uri);
      }
      await page.getByRole('button', { name: '+ Add redirect URI' }).click();
      const long = `https://connect.example.test/${'x'.repeat(1930)}`;
      await page.getByLabel('Redirect URI 4', { exact: true }).fill(long);
      const total = [...uris, long].join('').length;
      await page.getByText(`${total} of 2000 characters used`).waitFor();
      await page
        .getByText(/the limit is 2000/)
        .first()
        .waitFor();
      await screenshot(page, 'connected-app-01-callback-limit');
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByRole('heading', { name: /Step 3 of 7: Redirect URIs/ }).waitFor();
      await page.getByRole('button', { name: 'Remove redirect URI 4' }).click();
      await page.getByText(`${uris.join('').length} of 2000 characters used`).waitFor();
      await page.getByRole('button', { name: 'Continue' }).click();

      await page.getByRole('heading', { name: /Token lifetimes/ }).waitFor();
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByLabel('Issue a refresh token').check();
      assert.equal(await page.getByLabel('Rotate refresh tokens').isChecked(), true, 'rotation is on by default');
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByLabel('read:contacts', { exact: true }).check();
      await page.getByLabel('Default audience').selectOption(apiIdentifier);
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByRole('button', { name: 'Create' }).click();
      await page.getByRole('heading', { name: 'Field Service Connect is ready' }).waitFor();
      clientId = await page.getByLabel('Client ID (app ID)', { exact: true }).inputValue();
      secret = await page.getByLabel('Client secret', { exact: true }).inputValue();
      await page.getByRole('link', { name: 'Continue' }).click();

      // Advanced: device flow, PKCE, secrets, rotation, introspect all tokens, ID token.
      await page.getByRole('link', { name: 'Advanced' }).click();
      await page.getByRole('heading', { name: 'Advanced settings' }).waitFor();
      assert.equal(await page.getByLabel('Require Proof Key for Code Exchange (PKCE)').isChecked(), true);
      assert.equal(await page.getByLabel('Require secret for the web server flow').isChecked(), true);
      await page.getByLabel('Require secret for the refresh token flow').check();
      await page.getByLabel('Enable for Device Flow').check();
      await page.getByLabel('JWT bearer (RFC 7523)').check();
      assert.equal(await page.getByLabel('Enable refresh token rotation').isChecked(), true);
      await page.getByLabel('Introspect all tokens').check();
      await page.getByLabel('Require a verified email address').check();
      await page.getByLabel('Token valid for (minutes)').fill('721');
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.getByText('must be a whole number of minutes from 1 to 720').waitFor();
      await page.getByLabel('Token valid for (minutes)').fill('10');
      await page.getByLabel('ID token audiences').fill(extraAudience);
      assert.equal(await page.getByLabel('Include standard claims').isChecked(), true);
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.getByText('Saved', { exact: true }).waitFor();

      // A certificate for the JWT bearer flow (4 KB at most).
      await page.getByLabel('Certificate or key file').setInputFiles(certificatePath);
      await page.getByText(/rsa-valid\.pem: \d+ of 4096 bytes/).waitFor();
      await page.getByRole('button', { name: 'Upload certificate' }).click();
      await page.getByText(/^Uploaded a key/).waitFor();
      const row = page.getByRole('table', { name: 'Certificates and keys' }).getByRole('row').nth(1);
      await row.getByText('RS256').waitFor();
      await row.getByText('X.509 certificate').waitFor();
      assert.match((await row.textContent()) ?? '', /[0-9A-Za-z_-]{20,}/, 'a fingerprint is listed');
      await screenshot(page, 'connected-app-02-advanced');

      // "Admin approved users are pre-authorized": the JWT bearer flow needs it, or the user's consent.
      const preAuthorizations = page.getByRole('region', { name: 'Pre-authorized users' });
      await preAuthorizations.getByText('Nobody is pre-authorized.').waitFor();
      await preAuthorizations.getByLabel('Pre-authorize').selectOption('role');
      await preAuthorizations.getByLabel('Role', { exact: true }).selectOption('viewer');
      await preAuthorizations.getByLabel('openid', { exact: true }).check();
      await preAuthorizations.getByLabel('read:contacts', { exact: true }).check();
      assert.equal(await preAuthorizations.getByLabel('APIs it covers').inputValue(), apiIdentifier, 'the default audience to start with');
      await preAuthorizations.getByRole('button', { name: 'Pre-authorize' }).click();
      await preAuthorizations.getByRole('cell', { name: 'every viewer', exact: true }).waitFor();
      await screenshot(page, 'connected-app-02b-pre-authorized');

      // A partner's identity provider whose JWTs the app may present for one user (RFC 7523 §3).
      const trusted = page.getByRole('region', { name: 'Trusted issuers' });
      await trusted.getByText('This app trusts no external issuer.').waitFor();
      await trusted.getByLabel('Issuer', { exact: true }).fill('https://idp.partner.example.test');
      await trusted.getByLabel('Public keys', { exact: true }).fill(readFileSync(certificatePath, 'utf8'));
      await trusted.getByLabel('Subjects', { exact: true }).fill(fixture.user.email);
      await trusted.getByLabel('Scopes', { exact: true }).fill('openid admin:everything');
      await trusted.getByRole('button', { name: 'Trust issuer' }).click();
      await trusted
        .getByText(/admin:everything is not one of the scopes this app may ask for/)
        .first()
        .waitFor();
      await trusted.getByLabel('Scopes', { exact: true }).fill('openid');
      await trusted.getByRole('button', { name: 'Trust issuer' }).click();
      await trusted.getByRole('cell', { name: 'https://idp.partner.example.test', exact: true }).waitFor();
      await trusted.getByRole('cell', { name: fixture.user.email, exact: true }).waitFor();
      await screenshot(page, 'connected-app-02c-trusted-issuer');

      // JWT access tokens are the API's choice of format.
      await page.getByRole('link', { name: 'APIs' }).click();
      await page.getByRole('link', { name: 'Contacts API' }).click();
      await page.getByLabel('Token format').selectOption('jwt');
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.getByText('Saved', { exact: true }).waitFor();
      await screenshot(page, 'connected-app-03-api-jwt');
    });

    const context = { actor: operatorActor };
    const app = await fixture.server.server.runtime.registry.apps.get(context, clientId);
    assert.equal(app.settings.redirectUris.length, 3);
    assert.ok(app.settings.grantTypes.includes('urn:ietf:params:oauth:grant-type:device_code'));
    assert.equal(app.settings.security.introspectAllTokens, true);
    assert.equal(app.settings.security.requireVerifiedEmail, true);
    assert.equal(app.settings.refreshToken.requireSecret, true);
    assert.equal(app.settings.idToken.ttlMinutes, 10);
    assert.deepEqual(app.settings.idToken.audiences, [extraAudience]);
    const certificates = await fixture.server.server.runtime.registry.apps.listCertificates(context, clientId);
    assert.equal(certificates.length, 1);
    assert.equal(certificates[0]!.alg, 'RS256');
    const trusted = await fixture.server.server.runtime.registry.apps.listTrustedIssuers(context, clientId);
    assert.deepEqual(
      trusted.map((relationship) => [relationship.issuer, relationship.subjects, relationship.scopes]),
      [['https://idp.partner.example.test', [fixture.user.email], ['openid']]],
    );
  });

  test('the app works as configured at the token, device and introspection endpoints', async () => {
    assert.ok(clientId && secret);
    // PKCE is required: a request without a code challenge is refused.
    const noPkce = await new FormBrowser(fixture.issuer).authorize(
      authorizeUrl(fixture.issuer, clientId, { code_challenge: null, code_challenge_method: null }),
      fixture.user,
    );
    assert.match(noPkce.headers.get('location') ?? '', /error=invalid_request/);

    const code = await obtainCode(fixture, clientId, { scope: 'openid offline_access read:contacts' });
    const tokens = await redeem(fixture, code, clientId, secret);
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
    const [header] = String(tokens.body.access_token).split('.');
    assert.equal((JSON.parse(Buffer.from(header!, 'base64url').toString('utf8')) as { typ?: unknown }).typ, 'at+jwt', 'a JWT access token (RFC 9068)');
    const idToken = jwtPayload(String(tokens.body.id_token));
    assert.equal(Number(idToken.exp) - Number(idToken.iat), 600, 'ID token valid for 10 minutes');
    assert.deepEqual(idToken.aud, [clientId, extraAudience]);

    // Refresh: the secret is required, and rotation detects reuse.
    const refreshToken = String(tokens.body.refresh_token);
    const withoutSecret = await postForm(tokenUrl(fixture), { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId });
    assert.equal(withoutSecret.status, 401);
    const rotated = await postForm(tokenUrl(fixture), { grant_type: 'refresh_token', refresh_token: refreshToken }, { basic: [clientId, secret] });
    assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
    assert.notEqual(rotated.body.refresh_token, refreshToken);
    const reused = await postForm(tokenUrl(fixture), { grant_type: 'refresh_token', refresh_token: refreshToken }, { basic: [clientId, secret] });
    assert.equal(reused.status, 400);
    assert.equal(reused.body.error, 'invalid_grant');

    // Device flow is on.
    const device = await postForm(`${fixture.issuer}/oauth2/device_authorization`, { scope: 'openid' }, { basic: [clientId, secret] });
    assert.equal(device.status, 200, JSON.stringify(device.body));
    assert.ok(device.body.device_code && device.body.user_code);

    // JWT bearer with the uploaded certificate's key: the pre-authorized viewer gets a token, a
    // member who is neither pre-authorized nor consented does not.
    const key = await importPKCS8(readFileSync('test/fixtures/certificates/rsa-valid.key', 'utf8'), 'RS256');
    const assertionFor = (sub: string) =>
      new SignJWT({ jti: crypto.randomUUID() })
        .setProtectedHeader({ alg: 'RS256' })
        .setIssuer(clientId)
        .setSubject(sub)
        .setAudience(fixture.issuer)
        .setExpirationTime('2m')
        .sign(key);
    const jwtBearer = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
    const forViewer = await postForm(tokenUrl(fixture), { grant_type: jwtBearer, assertion: await assertionFor(viewer.email), scope: 'openid read:contacts' });
    assert.equal(forViewer.status, 200, JSON.stringify(forViewer.body));
    assert.equal(jwtPayload(String(forViewer.body.access_token)).sub, viewer.id);
    const developer = await fixture.createUser('dana@example.test');
    await setRole(fixture, developer.id, 'developer');
    const forDeveloper = await postForm(tokenUrl(fixture), {
      grant_type: jwtBearer,
      assertion: await assertionFor(developer.email),
      scope: 'openid read:contacts',
    });
    assert.equal(forDeveloper.body.error, 'invalid_grant');

    // Introspect all tokens: another app's token too.
    const other = await fixture.createApp({ name: 'Reporting job', type: 'm2m', apiGrants: [{ audience: apiIdentifier, scopes: ['read:contacts'] }] });
    const otherToken = await postForm(tokenUrl(fixture), { grant_type: 'client_credentials' }, { basic: [other.clientId, other.clientSecret!] });
    assert.equal(otherToken.status, 200);
    const seen = await postForm(`${fixture.issuer}/oauth2/introspect`, { token: String(otherToken.body.access_token) }, { basic: [clientId, secret] });
    assert.equal(seen.body.active, true);
    assert.equal(seen.body.client_id, other.clientId);
  });

  test('a viewer sees the settings but every control that would change them is disabled, and the API refuses them', async () => {
    await withPage(browser, 'connected-app-viewer', async (page) => {
      await signInToConsole(page, fixture, viewer);
      await page.getByRole('heading', { name: 'OAuth apps' }).waitFor();
      await page.getByRole('link', { name: 'Field Service Connect' }).waitFor();
      assert.equal(await page.getByRole('link', { name: 'Create New OAuth App' }).count(), 0, 'viewers do not create apps');

      await page.getByRole('link', { name: 'Field Service Connect' }).click();
      await page.getByText('Your role can see this app but not change it.').waitFor();
      assert.equal(await page.getByLabel('App name').isDisabled(), true);
      await page.getByRole('link', { name: 'Advanced' }).click();
      await page.getByRole('heading', { name: 'Advanced settings' }).waitFor();
      for (const label of ['Introspect all tokens', 'Enable for Device Flow', 'Require secret for the refresh token flow', 'Enable refresh token rotation']) {
        assert.equal(await page.getByLabel(label).isDisabled(), true, `${label} is disabled`);
      }
      assert.equal(await page.getByLabel('Introspect all tokens').isChecked(), true, 'the settings are shown');
      assert.equal(await page.getByRole('button', { name: 'Save changes' }).isDisabled(), true);
      assert.equal(await page.getByRole('button', { name: 'Upload certificate' }).count(), 0);
      assert.equal(await page.getByRole('table', { name: 'Certificates and keys' }).getByRole('button', { name: 'Delete' }).isDisabled(), true);
      assert.equal(await page.getByRole('table', { name: 'Trusted issuers' }).getByRole('button', { name: 'Delete' }).isDisabled(), true);
      assert.equal(await page.getByRole('button', { name: 'Trust issuer' }).count(), 0);
      await screenshot(page, 'connected-app-04-viewer-advanced');
      await page.getByRole('link', { name: 'OAuth & scopes' }).click();
      assert.equal(await page.getByRole('button', { name: 'Refresh client secret' }).isDisabled(), true);
      await page.getByRole('link', { name: 'Lifecycle' }).click();
      assert.equal(await page.getByRole('button', { name: 'Disable' }).isDisabled(), true);
      assert.equal(await page.getByRole('button', { name: 'Delete app' }).isDisabled(), true);

      // The server enforces the same table: a viewer's write through the console is a 403 problem.
      const refused = await page.evaluate(async (id) => {
        const session = (await (await fetch('/console/api/session')).json()) as { csrfToken: string };
        const response = await fetch(`/console/api/v1/apps/${id}`, {
          method: 'PATCH',
          headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrfToken },
          body: JSON.stringify({ security: { introspectAllTokens: false } }),
        });
        return { status: response.status, body: (await response.json()) as { detail: string } };
      }, clientId);
      assert.equal(refused.status, 403);
      assert.match(refused.body.detail, /viewer/);
    });
    const app = await fixture.server.server.runtime.registry.apps.get({ actor: operatorActor }, clientId);
    assert.equal(app.settings.security.introspectAllTokens, true, 'nothing changed');
  });
});
