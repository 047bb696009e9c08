import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { operatorActor } from '../../src/domain/access/actor.js';
import { queuedMails } from '../support/mailbox.js';
import type { MailVariables } from '../../src/domain/mail/outgoing-mail.js';
import { authorizeUrl, obtainCode, postForm, redeem, tokenUrl } from '../support/flows.js';
import { apiIdentifier, FormBrowser, hiddenField, oauthFixture, redirectUri, type OAuthFixture } from '../support/oauth.js';

const deviceGrant = 'urn:ietf:params:oauth:grant-type:device_code';
const jwtBearer = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const tokenExchange = 'urn:ietf:params:oauth:grant-type:token-exchange';
const accessTokenType = 'urn:ietf:params:oauth:token-type:access_token';
const privateRule = /private to its organization/;

describe('a private app serves only its organization', () => {
  let fixture: OAuthFixture;
  let web: { clientId: string; clientSecret: string | null };
  let tv: { clientId: string; clientSecret: string | null };
  let counter = 0;
  const operator = { actor: operatorActor };
  const registry = () => fixture.server.server.runtime.registry;
  const outsider = () => fixture.createUser(`outsider-${++counter}@example.test`);

  before(async () => {
    fixture = await oauthFixture({ inProcess: true });
    web = await fixture.createApp({
      name: 'Team Portal',
      type: 'web',
      redirectUris: [redirectUri],
      grantTypes: ['authorization_code', 'refresh_token'],
      scopes: ['openid', 'offline_access'],
    });
    tv = await fixture.createApp({ name: 'Team TV', type: 'device', scopes: ['openid'] });
  });
  after(() => fixture.stop());

  async function signIn(user: { email: string; password: string }, clientId = web.clientId, extra: Record<string, string> = {}) {
    const browser = new FormBrowser(fixture.issuer, fixture.fetch);
    const response = await browser.authorize(authorizeUrl(fixture.issuer, clientId, { scope: 'openid offline_access', ...extra }), user);
    assert.equal(response.status, 303, await response.clone().text());
    return { browser, callback: new URL(response.headers.get('location')!) };
  }

  test('someone with an account who is not a member gets access_denied at the redirect URI, naming the rule (RFC 6749 §4.1.2.1)', async () => {
    const stranger = await outsider();
    const { callback } = await signIn(stranger);
    assert.equal(`${callback.origin}${callback.pathname}`, redirectUri);
    assert.equal(callback.searchParams.get('error'), 'access_denied');
    assert.match(callback.searchParams.get('error_description') ?? '', privateRule);
    assert.equal(callback.searchParams.get('state'), 'state-1');
    assert.equal(callback.searchParams.get('iss'), fixture.issuer);
    assert.equal(callback.searchParams.get('code'), null);
  });

  test('a session of a non-member gets no code either, with or without prompt=none', async () => {
    const stranger = await outsider();
    const { browser } = await signIn(stranger);
    for (const extra of [{}, { prompt: 'none' }]) {
      const again = await browser.authorize(authorizeUrl(fixture.issuer, web.clientId, extra));
      const params = new URL(again.headers.get('location')!).searchParams;
      assert.equal(params.get('error'), 'access_denied');
      assert.match(params.get('error_description') ?? '', privateRule);
    }
  });

  test('a member of the organization gets a code and tokens', async () => {
    const code = await obtainCode(fixture, web.clientId, { scope: 'openid offline_access' });
    const tokens = await redeem(fixture, code, web.clientId, web.clientSecret);
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
  });

  test('a person the organization invited joins by signing in with the invitation, and gets a code', async () => {
    const invitee = await outsider();
    await registry().orgs.invite(operator, 'default', { email: invitee.email, role: 'viewer' });
    const mail = (await queuedMails(fixture.server.server.runtime.storage, invitee.email))[0]!;
    const token = new URL((mail.variables as MailVariables['invitation']).link).searchParams.get('token')!;
    const { callback } = await signIn(invitee, web.clientId, { invitation: token, organization: fixture.orgId });
    assert.ok(callback.searchParams.get('code'), callback.toString());
    assert.equal((await fixture.server.server.runtime.storage.organizations.getMembership(fixture.orgId, invitee.id))?.role, 'viewer');
  });

  test('the consent page says that signing in with the invitation made the user a member', async () => {
    const invitee = await outsider();
    await registry().orgs.invite(operator, 'default', { email: invitee.email, role: 'viewer' });
    const mail = (await queuedMails(fixture.server.server.runtime.storage, invitee.email))[0]!;
    const token = new URL((mail.variables as MailVariables['invitation']).link).searchParams.get('token')!;
    const browser = new FormBrowser(fixture.issuer, fixture.fetch);
    const consentPage = async (url: URL) => {
      let response = await browser.get(url);
      for (let location = response.headers.get('location'); location && browser.isOurs(new URL(location, fixture.issuer).toString());) {
        response = await browser.get(new URL(location, fixture.issuer));
        location = response.headers.get('location');
      }
      let html = await response.text();
      if (html.includes('name="password"')) {
        const action = /<form method="post" action="([^"]+)"/.exec(html)![1]!;
        response = await browser.post(action, { csrf: hiddenField(html, 'csrf')!, email: invitee.email, password: invitee.password });
        response = await browser.get(new URL(response.headers.get('location')!, fixture.issuer));
        html = await response.text();
      }
      assert.match(html, /name="decision"/, 'the consent page');
      return html;
    };
    const withInvitation = await consentPage(
      authorizeUrl(fixture.issuer, web.clientId, { scope: 'openid offline_access', invitation: token, organization: fixture.orgId }),
    );
    const { displayName } = await registry().orgs.get(operator, 'default');
    assert.match(
      withInvitation,
      new RegExp(`Signing in accepted your invitation: you are now a member of <strong>${displayName}</strong>`),
      'by the name people know it by',
    );
    const later = await consentPage(authorizeUrl(fixture.issuer, web.clientId, { scope: 'openid offline_access' }));
    assert.doesNotMatch(later, /accepted your invitation/, 'only when an invitation was accepted');
  });

  test('an invitation to another address admits no one', async () => {
    const stranger = await outsider();
    await registry().orgs.invite(operator, 'default', { email: `someone-else-${counter}@example.test`, role: 'viewer' });
    const mail = (await queuedMails(fixture.server.server.runtime.storage, `someone-else-${counter}@example.test`))[0]!;
    const token = new URL((mail.variables as MailVariables['invitation']).link).searchParams.get('token')!;
    const { callback } = await signIn(stranger, web.clientId, { invitation: token, organization: fixture.orgId });
    assert.equal(callback.searchParams.get('error'), 'access_denied');
  });

  test('a person a server administrator pre-authorized for the app gets a code without being a member', async () => {
    const guest = await outsider();
    await registry().preAuthorizations.create(operator, web.clientId, { user: guest.id, scopes: ['openid'] });
    const { callback } = await signIn(guest);
    assert.ok(callback.searchParams.get('code'), callback.toString());
  });

  test('a public app, once approved, serves anyone with an account', async () => {
    const { app } = await registry().apps.create(operator, fixture.orgId, {
      name: 'Everyone Portal',
      type: 'web',
      visibility: 'public',
      redirectUris: [redirectUri],
      scopes: ['openid'],
    });
    await registry().apps.transition(operator, app.clientId, 'submit');
    await registry().apps.transition(operator, app.clientId, 'approve');
    const { callback } = await signIn(await outsider(), app.clientId, { scope: 'openid' });
    assert.ok(callback.searchParams.get('code'), callback.toString());
  });

  test('a member removed from the organization can no longer refresh the private app’s tokens', async () => {
    const member = await outsider();
    await registry().orgs.putMember(operator, 'default', { userId: member.id, role: 'viewer' });
    const browser = new FormBrowser(fixture.issuer, fixture.fetch);
    const code = await obtainCode({ ...fixture, user: member }, web.clientId, { scope: 'openid offline_access' }, browser);
    const tokens = await redeem(fixture, code, web.clientId, web.clientSecret);
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
    const refresh = () =>
      postForm(
        tokenUrl(fixture),
        { grant_type: 'refresh_token', refresh_token: String(tokens.body.refresh_token) },
        { basic: [web.clientId, web.clientSecret!], fetch: fixture.fetch },
      );
    const first = await refresh();
    assert.equal(first.status, 200, JSON.stringify(first.body));
    await registry().orgs.removeMember(operator, 'default', member.id);
    const refused = await postForm(
      tokenUrl(fixture),
      { grant_type: 'refresh_token', refresh_token: String(first.body.refresh_token) },
      { basic: [web.clientId, web.clientSecret!], fetch: fixture.fetch },
    );
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error, 'invalid_grant');
    assert.match(String(refused.body.error_description), privateRule);
  });

  test('a member removed from the organization gets no JWT bearer token, though their consent remains', async () => {
    const member = await outsider();
    await registry().orgs.putMember(operator, 'default', { userId: member.id, role: 'viewer' });
    const sync = await fixture.createApp({
      name: 'Team Sync',
      type: 'web',
      redirectUris: [redirectUri],
      grantTypes: ['authorization_code', jwtBearer],
      scopes: ['openid'],
    });
    const keys = await generateKeyPair('ES256', { extractable: true });
    await registry().apps.addCertificate(operator, sync.clientId, JSON.stringify(await exportJWK(keys.publicKey)));
    // The member's own consent, given at a sign-in, is what authorizes the assertions (RFC 7523 §2.1).
    await obtainCode({ ...fixture, user: member }, sync.clientId);
    const grant = async () => {
      const now = Math.floor(Date.now() / 1000);
      const assertion = await new SignJWT({ iss: sync.clientId, sub: member.email, aud: fixture.issuer, iat: now, exp: now + 60, jti: crypto.randomUUID() })
        .setProtectedHeader({ alg: 'ES256' })
        .sign(keys.privateKey);
      return postForm(tokenUrl(fixture), { grant_type: jwtBearer, assertion, scope: 'openid' }, { fetch: fixture.fetch });
    };
    assert.equal((await grant()).status, 200);
    await registry().orgs.removeMember(operator, 'default', member.id);
    const refused = await grant();
    assert.equal(refused.body.error, 'invalid_grant');
    assert.match(String(refused.body.error_description), privateRule);
  });

  test("a private app can't exchange the token of someone outside its organization (RFC 8693)", async () => {
    const everyone = await fixture.createPublicApp({
      name: 'Everyone Contacts',
      type: 'web',
      redirectUris: [redirectUri],
      scopes: ['openid', 'read:contacts'],
    });
    const gateway = await fixture.createApp({
      name: 'Team Gateway',
      type: 'm2m',
      grantTypes: [tokenExchange],
      apiGrants: [{ audience: apiIdentifier, scopes: ['read:contacts'] }],
    });
    const tokenOf = async (user: OAuthFixture['user']) => {
      const code = await obtainCode({ ...fixture, user }, everyone.clientId, { scope: 'openid read:contacts', audience: apiIdentifier });
      return String((await redeem(fixture, code, everyone.clientId, everyone.clientSecret)).body.access_token);
    };
    const exchange = (subjectToken: string) =>
      postForm(
        tokenUrl(fixture),
        { grant_type: tokenExchange, subject_token: subjectToken, subject_token_type: accessTokenType, audience: apiIdentifier, scope: 'read:contacts' },
        { basic: [gateway.clientId, gateway.clientSecret!], fetch: fixture.fetch },
      );
    const refused = await exchange(await tokenOf(await outsider()));
    assert.equal(refused.body.error, 'invalid_grant');
    assert.match(String(refused.body.error_description), privateRule);
    assert.equal((await exchange(await tokenOf(fixture.user))).status, 200, 'a member’s token is exchanged');
  });

  async function deviceApproval(user: { email: string; password: string }) {
    const started = await postForm(`${fixture.issuer}/oauth2/device_authorization`, { client_id: tv.clientId, scope: 'openid' }, { fetch: fixture.fetch });
    assert.equal(started.status, 200);
    const userCode = String(started.body.user_code);
    const browser = new FormBrowser(fixture.issuer, fixture.fetch);
    const csrf = hiddenField(await (await browser.get(`${fixture.issuer}/device?user_code=${userCode}`)).text(), 'csrf')!;
    await browser.post(`${fixture.issuer}/device`, { csrf, user_code: userCode });
    const login = await browser.post(`${fixture.issuer}/device/login`, { csrf, user_code: userCode, ...user });
    assert.equal(login.status, 303);
    const confirm = await browser.get(new URL(login.headers.get('location')!));
    const decided = await browser.post(`${fixture.issuer}/device/consent`, { csrf, user_code: userCode, decision: 'allow' });
    const poll = await postForm(
      tokenUrl(fixture),
      { grant_type: deviceGrant, device_code: String(started.body.device_code), client_id: tv.clientId },
      { fetch: fixture.fetch },
    );
    return { confirm: await confirm.text(), decided, decidedText: await decided.text(), poll };
  }

  test('at the device verification page a non-member is told the app is private, and the device gets access_denied', async () => {
    const { confirm, decided, decidedText, poll } = await deviceApproval(await outsider());
    assert.match(confirm, privateRule, 'the confirmation page says so before anything is allowed');
    assert.doesNotMatch(confirm, /value="allow"/, 'and offers nothing to allow');
    assert.equal(decided.status, 403);
    assert.match(decidedText, privateRule);
    assert.equal(poll.status, 400);
    assert.equal(poll.body.error, 'access_denied');
  });

  test('at the device verification page a member connects the device', async () => {
    const { poll } = await deviceApproval(fixture.user);
    assert.equal(poll.status, 200, JSON.stringify(poll.body));
  });
});
