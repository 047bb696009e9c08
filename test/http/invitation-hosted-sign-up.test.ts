import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeJwt } from 'jose';
import { operatorActor } from '../../src/domain/access/actor.js';
import type { Role } from '../../src/ports/org-repositories.js';
import { authorizeUrl, newVerifier, redeem } from '../support/flows.js';
import { FormBrowser, hiddenField, oauthFixture, redirectUri, type OAuthFixture } from '../support/oauth.js';
import { fakeClock } from '../support/protocol.js';

const strongPassword = 'plum kettle orbit 42';
const operator = { actor: operatorActor };

/** The "Create an account" link of a sign-in page, or undefined when the page offers none. */
function signUpLink(html: string): string | undefined {
  return /<a href="([^"]+)">Create an account<\/a>/.exec(html)?.[1]?.replaceAll('&amp;', '&');
}

/** The parts of an OAuth fixture these tests use, with its server's registry and storage. */
function helpers(fixture: () => OAuthFixture) {
  const runtime = () => fixture().server.server.runtime;
  return {
    runtime,
    invite: async (email: string, role: Role = 'developer', org = 'default'): Promise<{ token: string; invitationId: string }> => {
      const { token, invitation } = await runtime().registry.orgs.invite(operator, org, { email, role });
      return { token, invitationId: invitation.id };
    },
    /** Starts an authorization in a fresh browser and opens its sign-in page. */
    signInPage: async (clientId: string, extra: Record<string, string>) => {
      const browser = new FormBrowser(fixture().issuer, fixture().fetch);
      const verifier = newVerifier();
      const response = await browser.get(authorizeUrl(fixture().issuer, clientId, { scope: 'openid email', ...extra }, verifier));
      assert.equal(response.status, 302, await response.clone().text());
      const interaction = response.headers.get('location')!;
      const page = await browser.get(interaction);
      assert.equal(page.status, 200);
      return { browser, verifier, interaction, html: await page.text() };
    },
  };
}

describe('sign-up with an invitation on the hosted sign-in page, self sign-up off', () => {
  const clock = fakeClock(Date.UTC(2026, 5, 1, 12));
  let fixture: OAuthFixture;
  let app: { clientId: string; clientSecret: string | null };
  const { runtime, invite, signInPage } = helpers(() => fixture);

  before(async () => {
    fixture = await oauthFixture({ inProcess: true, clock, env: { LATCHKEY_SIGN_UP_ENABLED: 'false' } });
    // Private: it serves members only, so a code proves the invitation made the new account one.
    app = await fixture.createApp({ name: 'Team Portal', type: 'web', redirectUris: [redirectUri], scopes: ['openid', 'email'] });
  });
  after(() => fixture?.stop());

  test('the invitee creates the invited account, verified and a member with the invited role, and the app gets a code it redeems', async () => {
    const { token } = await invite('new.hire@example.test', 'developer');
    const { browser, verifier, interaction, html } = await signInPage(app.clientId, { organization: fixture.orgId, invitation: token });
    const link = signUpLink(html);
    assert.equal(link, `${interaction}/signup`, 'the sign-in page offers sign-up although sign-up is off');

    const formPage = await browser.get(link);
    const form = await formPage.text();
    assert.equal(formPage.status, 200, form);
    assert.match(form, /You are invited to join <strong>Default organization<\/strong> as <strong>developer<\/strong>/);
    assert.match(form, /value="new.hire@example.test" readonly/, 'the invited address, read-only');
    assert.doesNotMatch(form, /name="email"/, 'the form posts no address');
    const csrf = hiddenField(form, 'csrf')!;

    const weak = await browser.post(link, { csrf, name: 'New Hire', password: 'short' });
    assert.equal(weak.status, 400);
    assert.match(await weak.text(), /The password must be at least 8 characters/);
    const noName = await browser.post(link, { csrf, name: ' ', password: strongPassword });
    assert.equal(noName.status, 400);
    assert.match(await noName.text(), /The name must be 1 to 100 characters/);
    assert.equal(await runtime().storage.users.getByEmail('new.hire@example.test'), undefined, 'a refused form creates nothing');

    const created = await browser.post(link, { csrf, email: 'intruder@example.test', name: 'New Hire', password: strongPassword });
    assert.equal(created.status, 303, await created.clone().text());
    assert.ok(browser.cookies.has('lk_session'), 'signed in');
    const user = await runtime().storage.users.getByEmail('new.hire@example.test');
    assert.ok(user, 'the account of the invited address');
    assert.equal(user.emailVerified, true);
    assert.equal(user.name, 'New Hire');
    assert.equal(await runtime().storage.users.getByEmail('intruder@example.test'), undefined, 'the posted address is ignored');
    assert.equal((await runtime().storage.organizations.getMembership(fixture.orgId, user.id))?.role, 'developer');
    const invitations = await runtime().storage.organizations.listInvitations(fixture.orgId);
    assert.ok(invitations.find((invitation) => invitation.email === 'new.hire@example.test')?.acceptedAt, 'the invitation is used');

    // Consent comes next, and says the sign-in accepted the invitation.
    const consent = await browser.get(new URL(created.headers.get('location')!, fixture.issuer));
    const consentHtml = await consent.text();
    assert.match(consentHtml, /Signing in accepted your invitation: you are now a member of <strong>Default organization<\/strong>/);
    const allowed = await browser.post(`${interaction}/consent`, { csrf: hiddenField(consentHtml, 'csrf')!, decision: 'allow' });
    let location = new URL(allowed.headers.get('location')!, fixture.issuer);
    while (browser.isOurs(location.toString())) {
      const next = await browser.get(location);
      location = new URL(next.headers.get('location')!, fixture.issuer);
    }
    const code = location.searchParams.get('code');
    assert.ok(code, location.toString());
    const tokens = await redeem(fixture, { code, verifier }, app.clientId, app.clientSecret);
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
    const claims = decodeJwt(tokens.body.id_token as string);
    assert.equal(claims.sub, user.id);
    assert.equal(claims.email, 'new.hire@example.test');
    assert.equal(claims.email_verified, true);

    const audit = await runtime().storage.audit.list({ orgId: null, targetId: user.id, offset: 0, limit: 10 });
    assert.ok(audit.items.some((row) => row.action === 'user.created' && (row.changes as { via?: string }).via === 'invitation'));
  });

  test('an invitation is used once: a form opened before it was used, and a new sign-in with it, create nothing', async () => {
    const { token } = await invite('twice@example.test', 'viewer');
    const first = await signInPage(app.clientId, { organization: fixture.orgId, invitation: token });
    const second = await signInPage(app.clientId, { organization: fixture.orgId, invitation: token });
    const firstForm = await (await first.browser.get(`${first.interaction}/signup`)).text();
    const secondForm = await (await second.browser.get(`${second.interaction}/signup`)).text();
    const done = await first.browser.post(`${first.interaction}/signup`, { csrf: hiddenField(firstForm, 'csrf')!, name: 'Twice', password: strongPassword });
    assert.equal(done.status, 303);
    const user = await runtime().storage.users.getByEmail('twice@example.test');
    assert.ok(user);

    const again = await second.browser.post(`${second.interaction}/signup`, {
      csrf: hiddenField(secondForm, 'csrf')!,
      name: 'Twice Again',
      password: 'another fine passphrase',
    });
    assert.equal(again.status, 404);
    assert.match(await again.text(), /Sign-up is off/);
    assert.equal((await runtime().storage.users.getByEmail('twice@example.test'))?.name, 'Twice', 'the account is unchanged');
    assert.equal(second.browser.cookies.has('lk_session'), false, 'no one is signed in');

    const later = await signInPage(app.clientId, { organization: fixture.orgId, invitation: token });
    assert.equal(signUpLink(later.html), undefined, 'a used invitation offers no sign-up');
  });

  test('without an invitation, or with one that does not hold, the sign-in page offers no sign-up and the sign-up page answers as sign-up off', async () => {
    const plain = await signInPage(app.clientId, {});
    assert.equal(signUpLink(plain.html), undefined);
    const off = await plain.browser.get(`${plain.interaction}/signup`);
    assert.equal(off.status, 404);
    const offHtml = await off.text();
    assert.match(offHtml, /Sign-up is off/);

    const revoked = await invite('revoked@example.test');
    await runtime().registry.orgs.revokeInvitation(operator, 'default', revoked.invitationId);
    const otherOrg = await runtime().registry.orgs.create(operator, { name: 'other-co', displayName: 'Other Co' });
    const elsewhere = await invite('elsewhere@example.test', 'developer', otherOrg.id);
    const cases: [string, Record<string, string>][] = [
      ['unknown token', { organization: fixture.orgId, invitation: `lk_inv_${'x'.repeat(43)}` }],
      ['malformed token', { organization: fixture.orgId, invitation: 'not-a-token' }],
      ['revoked', { organization: fixture.orgId, invitation: revoked.token }],
      ['for another organization', { organization: fixture.orgId, invitation: elsewhere.token }],
      ['unknown organization', { organization: 'no-such-org', invitation: elsewhere.token }],
    ];
    for (const [label, extra] of cases) {
      const page = await signInPage(app.clientId, extra);
      assert.equal(signUpLink(page.html), undefined, label);
      const form = await page.browser.get(`${page.interaction}/signup`);
      assert.equal(form.status, 404, label);
      assert.equal(await form.text(), offHtml, `${label}: the same page as without an invitation`);
      const posted = await page.browser.post(`${page.interaction}/signup`, {
        csrf: hiddenField(page.html, 'csrf')!,
        email: 'sneaky@example.test',
        name: 'Sneaky',
        password: strongPassword,
      });
      assert.equal(posted.status, 404, label);
      assert.equal(await posted.text(), offHtml, label);
    }
    for (const email of ['revoked@example.test', 'elsewhere@example.test', 'sneaky@example.test']) {
      assert.equal(await runtime().storage.users.getByEmail(email), undefined, `no account for ${email}`);
    }
  });

  test('an invitation of an address that has an account offers sign-in, not sign-up', async () => {
    const existing = await fixture.createUser('has.account@example.test');
    const { token } = await invite(existing.email);
    const page = await signInPage(app.clientId, { organization: fixture.orgId, invitation: token });
    assert.equal(signUpLink(page.html), undefined);
    assert.equal((await page.browser.get(`${page.interaction}/signup`)).status, 404);
  });

  test('an expired invitation offers no sign-up', async () => {
    const { token } = await invite('late@example.test');
    clock.advance(8 * 24 * 3600_000);
    const page = await signInPage(app.clientId, { organization: fixture.orgId, invitation: token });
    assert.equal(signUpLink(page.html), undefined);
    assert.equal((await page.browser.get(`${page.interaction}/signup`)).status, 404);
    assert.equal(await runtime().storage.users.getByEmail('late@example.test'), undefined);
  });
});

describe('sign-up with an invitation on the hosted sign-in page, self sign-up on', () => {
  let fixture: OAuthFixture;
  let app: { clientId: string; clientSecret: string | null };
  const { runtime, invite, signInPage } = helpers(() => fixture);

  before(async () => {
    fixture = await oauthFixture({ inProcess: true, env: { LATCHKEY_SIGN_UP_ENABLED: 'true' } });
    app = await fixture.createApp({ name: 'Team Portal', type: 'web', redirectUris: [redirectUri], scopes: ['openid', 'email'] });
  });
  after(() => fixture?.stop());

  test('the usual sign-up link leads to the invited address, fixed, and creating the account accepts the invitation and signs in', async () => {
    const { token } = await invite('joiner@example.test', 'viewer');
    const { browser, interaction, html } = await signInPage(app.clientId, { organization: fixture.orgId, invitation: token });
    const link = signUpLink(html);
    assert.equal(link, `${fixture.issuer}/account/signup?interaction=${interaction.split('/').at(-1)}`, 'the sign-up link of every sign-in page');
    const redirected = await browser.get(link);
    assert.equal(redirected.status, 303);
    const formUrl = redirected.headers.get('location')!;
    const form = await (await browser.get(formUrl)).text();
    assert.match(form, /value="joiner@example.test" readonly/);
    const created = await browser.post(formUrl, {
      csrf: hiddenField(form, 'csrf')!,
      email: 'other@example.test',
      name: 'Joiner',
      password: strongPassword,
    });
    assert.equal(created.status, 303, 'signed in at once: no verification mail to wait for');
    const user = await runtime().storage.users.getByEmail('joiner@example.test');
    assert.ok(user);
    assert.equal(user.emailVerified, true);
    assert.equal((await runtime().storage.organizations.getMembership(fixture.orgId, user.id))?.role, 'viewer');
    assert.equal(await runtime().storage.users.getByEmail('other@example.test'), undefined);
  });

  test('without an invitation the sign-up form is the usual one, its address editable', async () => {
    const { browser, html } = await signInPage(app.clientId, {});
    const redirected = await browser.get(signUpLink(html)!);
    const form = await (await browser.get(redirected.headers.get('location')!)).text();
    assert.match(form, /name="email"/);
    assert.doesNotMatch(form, /readonly/);
  });
});
