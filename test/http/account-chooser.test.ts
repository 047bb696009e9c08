import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as client from 'openid-client';
import { FormBrowser, hiddenField, oauthFixture, openIdCodeFlow, redirectUri, type OAuthFixture } from '../support/oauth.js';

const insecure = { execute: [client.allowInsecureRequests] };

/** The account chooser of prompt=select_account (OIDC Core §3.1.2.1) over the browser's sessions. */
describe('prompt=select_account: the account chooser', () => {
  let fixture: OAuthFixture;
  let configuration: client.Configuration;
  let other: { id: string; email: string; password: string };

  before(async () => {
    fixture = await oauthFixture();
    const app = await fixture.createApp({ name: 'Chooser RP', type: 'web', redirectUris: [redirectUri], postLogoutRedirectUris: [redirectUri] });
    configuration = await client.discovery(new URL(fixture.issuer), app.clientId, undefined, client.ClientSecretBasic(app.clientSecret!), insecure);
    other = await fixture.createMember('chooser-other@example.test');
  });
  after(() => fixture.stop());

  /** Starts an authorization request and follows it to the hosted page it stops at. */
  async function pageOf(browser: FormBrowser, parameters: Record<string, string>): Promise<{ html: string; url: string }> {
    const url = client.buildAuthorizationUrl(configuration, {
      redirect_uri: redirectUri,
      scope: 'openid',
      code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
      ...parameters,
    });
    let response = await browser.get(url);
    while (response.status >= 300 && response.status < 400) {
      const location = new URL(response.headers.get('location')!, fixture.issuer);
      if (!browser.isOurs(location.toString())) return { html: '', url: location.toString() };
      response = await browser.get(location);
    }
    return { html: await response.text(), url: response.url };
  }

  /** The sid the chooser posts for the account shown with `email`. */
  function sidOf(html: string, email: string): string | undefined {
    const buttons = [...html.matchAll(/<button type="submit" name="sid" value="([^"]+)" class="account">([\s\S]*?)<\/button>/g)];
    return buttons.find((button) => button[2]!.includes(email))?.[1];
  }

  async function choose(browser: FormBrowser, html: string, sid: string): Promise<Response> {
    const action = /<form method="post" action="([^"]+)" class="account-chooser">/.exec(html)?.[1];
    assert.ok(action, 'the chooser form');
    let response = await browser.post(action, { csrf: hiddenField(html, 'csrf')!, sid });
    while (response.status >= 300 && response.status < 400) {
      const location = new URL(response.headers.get('location')!, fixture.issuer);
      if (!browser.isOurs(location.toString())) return response;
      response = await browser.get(location);
    }
    return response;
  }

  test('lists the signed-in account; signing in with another keeps both; choosing one answers for it without a password', async () => {
    const browser = new FormBrowser(fixture.issuer, fixture.fetch);
    const first = (await openIdCodeFlow(fixture, configuration, { browser })).claims()!;
    assert.equal(first.sub, fixture.user.id);

    const chooser = await pageOf(browser, { prompt: 'select_account' });
    assert.match(chooser.html, /Choose an account/);
    assert.ok(sidOf(chooser.html, fixture.user.email), 'the current account is offered');
    assert.match(chooser.html, /name="password"/, 'and a sign-in with another account');

    // "Use another account": signing in as someone else adds them; the first session stays.
    const second = (await openIdCodeFlow(fixture, configuration, { browser, login: other, parameters: { prompt: 'select_account' } })).claims()!;
    assert.equal(second.sub, other.id);
    assert.notEqual(second.sid, first.sid);

    const both = await pageOf(browser, { prompt: 'select_account' });
    assert.ok(sidOf(both.html, other.email), 'the current account');
    const firstSid = sidOf(both.html, fixture.user.email);
    assert.equal(firstSid, first.sid, 'and the one kept from before');
    assert.ok(both.html.indexOf(other.email) < both.html.indexOf(fixture.user.email), 'current first');

    const answered = await choose(browser, both.html, firstSid!);
    const callback = new URL(answered.headers.get('location')!);
    assert.ok(callback.searchParams.get('code'), `a code: ${answered.status}`);

    // The chosen session is current now: prompt=none answers for it, with its own sid and sign-in time.
    const silent = (await openIdCodeFlow(fixture, configuration, { browser, parameters: { prompt: 'none' } })).claims()!;
    assert.equal(silent.sub, fixture.user.id);
    assert.equal(silent.sid, first.sid);
    assert.equal(silent.auth_time, first.auth_time, 'no new authentication');
  });

  test("a session of another browser, or an unknown sid, can't be chosen", async () => {
    const elsewhere = new FormBrowser(fixture.issuer, fixture.fetch);
    const theirs = (await openIdCodeFlow(fixture, configuration, { browser: elsewhere, login: other })).claims()!;
    const browser = new FormBrowser(fixture.issuer, fixture.fetch);
    await openIdCodeFlow(fixture, configuration, { browser });
    const chooser = await pageOf(browser, { prompt: 'select_account' });
    for (const sid of [theirs.sid as string, 'no-such-session']) {
      const refused = await choose(browser, chooser.html, sid);
      assert.equal(refused.status, 400);
      assert.match(await refused.text(), /no longer signed in on this browser/);
    }
  });

  test('without select_account, a sign-in as another user still replaces the session; logout ends only the current account', async () => {
    const browser = new FormBrowser(fixture.issuer, fixture.fetch);
    const first = await openIdCodeFlow(fixture, configuration, { browser });
    await openIdCodeFlow(fixture, configuration, { browser, login: other, parameters: { prompt: 'login' } });
    const afterReplace = await pageOf(browser, { prompt: 'select_account' });
    assert.equal(sidOf(afterReplace.html, fixture.user.email), undefined, 'the replaced session is gone');

    const kept = await openIdCodeFlow(fixture, configuration, { browser, parameters: { prompt: 'select_account' } });
    assert.equal(kept.claims()!.sub, fixture.user.id);
    const loggedOut = await browser.get(client.buildEndSessionUrl(configuration, { id_token_hint: kept.id_token!, post_logout_redirect_uri: redirectUri }));
    assert.equal(loggedOut.status, 302);
    const remaining = await pageOf(browser, { prompt: 'select_account' });
    assert.equal(sidOf(remaining.html, fixture.user.email), undefined);
    assert.ok(sidOf(remaining.html, other.email), 'the other account stays signed in');
    assert.ok(first.id_token);
  });
});
