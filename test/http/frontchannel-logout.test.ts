import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as client from 'openid-client';
import { AccountBrowser } from '../support/account.js';
import { FormBrowser, oauthFixture, redirectUri, type OAuthFixture } from '../support/oauth.js';

const insecure = { execute: [client.allowInsecureRequests] };
const postLogoutRedirectUri = 'https://client.example.test/signed-out';

/** The iframes of a page, their src as the browser reads them (entities decoded). */
function iframeSources(html: string): string[] {
  return [...html.matchAll(/<iframe src="([^"]+)"/g)].map((match) => match[1]!.replaceAll('&amp;', '&'));
}

describe('OpenID Connect Front-Channel Logout', () => {
  let fixture: OAuthFixture;
  let counter = 0;

  before(async () => {
    fixture = await oauthFixture({ inProcess: true });
  });
  after(() => fixture?.stop());

  async function app(extra: Record<string, unknown>) {
    counter += 1;
    const created = await fixture.createApp({
      name: `Front ${counter}`,
      type: 'web',
      redirectUris: [redirectUri],
      postLogoutRedirectUris: [postLogoutRedirectUri],
      scopes: ['openid'],
      ...extra,
    });
    const configuration = await client.discovery(new URL(fixture.issuer), created.clientId, undefined, client.ClientSecretBasic(created.clientSecret!), {
      ...insecure,
      [client.customFetch]: fixture.fetch as client.CustomFetch,
    });
    return { ...created, configuration };
  }

  async function signIn(configuration: client.Configuration, browser: FormBrowser, login: { email: string; password: string } = fixture.user) {
    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(configuration, {
      redirect_uri: redirectUri,
      scope: 'openid',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: 'st',
    });
    const response = await browser.authorize(url, login);
    const callback = new URL(response.headers.get('location') ?? 'https://missing.example');
    return client.authorizationCodeGrant(configuration, callback, { pkceCodeVerifier: verifier, expectedState: 'st' });
  }

  test('the logout page frames each app of the session, with iss and sid where asked, then continues to the app', async () => {
    const withSession = await app({ frontchannelLogoutUri: 'https://rp-one.example.test/frontchannel?tenant=a', frontchannelLogoutSessionRequired: true });
    const plain = await app({ frontchannelLogoutUri: 'https://rp-two.example.test/frontchannel' });
    const unused = await app({ frontchannelLogoutUri: 'https://rp-three.example.test/frontchannel' });
    const browser = new FormBrowser(fixture.issuer, fixture.fetch);
    const tokens = await signIn(withSession.configuration, browser);
    await signIn(plain.configuration, browser);
    await signIn(unused.configuration, new FormBrowser(fixture.issuer, fixture.fetch));
    const sid = tokens.claims()!.sid as string;

    const response = await browser.get(
      client.buildEndSessionUrl(withSession.configuration, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: postLogoutRedirectUri, state: 'bye' }),
    );
    assert.equal(response.status, 200, 'a page, so that the iframes load before the redirect');
    const html = await response.text();
    const sources = iframeSources(html).sort();
    assert.equal(sources.length, 2, 'only the apps of this session');
    const first = new URL(sources[0]!);
    assert.equal(first.origin + first.pathname, 'https://rp-one.example.test/frontchannel');
    assert.equal(first.searchParams.get('tenant'), 'a', 'the registered query is kept');
    assert.equal(first.searchParams.get('iss'), fixture.issuer);
    assert.equal(first.searchParams.get('sid'), sid);
    assert.equal(sources[1], 'https://rp-two.example.test/frontchannel', 'no iss or sid when not asked for');
    assert.match(html, /href="https:\/\/client\.example\.test\/signed-out\?state=bye"/);

    const csp = response.headers.get('content-security-policy') ?? '';
    const frameSrc = /frame-src ([^;]+);/.exec(csp)?.[1]?.split(' ').sort();
    assert.deepEqual(frameSrc, ['https://rp-one.example.test', 'https://rp-two.example.test'], 'frame-src names exactly the iframes’ origins');
    assert.match(csp, /script-src 'nonce-[^']+'/);
    assert.match(csp, /frame-ancestors 'none'/, 'the page itself is still never framed');
    assert.equal((await browser.get(`${fixture.issuer}/account`)).status, 302, 'signed out');
  });

  test('without front-channel apps the logout redirects at once, and the page frames nothing', async () => {
    const backOnly = await app({});
    const browser = new FormBrowser(fixture.issuer, fixture.fetch);
    const tokens = await signIn(backOnly.configuration, browser);
    const response = await browser.get(
      client.buildEndSessionUrl(backOnly.configuration, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: postLogoutRedirectUri }),
    );
    assert.equal(response.status, 302);
    assert.equal(response.headers.get('location'), postLogoutRedirectUri);

    const again = new FormBrowser(fixture.issuer, fixture.fetch);
    const next = await signIn(backOnly.configuration, again);
    const page = await again.get(client.buildEndSessionUrl(backOnly.configuration, { id_token_hint: next.id_token! }));
    assert.equal(page.status, 200);
    assert.deepEqual(iframeSources(await page.text()), []);
    assert.doesNotMatch(page.headers.get('content-security-policy') ?? '', /frame-src/);
  });

  test('signing this browser out on the account page frames the apps it signed in to, then goes to sign-in', async () => {
    const frontApp = await app({ frontchannelLogoutUri: 'https://rp-four.example.test/fc', frontchannelLogoutSessionRequired: true });
    const user = await fixture.createMember(`front-${Date.now()}@example.test`);
    const browser = new AccountBrowser(fixture.issuer, fixture.fetch);
    await browser.signIn(user);
    const sid = (await signIn(frontApp.configuration, browser, user)).claims()!.sid as string;
    const response = await browser.submit('sessions/end', { sid });
    assert.equal(response.status, 200);
    const html = await response.text();
    const [source] = iframeSources(html);
    assert.ok(source);
    assert.equal(new URL(source).searchParams.get('sid'), sid);
    assert.equal(new URL(source).searchParams.get('iss'), fixture.issuer);
    assert.match(html, /id="continue" href="[^"]*\/account\/sign-in/);
    assert.equal((await browser.page()).status, 302, 'signed out');
  });
});
