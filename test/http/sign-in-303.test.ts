import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { operatorActor } from '../../src/domain/access/actor.js';
import { authorizeUrl, obtainCode, redeem } from '../support/flows.js';
import { FormBrowser, hiddenField, oauthFixture, redirectUri, type OAuthFixture } from '../support/oauth.js';

/**
 * After the sign-in form is POSTed, the browser goes on with 303 See Other, so that it follows with a
 * GET: a 307 would make it re-POST the password to the client (RFC 9700 §4.12). These cases answer
 * the sign-in POST with the client's redirect URI directly, with no consent page in between.
 */
describe('the sign-in POST answers 303 straight to the client when no consent page is needed (RFC 9700 §4.12)', () => {
  let fixture: OAuthFixture;

  before(async () => {
    fixture = await oauthFixture();
  });
  after(() => fixture.stop());

  /** Opens the authorization request in a fresh browser and POSTs the sign-in form; returns that POST's answer. */
  async function signIn(url: URL): Promise<Response> {
    const browser = new FormBrowser(fixture.issuer);
    const start = await browser.get(url);
    const pageUrl = start.headers.get('location');
    assert.match(pageUrl ?? '', /\/interaction\//, 'sent to the sign-in page');
    const html = await (await browser.get(pageUrl!)).text();
    assert.match(html, /name="password"/);
    return browser.post(`${pageUrl}/login`, { csrf: hiddenField(html, 'csrf')!, email: fixture.user.email, password: fixture.user.password });
  }

  function assertSeeOtherToClient(response: Response): URLSearchParams {
    assert.equal(response.status, 303, 'See Other, never 302 or 307');
    const location = response.headers.get('location') ?? '';
    assert.ok(location.startsWith(`${redirectUri}?`), `straight to the client's redirect URI, not ${location}`);
    return new URL(location).searchParams;
  }

  test('consent remembered from an earlier authorization of the same scopes', async () => {
    const app = await fixture.createApp({ name: 'Remembered', type: 'web', redirectUris: [redirectUri], scopes: ['openid', 'profile'] });
    // The first time, in one browser, the user consents on the consent page.
    await obtainCode(fixture, app.clientId, { scope: 'openid profile' });
    // The second time, in a new browser: sign in only, and the code comes back from the sign-in POST.
    const params = assertSeeOtherToClient(await signIn(authorizeUrl(fixture.issuer, app.clientId, { scope: 'openid profile' })));
    assert.match(params.get('code') ?? '', /^lk_ac_/);
    assert.equal(params.get('state'), 'state-1');
    assert.equal(params.get('iss'), fixture.issuer);
  });

  test('consent skipped for an app an operator marked first-party', async () => {
    const registry = fixture.server.server.runtime.registry;
    const { app, clientSecret } = await registry.apps.create({ actor: operatorActor }, fixture.orgId, {
      name: 'First party',
      type: 'web',
      redirectUris: [redirectUri],
      scopes: ['openid', 'profile'],
      security: { firstParty: true },
    });
    assert.equal(app.settings.security.firstParty, true);
    const verifier = 'a-verifier-of-enough-length-for-rfc-7636-section-4-1-abcdef';
    const params = assertSeeOtherToClient(await signIn(authorizeUrl(fixture.issuer, app.clientId, { scope: 'openid profile' }, verifier)));
    const code = params.get('code');
    assert.match(code ?? '', /^lk_ac_/);
    const tokens = await redeem(fixture, { code: code!, verifier }, app.clientId, clientSecret);
    assert.equal(tokens.status, 200, 'the code is a real one');
  });

  test('an error found after sign-in (not a member of the organization) also goes back with 303', async () => {
    const registry = fixture.server.server.runtime.registry;
    await registry.orgs.create({ actor: operatorActor }, { name: 'closed-team' });
    const { app } = await registry.apps.create({ actor: operatorActor }, fixture.orgId, {
      name: 'Org app',
      type: 'web',
      redirectUris: [redirectUri],
      scopes: ['openid'],
      security: { firstParty: true },
    });
    const params = assertSeeOtherToClient(await signIn(authorizeUrl(fixture.issuer, app.clientId, { organization: 'closed-team' })));
    assert.equal(params.get('error'), 'access_denied');
    assert.equal(params.get('iss'), fixture.issuer);

    // A name no organization has goes the same way, step for step: nothing tells the names apart.
    const unknown = assertSeeOtherToClient(await signIn(authorizeUrl(fixture.issuer, app.clientId, { organization: 'no-such-team' })));
    assert.deepEqual(
      [unknown.get('error'), unknown.get('error_description')],
      [params.get('error'), params.get('error_description')],
      'the same answer as for an organization the user is not a member of',
    );
  });

  test("an organization the user can't join answers exactly as a name no organization has, invitation or not", async () => {
    const registry = fixture.server.server.runtime.registry;
    const team = await registry.orgs.create({ actor: operatorActor }, { name: 'invite-only' });
    const { token: othersInvitation } = await registry.orgs.invite({ actor: operatorActor }, team.id, { email: 'someone-else@example.test', role: 'viewer' });
    const { app } = await registry.apps.create({ actor: operatorActor }, fixture.orgId, {
      name: 'Joining app',
      type: 'web',
      redirectUris: [redirectUri],
      scopes: ['openid'],
      security: { firstParty: true },
    });
    const answers = [];
    for (const extra of [
      { organization: 'invite-only' },
      { organization: 'invite-only', invitation: 'not-an-invitation' },
      { organization: 'invite-only', invitation: othersInvitation },
      { organization: 'no-such-org', invitation: 'not-an-invitation' },
      { organization: 'no-such-org', invitation: othersInvitation },
      { organization: `${team.id}x` },
    ]) {
      const params = assertSeeOtherToClient(await signIn(authorizeUrl(fixture.issuer, app.clientId, extra)));
      answers.push({ error: params.get('error'), description: params.get('error_description') });
    }
    assert.equal(answers[0]!.error, 'access_denied');
    for (const answer of answers) assert.deepEqual(answer, answers[0], 'one answer for every organization the user is not in');
    assert.equal(
      await registry.orgs.listMembers({ actor: operatorActor }, team.id).then((members) => members.some((member) => member.email === fixture.user.email)),
      false,
    );
  });
});
