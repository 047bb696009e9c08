// A person invited from the console's Members page, with self sign-up off (the default), follows an
// app's authorization URL that carries `organization` and `invitation`, and creates their account
// right on the hosted sign-in page: the address is the invited one, the account joins with the
// invited role, and the app gets its code. The console's invitation link is never opened.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { consolePaths, paths } from '../../src/contracts/paths.js';
import { operatorActor } from '../../src/domain/access/actor.js';
import { browserSkipReason, launchChromium, screenshot } from '../support/browser.js';
import { withPage } from './console-helpers.js';
import { signUpWithInvitationOnHostedPages } from './console-replay-steps.js';
import {
  completeFirstRun,
  inviteFromMembersPage,
  runCodeFlowThroughHostedPages,
  startEmptyServer,
  type EmptyServer,
  type Person,
} from './from-empty-server.js';

if (browserSkipReason) console.log(`# ${browserSkipReason}`);

const redirectUri = 'https://portal.example.test/callback';
const admin: Person = { email: 'ada@acme.example', name: 'Ada Admin', password: 'correct horse battery staple' };
/** Invited by email; has no account yet. */
const invitee: Person = { email: 'nina@acme.example', name: 'Nina Newcomer', password: 'saffron ladder pebble 8' };

describe('an invitee signs up on the hosted sign-in page with self sign-up off', { skip: browserSkipReason }, () => {
  let empty: EmptyServer;
  let browser: Browser;

  before(async () => {
    empty = await startEmptyServer();
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await empty?.stop();
  });

  test('invited from the Members page, they follow the app to the sign-in page, create the invited account there, and the app gets tokens', async () => {
    const registry = empty.server.server.runtime.registry;
    const operator = { actor: operatorActor };
    let org = '';
    await withPage(browser, 'invitation-sign-up-admin', async (page) => {
      org = await completeFirstRun(page, empty, admin, 'Acme Portal');
      await inviteFromMembersPage(page, empty, org, invitee.email, 'developer');
    });
    // The app itself is made behind the console's back: other walks register apps on its pages.
    const orgId = (await registry.orgs.get(operator, org)).id;
    const { app, clientSecret } = await registry.apps.create(operator, orgId, {
      name: 'Team Portal',
      type: 'web',
      redirectUris: [redirectUri],
      scopes: ['openid', 'email'],
    });
    // The app got the token from its own invitation flow and forwards it with its organization.
    const invitation = new URL(await empty.smtp.mailedLink(invitee.email, consolePaths.invitation)).searchParams.get('token');
    assert.ok(invitation, 'the mailed link carries the invitation');
    const appRef = { clientId: app.clientId, redirectUri, ...(clientSecret ? { clientSecret } : {}) };

    let consentText = '';
    const { tokens } = await runCodeFlowThroughHostedPages(
      browser,
      empty,
      appRef,
      { scope: 'openid email', organization: org, invitation },
      signUpWithInvitationOnHostedPages(invitee, { organization: 'Acme Portal', role: 'developer' }),
      async (page) => {
        consentText = (await page.locator('body').textContent()) ?? '';
        await screenshot(page, 'invitation-sign-up-consent');
      },
    );
    assert.match(consentText, /Signing in accepted your invitation: you are now a member of Acme Portal/);

    const user = await registry.users.get(operator, invitee.email);
    assert.equal(user.emailVerified, true, 'the invitation proved the address');
    const memberships = await empty.server.server.runtime.storage.organizations.listMembershipsOfUser(user.id);
    assert.deepEqual(
      memberships.map((membership) => [membership.orgId, membership.role]),
      [[orgId, 'developer']],
    );
    const claims = tokens.claims()!;
    assert.equal(claims.sub, user.id);
    assert.equal(claims.email, invitee.email);
    assert.equal(claims.email_verified, true);

    // The invitation is used: the same URL offers no sign-up any more (sign-up is off).
    await withPage(browser, 'invitation-sign-up-used', async (page) => {
      const url = new URL(empty.issuer + paths.authorization);
      url.search = new URLSearchParams({
        client_id: app.clientId,
        redirect_uri: redirectUri,
        response_type: 'code',
        scope: 'openid',
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        code_challenge_method: 'S256',
        organization: org,
        invitation,
      }).toString();
      await page.goto(url.href);
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
      assert.equal(await page.getByRole('link', { name: 'Create an account' }).count(), 0);
    });
  });
});
