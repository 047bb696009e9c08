import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { operatorActor } from '../../src/domain/access/actor.js';
import type { MailVariables } from '../../src/domain/mail/outgoing-mail.js';
import { queuedMails } from '../support/mailbox.js';
import { FormBrowser, hiddenField, oauthFixture, type OAuthFixture } from '../support/oauth.js';

describe('an invitation mail and its link', () => {
  let fixture: OAuthFixture;

  before(async () => {
    // Sign-up is off: the invitation lets its invitee create an account all the same.
    // Request logging on (info), to check that no invitation token reaches the log.
    fixture = await oauthFixture({ inProcess: true, logLevel: 'info', env: { LATCHKEY_SIGN_UP_ENABLED: 'false' } });
  });
  after(() => fixture.stop());

  const tokensSeen: string[] = [];

  const runtime = () => fixture.server.server.runtime;

  async function invite(email: string, role = 'developer'): Promise<string> {
    await runtime().registry.orgs.invite({ actor: operatorActor }, 'default', { email, role });
    const mails = await queuedMails(runtime().storage, email);
    assert.equal(mails.length, 1, 'one invitation mail queued with the invitation');
    const mail = mails[0]!;
    assert.equal(mail.template, 'invitation');
    const variables = mail.variables as MailVariables['invitation'];
    assert.equal(variables.organization, 'Default organization');
    assert.equal(variables.role, role);
    assert.equal(variables.expiresInDays, 7);
    assert.ok(variables.link.startsWith(`${fixture.issuer}/console/invitation?token=lk_inv_`), variables.link);
    tokensSeen.push(new URL(variables.link).searchParams.get('token')!);
    return variables.link;
  }

  test('an invitation that is refused queues no mail', async () => {
    await assert.rejects(runtime().registry.orgs.invite({ actor: operatorActor }, 'default', { email: 'not-an-address', role: 'viewer' }));
    assert.deepEqual(await queuedMails(runtime().storage, 'not-an-address'), []);
  });

  test('an invitee without an account creates one for the invited address from the link, joins, and is signed in', async () => {
    const link = await invite('new.person@example.test');
    const browser = new FormBrowser(fixture.issuer, fixture.fetch);
    const page = await browser.get(link);
    const html = await page.text();
    assert.equal(page.status, 200, html);
    assert.match(html, /Join Default organization/);
    assert.match(html, /value="new.person@example.test" readonly/);
    const form = { csrf: hiddenField(html, 'csrf')!, token: new URL(link).searchParams.get('token')!, name: 'New Person' };

    const weak = await browser.post(`${fixture.issuer}/console/invitation`, { ...form, password: 'short' });
    assert.equal(weak.status, 400);
    assert.match(await weak.text(), /Password must be at least 8 characters/);
    assert.equal(await runtime().storage.users.getByEmail('new.person@example.test'), undefined);

    // The address is the invited one, whatever the form sends.
    const created = await browser.post(`${fixture.issuer}/console/invitation`, {
      ...form,
      email: 'someone.else@example.test',
      password: 'a long invitee passphrase',
    });
    assert.equal(created.status, 303);
    assert.equal(created.headers.get('location'), '/console/');
    assert.ok(browser.cookies.has('lk_session'));
    const user = await runtime().storage.users.getByEmail('new.person@example.test');
    assert.ok(user);
    assert.equal(user.emailVerified, true);
    assert.equal(user.isAdmin, false);
    assert.equal((await runtime().storage.organizations.getMembership(fixture.orgId, user.id))?.role, 'developer');
    assert.equal(await runtime().storage.users.getByEmail('someone.else@example.test'), undefined);

    const again = await fixture.fetch(link);
    assert.equal(again.status, 410);
    assert.match(await again.text(), /Invitation already accepted/);
  });

  test('an invitee with an account is sent to sign in, and signing in accepts the invitation', async () => {
    const bob = await fixture.createUser('bob@example.test');
    const link = await invite(bob.email, 'viewer');
    const browser = new FormBrowser(fixture.issuer, fixture.fetch);
    const html = await (await browser.get(link)).text();
    assert.doesNotMatch(html, /name="password"/, 'no account form for an address that has an account');
    const signIn = /href="([^"]+)">Sign in and join/.exec(html)?.[1]?.replaceAll('&amp;', '&');
    assert.ok(signIn);
    // The console's sign-in carries the invitation into the authorization request.
    const login = await browser.get(signIn);
    const authorize = new URL(login.headers.get('location')!);
    assert.equal(authorize.searchParams.get('invitation'), new URL(link).searchParams.get('token'));
    assert.equal(authorize.searchParams.get('organization'), fixture.orgId);
    const interaction = (await browser.get(authorize)).headers.get('location')!;
    const form = await (await browser.get(interaction)).text();
    const done = await browser.post(`${interaction}/login`, { csrf: hiddenField(form, 'csrf')!, email: bob.email, password: bob.password });
    assert.equal(done.status, 303);
    assert.equal((await runtime().storage.organizations.getMembership(fixture.orgId, bob.id))?.role, 'viewer');
  });

  test('no invitation token reaches the log, whether in the link or in the sign-in that carries it', () => {
    assert.ok(tokensSeen.length >= 2);
    assert.match(fixture.server.logs.text, /console\/invitation\?token=\[REDACTED\]/);
    assert.match(fixture.server.logs.text, /invitation=\[REDACTED\]/);
    for (const token of tokensSeen) {
      // Without SMTP a development server writes each mail to its log instead of sending it: that
      // line carries the link by design; every other line must not.
      const line = fixture.server.logs.lines.find((entry) => entry.includes(token) && !entry.includes('mail not sent (development)'));
      assert.equal(line, undefined, 'an invitation token in the log');
    }
  });

  test('an unknown invitation link says what to do and changes nothing', async () => {
    const response = await fixture.fetch(`${fixture.issuer}/console/invitation?token=lk_inv_nothing`);
    assert.equal(response.status, 404);
    assert.match(await response.text(), /Unknown invitation[\s\S]*send the invitation again/);
  });
});
