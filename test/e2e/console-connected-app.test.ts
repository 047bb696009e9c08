// From an empty server, in the console: the setup link makes the administrator, who registers the
// API, invites a viewer and a developer, and makes a "connected app" with several callback URLs
// (2000 characters in all), device flow, an uploaded certificate, a trusted issuer, PKCE and secret
// requirements, client credentials, token exchange, refresh token rotation, JWT access tokens,
// "introspect all tokens", ID token settings, asset tokens and single logout; then real clients
// (openid-client, jose) use the app. A developer changes it and rotates its secret but may not
// delete it; a viewer sees it all and can change none of it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import {
  calculateJwkThumbprint,
  createRemoteJWKSet,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  importPKCS8,
  importX509,
  jwtVerify,
  SignJWT,
} from 'jose';
import * as client from 'openid-client';
import type { Browser } from 'playwright-core';
import { operatorActor } from '../../src/domain/access/actor.js';
import { browserSkipReason, launchChromium, screenshot } from '../support/browser.js';
import { authorizeUrl } from '../support/flows.js';
import { FormBrowser, redirectUri } from '../support/oauth.js';
import { withPage } from './console-helpers.js';
import {
  acceptInvitation,
  completeFirstRun,
  inviteFromMembersPage,
  runCodeFlowInPage,
  runCodeFlowWithOpenidClient,
  signInOnHostedPage,
  startEmptyServer,
  type EmptyServer,
} from './from-empty-server.js';
import { configurationOf, contactsApi, refusal, runDeviceFlowWithOpenidClient, signInAs } from './from-empty-server-clients.js';
import { registerApiInConsole, verifyAccessToken } from './console-replay-steps.js';

if (browserSkipReason) console.log(`# ${browserSkipReason}`);

const certificatePath = 'test/fixtures/certificates/rsa-valid.pem';
const extraAudience = 'https://your-service.example.test';
const apiIdentifier = contactsApi.identifier;
const password = 'correct horse battery staple';
const admin = { email: 'ada@example.test', name: 'Ada Lindqvist', password };
const viewer = { email: 'victor@example.test', name: 'Victor Okafor', password };
const developer = { email: 'dana@example.test', name: 'Dana Reyes', password };
const jwtBearer = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const tokenExchange = 'urn:ietf:params:oauth:grant-type:token-exchange';
const accessTokenType = 'urn:ietf:params:oauth:token-type:access_token';
const jwtTokenType = 'urn:ietf:params:oauth:token-type:jwt';
const deviceBackend = 'https://your-device-backend.example.test';

describe('a connected app with every OAuth setting, and who may change it, from an empty server', { skip: browserSkipReason }, () => {
  let empty: EmptyServer;
  let browser: Browser;
  let org = '';
  let clientId = '';
  let secret = '';
  const other = { clientId: '', secret: '' };
  const userIdOf = async (email: string) => (await empty.server.server.runtime.registry.users.get({ actor: operatorActor }, email)).id;

  before(async () => {
    empty = await startEmptyServer();
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await empty?.stop();
  });

  test('the setup link makes the administrator, who registers the API and invites a viewer and a developer', async () => {
    await withPage(browser, 'connected-app-first-run', async (page) => {
      org = await completeFirstRun(page, empty, admin, 'Field Service Co');
      // The API the app's tokens are for; opaque tokens at first, JWTs later.
      await registerApiInConsole(page, empty, org, { ...contactsApi, allowOfflineAccess: true }, async () => {
        await page.getByLabel('Token format').selectOption('opaque');
      });
      await inviteFromMembersPage(page, empty, org, viewer.email, 'viewer');
      await inviteFromMembersPage(page, empty, org, developer.email, 'developer');
    });
    await acceptInvitation(browser, empty, viewer);
    await acceptInvitation(browser, empty, developer);
    const registry = empty.server.server.runtime.registry;
    const members = await registry.orgs.listMembers({ actor: operatorActor }, org);
    assert.deepEqual(members.map((member) => [member.email, member.role]).sort(), [
      [admin.email, 'owner'],
      [developer.email, 'developer'],
      [viewer.email, 'viewer'],
    ]);
  });

  test('an admin creates the app with several callback URLs and sets device flow, PKCE, secrets, rotation, introspection, ID token and a certificate', async () => {
    await withPage(browser, 'connected-app-admin', async (page) => {
      await signInAs(page, empty, admin);
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
      await page.getByLabel('Client credentials', { exact: true }).check();
      await page.getByLabel('Token exchange (RFC 8693)').check();
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
      await trusted.getByLabel('Subjects', { exact: true }).fill(admin.email);
      await trusted.getByLabel('Scopes', { exact: true }).fill('openid admin:everything');
      await trusted.getByRole('button', { name: 'Trust issuer' }).click();
      await trusted
        .getByText(/admin:everything is not one of the scopes this app may ask for/)
        .first()
        .waitFor();
      await trusted.getByLabel('Scopes', { exact: true }).fill('openid');
      await trusted.getByRole('button', { name: 'Trust issuer' }).click();
      await trusted.getByRole('cell', { name: 'https://idp.partner.example.test', exact: true }).waitFor();
      await trusted.getByRole('cell', { name: admin.email, exact: true }).waitFor();
      await screenshot(page, 'connected-app-02c-trusted-issuer');

      // JWT access tokens are the API's choice of format.
      await page.getByRole('link', { name: 'APIs' }).click();
      await page.getByRole('link', { name: 'Contacts API' }).click();
      await page.getByLabel('Token format').selectOption('jwt');
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.getByText('Saved', { exact: true }).waitFor();
      await screenshot(page, 'connected-app-03-api-jwt');

      // Client credentials reach only the app's own audience + scope pairs.
      await page.getByRole('link', { name: 'OAuth apps', exact: true }).click();
      await page.getByRole('link', { name: 'Field Service Connect' }).click();
      await page.getByRole('link', { name: 'OAuth & scopes' }).click();
      const pairs = page.getByRole('group', { name: 'Client credentials' });
      await pairs.getByLabel('read:contacts', { exact: true }).check();
      await page.getByRole('button', { name: 'Save scopes' }).click();
      await page.getByText('Saved', { exact: true }).waitFor();
      await screenshot(page, 'connected-app-03b-client-credentials');

      // Another app of the organization, whose tokens this one may introspect.
      await page.getByRole('link', { name: 'OAuth apps', exact: true }).click();
      await page.getByRole('link', { name: 'Create New OAuth App' }).first().click();
      await page.getByLabel(/Machine-to-machine/).check();
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByLabel('Name').fill('Reporting job');
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByLabel('read:contacts', { exact: true }).check();
      await page.getByRole('button', { name: 'Create' }).click();
      await page.getByRole('heading', { name: 'Reporting job is ready' }).waitFor();
      other.clientId = await page.getByLabel('Client ID (app ID)', { exact: true }).inputValue();
      other.secret = await page.getByLabel('Client secret', { exact: true }).inputValue();
    });

    const context = { actor: operatorActor };
    const app = await empty.server.server.runtime.registry.apps.get(context, clientId);
    assert.equal(app.settings.redirectUris.length, 3);
    assert.ok(app.settings.grantTypes.includes('urn:ietf:params:oauth:grant-type:device_code'));
    assert.equal(app.settings.security.introspectAllTokens, true);
    assert.equal(app.settings.security.requireVerifiedEmail, true);
    assert.equal(app.settings.refreshToken.requireSecret, true);
    assert.equal(app.settings.idToken.ttlMinutes, 10);
    assert.ok(app.settings.grantTypes.includes('client_credentials') && app.settings.grantTypes.includes(tokenExchange));
    assert.deepEqual(app.settings.apiGrants, [{ audience: apiIdentifier, scopes: ['read:contacts'] }]);
    assert.deepEqual(app.settings.idToken.audiences, [extraAudience]);
    const certificates = await empty.server.server.runtime.registry.apps.listCertificates(context, clientId);
    assert.equal(certificates.length, 1);
    assert.equal(certificates[0]!.alg, 'RS256');
    const trusted = await empty.server.server.runtime.registry.apps.listTrustedIssuers(context, clientId);
    assert.deepEqual(
      trusted.map((relationship) => [relationship.issuer, relationship.subjects, relationship.scopes]),
      [['https://idp.partner.example.test', [admin.email], ['openid']]],
    );
  });

  test('real clients use the app as configured: code flow, refresh rotation, device flow, client credentials, JWT bearer, token exchange, introspection', async () => {
    assert.ok(clientId && secret && other.clientId && other.secret);
    const adminId = await userIdOf(admin.email);
    // PKCE is required: a request without a code challenge is refused.
    const noPkce = await new FormBrowser(empty.issuer).authorize(
      authorizeUrl(empty.issuer, clientId, { code_challenge: null, code_challenge_method: null }),
      admin,
    );
    assert.match(noPkce.headers.get('location') ?? '', /error=invalid_request/);

    // The web server flow with PKCE and the secret, as openid-client runs it; the admin consents.
    const app = { clientId, clientSecret: secret, redirectUri };
    const { configuration, tokens } = await runCodeFlowWithOpenidClient(browser, empty, app, admin, { scope: 'openid offline_access read:contacts' });
    assert.equal(decodeProtectedHeader(tokens.access_token).typ, 'at+jwt', 'a JWT access token (RFC 9068)');
    const access = await verifyAccessToken(configuration, tokens.access_token, apiIdentifier);
    assert.equal(access.sub, adminId);
    assert.equal(access.client_id, clientId);
    const idToken = tokens.claims()!;
    assert.equal(idToken.exp - idToken.iat, 600, 'ID token valid for 10 minutes');
    assert.deepEqual(idToken.aud, [clientId, extraAudience]);
    assert.equal(idToken.sub, adminId);
    assert.equal(idToken.azp, clientId, 'several audiences name the authorized party (OIDC Core §2)');

    // The secret is required for the web server flow too: without it the code is not redeemed.
    const withoutSecretCode = await refusal(runCodeFlowWithOpenidClient(browser, empty, { clientId, redirectUri }, admin, { scope: 'openid read:contacts' }));
    assert.equal(withoutSecretCode.error, 'invalid_client');

    // Refresh: the secret is required, and rotation detects reuse.
    const refreshToken = tokens.refresh_token!;
    const withoutSecret = await refusal(client.refreshTokenGrant(await configurationOf(empty, clientId), refreshToken));
    assert.equal(withoutSecret.status, 401);
    const rotated = await client.refreshTokenGrant(configuration, refreshToken);
    assert.ok(rotated.refresh_token);
    assert.notEqual(rotated.refresh_token, refreshToken);
    assert.equal((await verifyAccessToken(configuration, rotated.access_token, apiIdentifier)).sub, adminId);
    const reused = await refusal(client.refreshTokenGrant(configuration, refreshToken));
    assert.equal(reused.error, 'invalid_grant');
    const familyRevoked = await refusal(client.refreshTokenGrant(configuration, rotated.refresh_token));
    assert.equal(familyRevoked.error, 'invalid_grant', 'reuse revokes the rotated token as well');
    assert.equal((await client.tokenIntrospection(configuration, tokens.access_token)).active, false, 'and the access tokens of the family');

    // Device flow: the device shows a code, the admin approves it on the hosted page, the device's polling gets tokens.
    const device = await runDeviceFlowWithOpenidClient(browser, configuration, admin, { scope: 'openid read:contacts' });
    assert.equal(device.consentHeading, 'Connect Field Service Connect?');
    assert.equal((await verifyAccessToken(configuration, device.tokens.access_token, apiIdentifier)).sub, adminId);
    assert.equal(device.tokens.claims()?.sub, adminId);

    // Client credentials: the app itself, for its audience + scope pair only.
    const machine = await client.clientCredentialsGrant(configuration);
    const machineClaims = await verifyAccessToken(configuration, machine.access_token, apiIdentifier);
    assert.equal(machineClaims.sub, clientId);
    assert.equal(machineClaims.scope, 'read:contacts');
    assert.equal((await refusal(client.clientCredentialsGrant(configuration, { scope: 'write:contacts' }))).error, 'invalid_scope');

    // JWT bearer with the uploaded certificate's key, and no secret: the pre-authorized viewer gets
    // a token, a developer who is neither pre-authorized nor consented does not.
    const key = await importPKCS8(readFileSync('test/fixtures/certificates/rsa-valid.key', 'utf8'), 'RS256');
    const assertionFor = (sub: string) =>
      new SignJWT({ jti: crypto.randomUUID() })
        .setProtectedHeader({ alg: 'RS256' })
        .setIssuer(clientId)
        .setSubject(sub)
        .setAudience(empty.issuer)
        .setExpirationTime('2m')
        .sign(key);
    const keyOnly = await configurationOf(empty, clientId);
    const forViewer = await client.genericGrantRequest(keyOnly, jwtBearer, { assertion: await assertionFor(viewer.email), scope: 'openid read:contacts' });
    assert.equal((await verifyAccessToken(configuration, forViewer.access_token, apiIdentifier)).sub, await userIdOf(viewer.email));
    const forDeveloper = await refusal(
      client.genericGrantRequest(keyOnly, jwtBearer, { assertion: await assertionFor(developer.email), scope: 'openid read:contacts' }),
    );
    assert.equal(forDeveloper.error, 'invalid_grant');

    // Token exchange (RFC 8693): the app trades the admin's token for one that says the app acts for them.
    const exchanged = await client.genericGrantRequest(configuration, tokenExchange, {
      subject_token: device.tokens.access_token,
      subject_token_type: accessTokenType,
      audience: apiIdentifier,
      scope: 'read:contacts',
    });
    assert.equal(exchanged.issued_token_type, accessTokenType);
    const exchangedClaims = await verifyAccessToken(configuration, exchanged.access_token, apiIdentifier);
    assert.equal(exchangedClaims.sub, adminId);
    assert.deepEqual(exchangedClaims.act, { sub: clientId });
    assert.equal(exchangedClaims.scope, 'read:contacts');

    // Introspect all tokens: the other app's token too; the other app sees only its own.
    const otherConfiguration = await configurationOf(empty, other.clientId, other.secret);
    const otherToken = await client.clientCredentialsGrant(otherConfiguration);
    const seen = await client.tokenIntrospection(configuration, otherToken.access_token);
    assert.equal(seen.active, true);
    assert.equal(seen.client_id, other.clientId);
    const seenByOther = await client.tokenIntrospection(otherConfiguration, machine.access_token);
    assert.equal(seenByOther.active, false, 'an app without the setting does not see tokens of another app');
  });

  test('asset tokens: the admin turns them on with a signing certificate; the app trades a user token and a device JWT for one', async () => {
    const certificate = readFileSync('test/fixtures/certificates/ec-valid.pem', 'utf8');
    await withPage(browser, 'connected-app-asset-tokens', async (page) => {
      // Asset tokens need the api scope besides openid: the API gets one, and the app may ask for it.
      await signInAs(page, empty, admin, `/console/orgs/${org}/apis`);
      await page.getByRole('link', { name: 'Contacts API' }).click();
      await page.getByRole('button', { name: '+ Add scope' }).click();
      await page.getByLabel('Scope 3 name').fill('api');
      await page.getByLabel('Scope 3 description').fill('Access and manage your data');
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.getByText('Saved', { exact: true }).waitFor();
      await page.goto(`${empty.issuer}/console/orgs/${org}/apps/${clientId}/oauth`);
      // The allowed scopes come first; the client credentials pairs below list the API's scopes too.
      await page.getByLabel('api', { exact: true }).first().check();
      await page.getByRole('button', { name: 'Save scopes' }).click();
      await page.getByText('Saved', { exact: true }).waitFor();

      await page.getByRole('link', { name: 'Tokens', exact: true }).click();
      const card = page.locator('form', { has: page.getByRole('heading', { name: 'Asset tokens', exact: true }) });
      await card.getByLabel('Enable asset tokens').check();
      await card.getByLabel('Asset token validity (minutes)').fill('30');
      await card.getByLabel('Asset audiences').fill(deviceBackend);
      await card.getByLabel('Custom attributes').fill('{"fleet": "north"}');
      await card.getByRole('button', { name: 'Save changes' }).click();
      await card.getByText('Saved', { exact: true }).waitFor();
      await page.getByRole('textbox', { name: 'Asset signing certificate' }).fill(certificate);
      await page.getByRole('textbox', { name: 'Private key' }).fill(readFileSync('test/fixtures/certificates/ec-valid.key', 'utf8'));
      await page.getByRole('button', { name: 'Save the certificate' }).click();
      await page.getByText(/The asset signing certificate is saved/).waitFor();
      await card.getByLabel('Sign asset tokens with').selectOption('certificate');
      await card.getByRole('button', { name: 'Save changes' }).click();
      await card.getByText('Saved', { exact: true }).waitFor();
      await screenshot(page, 'connected-app-03e-asset-tokens');
    });

    // The device keeps its private key and signs a JWT naming its public key (RFC 7800 §3.2).
    const device = await generateKeyPair('ES256');
    const deviceKey = await exportJWK(device.publicKey);
    const deviceJwt = await new SignJWT({ cnf: { jwk: deviceKey } })
      .setProtectedHeader({ alg: 'ES256' })
      .setIssuedAt()
      .setExpirationTime('2m')
      .sign(device.privateKey);
    // The user signs in to the app, which gets a token with openid and api.
    const { configuration, tokens } = await runCodeFlowWithOpenidClient(browser, empty, { clientId, clientSecret: secret, redirectUri }, admin, {
      scope: 'openid api',
    });
    const issued = await client.genericGrantRequest(configuration, tokenExchange, {
      subject_token: tokens.access_token,
      subject_token_type: accessTokenType,
      actor_token: deviceJwt,
      actor_token_type: jwtTokenType,
      requested_token_type: jwtTokenType,
    });
    assert.equal(issued.issued_token_type, jwtTokenType);
    assert.equal(issued.refresh_token, undefined);
    // The device's backend verifies it with the app's certificate, which the token carries.
    const header = decodeProtectedHeader(issued.access_token);
    assert.equal(header.alg, 'ES256');
    assert.ok(header.x5c?.length, 'signed with the asset signing certificate');
    const { payload } = await jwtVerify(issued.access_token, await importX509(certificate, 'ES256'), { issuer: empty.issuer, audience: deviceBackend });
    assert.equal(payload.sub, await userIdOf(admin.email));
    assert.equal(payload.client_id, clientId);
    assert.equal(payload.exp! - payload.iat!, 30 * 60, 'valid for 30 minutes');
    assert.deepEqual(payload.cnf, { jkt: await calculateJwkThumbprint(deviceKey) }, 'bound to the device key');
    assert.equal(payload.fleet, 'north');
  });

  test('single logout: signing out of the server tells the app in the browser (front-channel) and from the server (back-channel)', async () => {
    const logoutTokens: string[] = [];
    const receiver = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        logoutTokens.push(new URLSearchParams(Buffer.concat(chunks).toString('utf8')).get('logout_token') ?? '');
        response.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const backchannelUri = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/oauth/backchannel-logout`;
    const frontchannelUri = 'https://connect.example.test/oauth/frontchannel-logout';
    const afterLogout = 'https://connect.example.test/signed-out';
    try {
      await withPage(browser, 'connected-app-logout-settings', async (page) => {
        await signInAs(page, empty, admin, `/console/orgs/${org}/apps/${clientId}/basic`);
        await page.getByRole('button', { name: '+ Add post-logout redirect URI' }).click();
        await page.getByLabel('Post-logout redirect URI 1', { exact: true }).fill(afterLogout);
        await page.getByRole('button', { name: 'Save changes' }).click();
        await page.getByText('Saved', { exact: true }).waitFor();
        await page.getByRole('link', { name: 'Logout' }).click();
        await page.getByRole('heading', { name: 'Logout', level: 2 }).waitFor();
        await page.getByLabel('Front-channel logout URL', { exact: true }).fill('http://connect.example.test/oauth/frontchannel-logout');
        await page.getByRole('button', { name: 'Save changes' }).click();
        await page
          .getByText(/must be an https URL/)
          .first()
          .waitFor();
        await page.getByLabel('Front-channel logout URL', { exact: true }).fill(frontchannelUri);
        await page.getByLabel('Add iss and sid to the front-channel logout URL').check();
        await page.getByLabel('Back-channel logout URL', { exact: true }).fill(backchannelUri);
        await page.getByRole('button', { name: 'Save changes' }).click();
        await page.getByText('Saved', { exact: true }).waitFor();
        await screenshot(page, 'connected-app-03d-single-logout');
      });

      // The viewer signs in to the app (pre-authorized: no consent), then signs out from it.
      const framed: URL[] = [];
      await withPage(browser, 'connected-app-single-logout', async (page, context) => {
        let backAtApp: (url: URL) => void = () => undefined;
        const back = new Promise<URL>((resolve) => (backAtApp = resolve));
        // The app is not on the network: its pages are answered here.
        await context.route(
          (url) => url.hostname === 'connect.example.test',
          async (route) => {
            const url = new URL(route.request().url());
            if (url.pathname === new URL(frontchannelUri).pathname) framed.push(url);
            if (url.pathname === new URL(afterLogout).pathname) backAtApp(url);
            await route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>Field Service Connect</title><p>Signed out</p>' });
          },
        );
        const { configuration, tokens } = await runCodeFlowInPage(
          page,
          empty,
          { clientId, clientSecret: secret, redirectUri },
          { scope: 'openid read:contacts' },
          signInOnHostedPage(viewer),
        );
        const sid = tokens.claims()?.sid;
        assert.ok(typeof sid === 'string', 'the ID token names the session (Front-Channel Logout §3)');
        const logout = client.buildEndSessionUrl(configuration, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: afterLogout, state: 'bye' });
        await page.goto(logout.href);
        const confirm = page.getByRole('heading', { name: 'Sign out?' });
        if (await Promise.race([back.then(() => false), confirm.waitFor().then(() => true)])) await page.getByRole('button', { name: 'Sign out' }).click();
        assert.equal((await back).href, `${afterLogout}?state=bye`, 'back at the app, with its state');
        assert.equal(framed.length, 1, 'the signed-out page loaded the front-channel logout URL once');
        assert.equal(framed[0]!.searchParams.get('iss'), empty.issuer);
        assert.equal(framed[0]!.searchParams.get('sid'), sid);

        // The back-channel logout token, verified as the app would (Back-Channel Logout §2.6).
        const deadline = Date.now() + 10_000;
        while (logoutTokens.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
        assert.equal(logoutTokens.length, 1, 'one logout token was delivered');
        const jwks = createRemoteJWKSet(new URL(configuration.serverMetadata().jwks_uri!));
        const { payload } = await jwtVerify(logoutTokens[0]!, jwks, { issuer: empty.issuer, audience: clientId, typ: 'logout+jwt' });
        assert.equal(payload.sid, sid);
        assert.equal(payload.sub, await userIdOf(viewer.email));
        assert.deepEqual(payload.events, { 'http://schemas.openid.net/event/backchannel-logout': {} });
        assert.equal(payload.nonce, undefined, 'no nonce, so it can not pass for an ID token');
      });
    } finally {
      await new Promise((resolve) => receiver.close(resolve));
    }
  });

  test('a developer may change the app and rotate its secret, but not delete it or pre-authorize users', async () => {
    let rotated = '';
    await withPage(browser, 'connected-app-developer', async (page) => {
      await signInAs(page, empty, developer);
      await page.getByRole('heading', { name: 'OAuth apps' }).waitFor();
      assert.ok((await page.getByRole('link', { name: 'Create New OAuth App' }).count()) > 0, 'developers create apps');
      await page.getByRole('link', { name: 'Field Service Connect' }).click();
      await page.getByLabel('Description').fill('Connects the field service tablets and the dispatch desk to the CRM.');
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.getByText('Saved', { exact: true }).waitFor();

      await page.getByRole('link', { name: 'Advanced' }).click();
      const preAuthorizations = page.getByRole('region', { name: 'Pre-authorized users' });
      await preAuthorizations.getByRole('cell', { name: 'every viewer', exact: true }).waitFor();
      assert.equal(await preAuthorizations.getByRole('button', { name: 'Pre-authorize' }).count(), 0, 'only owners and admins pre-authorize');
      assert.equal(await preAuthorizations.getByRole('button', { name: /^Remove the pre-authorization/ }).isDisabled(), true);

      await page.getByRole('link', { name: 'OAuth & scopes' }).click();
      await page.getByRole('button', { name: 'Refresh client secret' }).click();
      const confirm = page.getByRole('dialog', { name: 'Generate a new client secret?' });
      await confirm.getByLabel('The current secret stops working').selectOption({ label: 'Immediately' });
      await confirm.getByRole('button', { name: 'Generate new client secret' }).click();
      const shown = page.getByRole('dialog', { name: 'Your new client secret' });
      rotated = await shown.getByTestId('new-client-secret').inputValue();
      await shown.getByRole('button', { name: 'Close' }).first().click();
      await shown.waitFor({ state: 'hidden' });

      await page.getByRole('link', { name: 'Lifecycle' }).click();
      const remove = page.getByRole('button', { name: 'Delete app' });
      assert.equal(await remove.isDisabled(), true, 'only owners and admins delete apps');
      assert.equal(await remove.getAttribute('title'), 'Your role (developer) may not do this');
      await screenshot(page, 'connected-app-03c-developer-lifecycle');
    });
    const app = await empty.server.server.runtime.registry.apps.get({ actor: operatorActor }, clientId);
    assert.match(app.description ?? '', /dispatch desk/);
    // The rotated secret works at once; the one it replaced does not.
    const configuration = await configurationOf(empty, clientId, rotated);
    const token = await client.clientCredentialsGrant(configuration);
    assert.equal((await verifyAccessToken(configuration, token.access_token, apiIdentifier)).sub, clientId);
    const stale = await refusal(client.clientCredentialsGrant(await configurationOf(empty, clientId, secret)));
    assert.deepEqual(stale, { error: 'invalid_client', status: 401 });
  });

  test('a viewer sees the settings but every control that would change them is disabled, and the API refuses them', async () => {
    await withPage(browser, 'connected-app-viewer', async (page) => {
      await signInAs(page, empty, viewer);
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
    const app = await empty.server.server.runtime.registry.apps.get({ actor: operatorActor }, clientId);
    assert.equal(app.settings.security.introspectAllTokens, true, 'nothing changed');
  });
});
