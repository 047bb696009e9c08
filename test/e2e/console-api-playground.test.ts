// From an empty server, in the console: the first-run setup, an API that allows offline access, a
// native app, and the authorization code flow with PKCE in the console's flow playground: verifier
// and challenge, the authorize URL with audience and offline_access, the code, the token request,
// the decoded tokens, a Bearer call to the API and a refresh with a smaller scope. Then namespaced
// custom claims on the Advanced tab, an invitation from the Members page, and openid-client running
// the app for the invitee with `audience`, `organization` and `invitation`: they sign up, the
// invitation makes them a member, and the API verifies the Bearer tokens it gets.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as client from 'openid-client';
import type { Browser, Request } from 'playwright-core';
import { consolePaths } from '../../src/contracts/paths.js';
import { operatorActor } from '../../src/domain/access/actor.js';
import { browserSkipReason, launchChromium, screenshot, screenshotDir } from '../support/browser.js';
import { jwtPayload, signInToConsole, withPage } from './console-helpers.js';
import { signUpWithInvitationOnHostedPages, verifyAccessToken } from './console-replay-steps.js';
import {
  completeFirstRun,
  inviteFromMembersPage,
  runCodeFlowThroughHostedPages,
  startEmptyServer,
  type EmptyServer,
  type Person,
} from './from-empty-server.js';

if (browserSkipReason) console.log(`# ${browserSkipReason}`);

const notesApi = 'https://notes.example.test';
const rolesClaim = 'https://notes.example.test/roles';
const loopback = 'http://127.0.0.1/callback';
const admin: Person = { email: 'ada@acme.example', name: 'Ada Admin', password: 'correct horse battery staple' };
/** Invited to the organization by email; has no account yet. */
const invitee: Person = { email: 'ivan@acme.example', name: 'Ivan Invitee', password: 'granite willow cobalt 9' };

describe('an API with offline access, a native app, and the flow playground', { skip: browserSkipReason }, () => {
  let empty: EmptyServer;
  let browser: Browser;
  let org = '';
  let clientId = '';
  const as = (person: Person) => ({ issuer: empty.issuer, user: person });

  before(async () => {
    // Sign-up on: the invitee creates their account on the sign-in page the app sends them to.
    empty = await startEmptyServer({ LATCHKEY_SIGN_UP_ENABLED: 'true' });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await empty?.stop();
  });

  test('register the API and the app, then run code + PKCE, call the API and refresh with a smaller scope', async () => {
    const apiCalls: { authorization: string; url: string }[] = [];
    await withPage(
      browser,
      'api-playground-playground',
      async (page, context) => {
        // The API's own server, stood in for by the test: it records the Bearer token it gets.
        await context.route(`${notesApi}/**`, async (route) => {
          const request: Request = route.request();
          const cors = { 'access-control-allow-origin': new URL(empty.issuer).origin, 'access-control-allow-headers': 'authorization', vary: 'origin' };
          if (request.method() === 'OPTIONS') return route.fulfill({ status: 204, headers: cors });
          apiCalls.push({ authorization: (await request.allHeaders()).authorization ?? '', url: request.url() });
          return route.fulfill({ status: 200, headers: cors, contentType: 'application/json', body: JSON.stringify({ notes: [{ id: 1, text: 'Buy milk' }] }) });
        });

        org = await completeFirstRun(page, empty, admin, 'Acme Notes');
        // Register the API: its identifier is the audience; it allows offline access.
        await page.getByRole('link', { name: 'APIs' }).click();
        await page.getByRole('link', { name: 'Register an API' }).click();
        await page.getByLabel('Identifier').fill(notesApi);
        await page.getByLabel('Name', { exact: true }).fill('Notes API');
        await page.getByLabel('Scope 1 name').fill('read:notes');
        await page.getByLabel('Scope 1 description').fill('Read your notes');
        await page.getByRole('button', { name: '+ Add scope' }).click();
        await page.getByLabel('Scope 2 name').fill('write:notes');
        await page.getByLabel('Scope 2 description').fill('Change your notes');
        await page.getByLabel('Allow offline access').check();
        await page.getByLabel('Token format').selectOption('jwt');
        await page.getByLabel('Access token TTL (minutes)').fill('15');
        await screenshot(page, 'api-playground-01-register-api');
        await page.getByRole('button', { name: 'Register API' }).click();
        await page.getByRole('heading', { name: 'Notes API' }).waitFor();

        // A native app with the authorization code grant and refresh tokens.
        await page.getByRole('link', { name: 'OAuth apps' }).click();
        await page.getByRole('link', { name: 'Create New OAuth App' }).first().click();
        await page.getByLabel(/Native\/Mobile app/).check();
        await page.getByRole('button', { name: 'Continue' }).click();
        await page.getByLabel('Name').fill('Notes for iOS');
        await page.getByRole('button', { name: 'Continue' }).click();
        await page.getByLabel('Redirect URI 1', { exact: true }).fill('com.example.notes:/callback');
        // Chromium hands a private-use scheme to the OS, out of the test's sight: the run with a real
        // client below comes back on a loopback URI, any port (RFC 8252 §7.3).
        await page.getByRole('button', { name: '+ Add redirect URI' }).click();
        await page.getByLabel('Redirect URI 2', { exact: true }).fill(loopback);
        await page.getByRole('button', { name: 'Continue' }).click();
        await page.getByRole('button', { name: 'Continue' }).click();
        await page.getByLabel('Issue a refresh token').check();
        await page.getByRole('button', { name: 'Continue' }).click();
        await page.getByLabel('read:notes', { exact: true }).check();
        await page.getByLabel('write:notes', { exact: true }).check();
        await page.getByRole('button', { name: 'Continue' }).click();
        await page.getByRole('button', { name: 'Create' }).click();
        await page.getByRole('heading', { name: 'Notes for iOS is ready' }).waitFor();
        clientId = await page.getByLabel('Client ID (app ID)', { exact: true }).inputValue();
        await page.getByRole('link', { name: 'Continue' }).click();

        // The playground: its redirect URI is added to the app first.
        await page.getByRole('link', { name: 'Playground' }).click();
        await page.getByText("The playground's redirect URI is not registered for this app.").waitFor();
        await page.getByRole('button', { name: 'Add this redirect URI to the app' }).click();
        await page.getByText("The playground's redirect URI is not registered for this app.").waitFor({ state: 'hidden' });
        await page.getByLabel('Scope', { exact: true }).fill('openid offline_access read:notes write:notes');
        await page.getByLabel('Audience').selectOption(notesApi);

        // Create the code verifier and challenge.
        await page.getByRole('button', { name: 'Generate code verifier' }).click();
        const verifier = (await page.getByTestId('code-verifier').textContent())!.trim();
        const challenge = (await page.getByTestId('code-challenge').textContent())!.trim();
        assert.match(verifier, /^[A-Za-z0-9_-]{43,128}$/);
        assert.equal(challenge, createHash('sha256').update(verifier).digest('base64url'), 'S256 (RFC 7636 §4.2)');
        const authorizeTable = page.getByRole('table', { name: 'Authorization request parameters' });
        assert.equal(
          await authorizeTable
            .getByRole('row', { name: /code_challenge_method/ })
            .getByRole('cell')
            .nth(1)
            .textContent(),
          'S256',
        );
        assert.equal(
          await authorizeTable
            .getByRole('row', { name: /^audience/ })
            .getByRole('cell')
            .nth(1)
            .textContent(),
          notesApi,
        );
        await screenshot(page, 'api-playground-02-pkce');
        await page.getByRole('region', { name: /Create a code verifier/ }).screenshot({ path: join(screenshotDir, 'api-playground-02a-verifier.png') });
        await page.getByRole('region', { name: /Authorize the user/ }).screenshot({ path: join(screenshotDir, 'api-playground-02b-authorize-url.png') });

        // Authorize: signed in already (the console's sign-in), so Latchkey asks for consent.
        await page.getByRole('button', { name: 'Sign in and authorize' }).click();
        await page.getByRole('heading', { name: 'Notes for iOS wants access to your account' }).waitFor();
        await screenshot(page, 'api-playground-03-consent');
        await page.getByRole('button', { name: 'Allow' }).click();
        await page.waitForURL(new RegExp(`/console/orgs/${org}/apps/${clientId}/playground$`));
        const code = (await page.getByTestId('authorization-code').textContent())!.trim();
        assert.match(code, /^lk_ac_/);
        await page.getByText('✓ matches the state sent').waitFor();
        await page.getByText(`✓ ${empty.issuer}`).waitFor();
        assert.equal(new URL(page.url()).search, '', 'the code left the address bar');

        // Request tokens.
        await page.getByRole('button', { name: 'Exchange the code for tokens' }).click();
        const tokenResponse = page.getByLabel('Token response');
        await tokenResponse.waitFor();
        const tokens = JSON.parse((await tokenResponse.textContent())!) as Record<string, string>;
        assert.ok(tokens.access_token && tokens.id_token && tokens.refresh_token, 'access, ID and refresh tokens');
        assert.match((await page.getByLabel('Token request').textContent())!, /code_verifier=/);
        const accessPayload = JSON.parse((await page.getByLabel('Access token payload').textContent())!) as Record<string, unknown>;
        assert.equal(accessPayload.aud, notesApi);
        assert.equal(accessPayload.scope, 'openid offline_access read:notes write:notes');
        const idPayload = JSON.parse((await page.getByLabel('ID token payload').textContent())!) as Record<string, unknown>;
        assert.equal(idPayload.aud, clientId);
        const adminId = (await empty.server.server.runtime.registry.users.get({ actor: operatorActor }, admin.email)).id;
        assert.equal(idPayload.sub, adminId);
        await screenshot(page, 'api-playground-04-tokens');
        await page.getByRole('region', { name: /Request tokens/ }).screenshot({ path: join(screenshotDir, 'api-playground-04a-token-request.png') });
        await page.getByRole('region', { name: /Decoded tokens/ }).screenshot({ path: join(screenshotDir, 'api-playground-04b-decoded.png') });

        // Call the API with the Bearer token: first the userinfo endpoint (the default), then the Notes API.
        const url = page.getByLabel('API URL');
        assert.equal(await url.inputValue(), `${empty.issuer}/oauth2/userinfo`);
        await page.getByRole('button', { name: 'Call the API' }).click();
        const userinfo = JSON.parse((await page.getByLabel('API response').textContent())!) as Record<string, unknown>;
        assert.equal(userinfo.sub, adminId);
        await url.fill(`${notesApi}/notes`);
        await page.getByRole('button', { name: 'Call the API' }).click();
        await page.getByLabel('API response').getByText('Buy milk').waitFor();
        assert.equal(apiCalls.length, 1);
        assert.equal(apiCalls[0]!.authorization, `Bearer ${tokens.access_token}`);

        // Refresh with a smaller scope.
        await page.getByLabel('Scope for the refresh').fill('openid read:notes');
        await page.getByRole('button', { name: 'Refresh tokens' }).click();
        const refreshed = JSON.parse((await page.getByLabel('Refresh response').textContent())!) as Record<string, string>;
        assert.equal(refreshed.scope, 'openid read:notes');
        assert.ok(refreshed.refresh_token && refreshed.refresh_token !== tokens.refresh_token, 'rotated');
        assert.match((await page.getByLabel('Refresh request').textContent())!, /grant_type=refresh_token/);
        await page.getByRole('button', { name: 'Call the API' }).click();
        for (let wait = 0; wait < 50 && apiCalls.length < 2; wait += 1) await page.waitForTimeout(100);
        assert.equal(apiCalls.length, 2);
        assert.equal(apiCalls[1]!.authorization, `Bearer ${refreshed.access_token}`);
        assert.equal(jwtPayload(refreshed.access_token!).scope, 'openid read:notes', 'the API gets the down-scoped token');
        await screenshot(page, 'api-playground-05-refresh');
        await page.getByRole('region', { name: /Call an API/ }).screenshot({ path: join(screenshotDir, 'api-playground-05a-call-api.png') });
        await page.getByRole('region', { name: /Refresh the tokens/ }).screenshot({ path: join(screenshotDir, 'api-playground-05b-refresh-step.png') });
      },
      // The console's Content-Security-Policy (connect-src 'self', set by the server) stops the browser
      // from calling APIs on other origins; the test lifts it to reach the stand-in API. See docs/console.md.
      { bypassCSP: true },
    );
    const app = await empty.server.server.runtime.registry.apps.get({ actor: operatorActor }, clientId);
    assert.ok(app.settings.redirectUris.includes(`${empty.issuer}/console/playground/callback`));
  });

  test('with the console as served (its CSP on), a call to an API on another origin is explained, not silently lost', async () => {
    await withPage(
      browser,
      'api-playground-csp',
      async (page) => {
        const blocked: string[] = [];
        page.on('console', (message) => {
          if (/Content Security Policy/.test(message.text())) blocked.push(message.text());
        });
        await signInToConsole(page, as(admin), admin, `/console/orgs/${org}/apps/${clientId}/playground`);
        // The audience defaults to the API whose scopes the app holds.
        const audience = page.getByLabel('Audience');
        for (let wait = 0; wait < 50 && (await audience.inputValue()) !== notesApi; wait += 1) await page.waitForTimeout(100);
        assert.equal(await audience.inputValue(), notesApi);
        await page.getByRole('button', { name: 'Generate code verifier' }).click();
        await page.getByRole('button', { name: 'Sign in and authorize' }).click();
        // Consent for the scopes not allowed before (profile, email), then back with a code.
        const back = page.waitForURL(new RegExp(`/apps/${clientId}/playground$`));
        const allow = page.getByRole('button', { name: 'Allow' });
        if ((await Promise.race([back.then(() => 'back'), allow.waitFor().then(() => 'consent')])) === 'consent') await allow.click();
        await back;
        await page.getByRole('button', { name: 'Exchange the code for tokens' }).click();
        await page.getByLabel('API URL').fill(`${notesApi}/notes`);
        await page.getByRole('button', { name: 'Call the API' }).click();
        await page.getByText(/connect-src 'self'/).waitFor();
        await page.getByText(/curl -H "Authorization: Bearer <access token>"/).waitFor();
        assert.ok(blocked.length > 0);
      },
      {},
      { allowCspReports: true },
    );
  });

  test('custom claims, an invitation from the Members page, and openid-client with audience, organization and invitation', async () => {
    assert.ok(clientId, 'the app was created');
    await withPage(browser, 'api-playground-invite', async (page) => {
      await signInToConsole(page, as(admin), admin, `/console/orgs/${org}/apps/${clientId}/advanced`);
      // Namespaced custom claims (OIDC Core §5.1.2) in ID tokens and JWT access tokens; a bare name is refused.
      const claims = page.getByLabel('Custom claims (JSON)');
      await claims.fill('{"roles": ["reader"]}');
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page
        .getByText(/custom claim names must be namespaced/)
        .first()
        .waitFor();
      assert.equal(await claims.getAttribute('aria-invalid'), 'true', 'the message is next to the field');
      assert.deepEqual((await empty.server.server.runtime.registry.apps.get({ actor: operatorActor }, clientId)).settings.customClaims, {});
      await claims.fill(JSON.stringify({ [rolesClaim]: ['reader'] }));
      await page.getByLabel('Include custom claims').check();
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.getByText('Saved', { exact: true }).waitFor();
      await screenshot(page, 'api-playground-06-custom-claims');
      await inviteFromMembersPage(page, empty, org, invitee.email, 'viewer');
    });
    // The app forwards the invitation it got to the authorization request, with its organization.
    const invitation = new URL(await empty.smtp.mailedLink(invitee.email, consolePaths.invitation)).searchParams.get('token');
    assert.ok(invitation, 'the mailed link carries the invitation');

    // The Notes API's server: it takes a Bearer token, verifies it, and answers with the caller's notes.
    const seen: { sub: unknown; scope: unknown; roles: unknown }[] = [];
    let configuration: client.Configuration | undefined;
    const notes: Server = createServer((request, response) => {
      const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
      void (bearer && configuration ? verifyAccessToken(configuration, bearer, notesApi) : Promise.reject(new Error('no token'))).then(
        (claims) => {
          seen.push({ sub: claims.sub, scope: claims.scope, roles: claims[rolesClaim] });
          response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ notes: [{ id: 1, text: 'Buy milk' }] }));
        },
        () => response.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' }).end(),
      );
    });
    await new Promise<void>((resolve) => notes.listen(0, '127.0.0.1', resolve));
    const notesUrl = `http://127.0.0.1:${(notes.address() as AddressInfo).port}/notes`;
    try {
      let consentText = '';
      const run = await runCodeFlowThroughHostedPages(
        browser,
        empty,
        { clientId, redirectUri: 'http://127.0.0.1:61203/callback' },
        { scope: 'openid offline_access read:notes write:notes', audience: notesApi, organization: org, invitation },
        signUpWithInvitationOnHostedPages(invitee, { organization: 'Acme Notes', role: 'viewer' }),
        async (page) => {
          consentText = (await page.locator('body').textContent()) ?? '';
          await screenshot(page, 'api-playground-07-invitation-consent');
        },
      );
      configuration = run.configuration;
      const { tokens } = run;
      assert.match(consentText, /Signing in accepted your invitation: you are now a member of Acme Notes/);
      const registry = empty.server.server.runtime.registry;
      const user = await registry.users.get({ actor: operatorActor }, invitee.email);
      const memberships = await empty.server.server.runtime.storage.organizations.listMembershipsOfUser(user.id);
      assert.deepEqual(
        memberships.map((membership) => membership.role),
        ['viewer'],
        'the invitation made them a member, with the invited role',
      );

      assert.ok(tokens.refresh_token, 'offline access: a refresh token');
      assert.equal(tokens.scope, 'openid offline_access read:notes write:notes');
      const idToken = tokens.claims()!;
      assert.equal(idToken.sub, user.id);
      assert.deepEqual(idToken[rolesClaim], ['reader'], 'the custom claim in the ID token');

      // A Bearer call to the API.
      const call = (token: string) => fetch(notesUrl, { headers: { authorization: `Bearer ${token}` } });
      const first = await call(tokens.access_token);
      assert.equal(first.status, 200);
      assert.deepEqual(await first.json(), { notes: [{ id: 1, text: 'Buy milk' }] });
      assert.deepEqual(seen[0], { sub: user.id, scope: 'openid offline_access read:notes write:notes', roles: ['reader'] });
      assert.equal((await call(`${tokens.access_token}x`)).status, 401, 'the API refuses a token it cannot verify');

      // Refresh with a smaller scope: the API gets the down-scoped token.
      const refreshed = await client.refreshTokenGrant(configuration, tokens.refresh_token, { scope: 'openid read:notes' });
      assert.equal(refreshed.scope, 'openid read:notes');
      assert.ok(refreshed.id_token, 'openid was kept: a new ID token');
      assert.equal((await call(refreshed.access_token)).status, 200);
      assert.deepEqual(seen[1], { sub: user.id, scope: 'openid read:notes', roles: ['reader'] });
    } finally {
      notes.close();
    }
  });
});
