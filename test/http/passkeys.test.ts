import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { operatorActor } from '../../src/domain/access/actor.js';
import type { DomainEvent } from '../../src/ports/domain-events.js';
import { AccountBrowser } from '../support/account.js';
import { authorizeUrl } from '../support/flows.js';
import { FormBrowser, hiddenField, oauthFixture, redirectUri, type OAuthFixture } from '../support/oauth.js';

/** Opens the sign-in page of a new authorization request; its HTML, CSP and the interaction's base URL. */
async function signInPage(fixture: OAuthFixture, clientId: string, browser = new FormBrowser(fixture.issuer, fixture.fetch)) {
  const start = await browser.get(authorizeUrl(fixture.issuer, clientId));
  const location = new URL(start.headers.get('location')!, fixture.issuer);
  const page = await browser.get(location);
  return { browser, base: location.toString(), html: await page.text(), csp: page.headers.get('content-security-policy') ?? '' };
}

const junkResponses = [
  'not json',
  '{"id":1}',
  JSON.stringify({
    id: 'AAAA',
    rawId: 'AAAA',
    type: 'public-key',
    response: { clientDataJSON: 'e30', authenticatorData: 'AAAA', signature: 'AAAA' },
    clientExtensionResults: {},
  }),
  '',
  `{"id":"${'A'.repeat(20_000)}"}`,
];

describe('passkeys over HTTP', () => {
  let fixture: OAuthFixture;
  let clientId: string;
  const published: DomainEvent[] = [];

  before(async () => {
    // WebAuthn needs a domain for its RP ID: the issuer is on localhost.
    fixture = await oauthFixture({ issuerHost: 'localhost' });
    fixture.server.server.runtime.events.subscribe((event) => published.push(event));
    ({ clientId } = await fixture.createApp({ name: 'Web', type: 'web', redirectUris: [redirectUri], scopes: ['openid'] }));
  });
  after(() => fixture?.stop());

  test('the sign-in page runs our passkey scripts, and only there: other pages keep script-src none', async () => {
    const { html, csp } = await signInPage(fixture, clientId);
    assert.match(csp, /script-src 'self' 'nonce-[^']+'; connect-src 'self'/);
    assert.match(html, /autocomplete="username webauthn"/);
    assert.match(html, /Sign in with a passkey/);
    const nonce = /'nonce-([^']+)'/.exec(csp)![1];
    assert.equal([...html.matchAll(/<script [^>]*nonce="([^"]+)"/g)].filter((match) => match[1] === nonce).length, 2);
    const error = await fixture.fetch(`${fixture.issuer}/interaction/${'x'.repeat(22)}`);
    assert.match(error.headers.get('content-security-policy') ?? '', /script-src 'none'/);
    for (const asset of ['passkeys.js', 'simplewebauthn-browser.js']) {
      const script = await fixture.fetch(`${fixture.issuer}/assets/${asset}`);
      assert.equal(script.status, 200);
      assert.match(script.headers.get('content-type') ?? '', /^text\/javascript/);
    }
  });

  test('passwordless options need the page: a forged form is refused with 403, a real one gets a challenge without allowCredentials', async () => {
    const { browser, base, html } = await signInPage(fixture, clientId);
    const forged = await browser.post(`${base}/passkey/options`, { csrf: 'forged' });
    assert.equal(forged.status, 403);
    assert.equal(((await forged.json()) as { error: string }).error, 'invalid_request');
    const answer = await browser.post(`${base}/passkey/options`, { csrf: hiddenField(html, 'csrf')! });
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get('cache-control'), 'no-store');
    const options = (await answer.json()) as { challenge: string; rpId: string; allowCredentials?: unknown[]; userVerification: string };
    assert.equal(options.rpId, new URL(fixture.issuer).hostname);
    assert.deepEqual(options.allowCredentials ?? [], [], 'discoverable credentials');
    assert.equal(options.userVerification, 'preferred');
    assert.ok(options.challenge.length >= 43);
  });

  test('a malformed or unknown assertion is a 401 on the sign-in page, never a 5xx, and no one signs in', async () => {
    for (const response of junkResponses) {
      const { browser, base, html } = await signInPage(fixture, clientId);
      published.length = 0;
      const answer = await browser.post(`${base}/passkey`, { csrf: hiddenField(html, 'csrf')!, response });
      assert.equal(answer.status, 401, response.slice(0, 40));
      assert.match(await answer.text(), /passkey could not sign you in/);
      assert.deepEqual(
        published.map((event) => event.type),
        ['signin.failed'],
      );
      assert.equal(
        [...browser.cookies.keys()].some((name) => name.startsWith('lk_session')),
        false,
      );
    }
  });

  test('the account page: registration options exclude nothing yet and ask for a discoverable credential; a junk registration changes nothing', async () => {
    const account = new AccountBrowser(fixture.issuer, fixture.fetch);
    await account.signIn(fixture.user);
    const { html } = await account.page();
    assert.match(html, /id="passkeys"/);
    const csrf = await account.csrf();
    assert.equal((await account.post(`${account.base}/passkeys/options`, { csrf: 'forged' })).status, 403);
    const answer = await account.post(`${account.base}/passkeys/options`, { csrf });
    const options = (await answer.json()) as {
      rp: { id: string; name: string };
      user: { id: string; name: string };
      authenticatorSelection: Record<string, unknown>;
    };
    assert.equal(options.rp.id, new URL(fixture.issuer).hostname);
    assert.equal(options.rp.name, 'Latchkey');
    assert.equal(Buffer.from(options.user.id, 'base64url').toString(), fixture.user.id, 'the user handle is the Latchkey user id');
    assert.equal(options.user.name, fixture.user.email);
    assert.equal(options.authenticatorSelection.residentKey, 'required');
    assert.equal(options.authenticatorSelection.userVerification, 'preferred');

    for (const response of junkResponses) {
      const refused = await account.submit('passkeys', { name: 'Laptop', response }, csrf);
      assert.equal(refused.status, 400);
      assert.match(await refused.text(), /The passkey (is not a WebAuthn registration response|could not be verified)/);
    }
    const unnamed = await account.submit('passkeys', { name: ' ', response: '{}' }, csrf);
    assert.match(await unnamed.text(), /Passkey name must not be empty/);
    assert.equal((await account.submit('passkeys/remove', { passkey_id: 'pk_nope' }, csrf)).status, 404);
    assert.equal((await account.submit('passkeys/rename', { passkey_id: 'pk_nope', name: 'X' }, csrf)).status, 404);
    assert.deepEqual(await fixture.server.server.runtime.storage.passkeys.listForUser(fixture.user.id), []);
  });
  test("an administrator's reset of a user's second factors removes their passkeys, and the password alone signs in again", async () => {
    const { runtime } = fixture.server.server;
    const user = await fixture.createUser('frank@example.test');
    const passkey = {
      id: 'pk_reset',
      userId: user.id,
      name: 'Lost phone',
      credentialId: 'cred-reset',
      publicKey: 'pQECAyYgASFYIA',
      signCount: 0,
      transports: [],
      deviceType: 'multiDevice' as const,
      backedUp: true,
      aaguid: '00000000-0000-0000-0000-000000000000',
      createdAt: 0,
      lastUsedAt: null,
    };
    await runtime.storage.passkeys.insert(passkey);
    assert.deepEqual(await runtime.registry.secondFactors.methodsOf(user.id), ['passkey'], 'a passkey is a second factor');
    const { removed } = await runtime.registry.users.resetSecondFactors({ actor: operatorActor }, user.email);
    assert.equal(removed, 1);
    assert.deepEqual(await runtime.storage.passkeys.listForUser(user.id), []);
    assert.deepEqual(await runtime.registry.secondFactors.methodsOf(user.id), []);
  });
});

describe('passkeys with passwordless sign-in off', () => {
  let fixture: OAuthFixture;
  let clientId: string;

  before(async () => {
    fixture = await oauthFixture({ issuerHost: 'localhost', env: { LATCHKEY_SIGN_IN_PASSKEYS_PASSWORDLESS: 'false' } });
    ({ clientId } = await fixture.createApp({ name: 'Web', type: 'web', redirectUris: [redirectUri], scopes: ['openid'] }));
  });
  after(() => fixture?.stop());

  test('the sign-in page offers no passkey, runs no script, and its passkey routes refuse', async () => {
    const { browser, base, html, csp } = await signInPage(fixture, clientId);
    assert.match(csp, /script-src 'none'/);
    assert.doesNotMatch(html, /webauthn|Sign in with a passkey|<script/);
    const csrf = hiddenField(html, 'csrf')!;
    assert.equal((await browser.post(`${base}/passkey/options`, { csrf })).status, 404);
    const refused = await browser.post(`${base}/passkey`, { csrf, response: '{}' });
    assert.equal(refused.status, 400);
    assert.match(await refused.text(), /turned off/);
  });
});

describe('passkeys on an issuer at an IP address', () => {
  let fixture: OAuthFixture;
  let clientId: string;

  before(async () => {
    fixture = await oauthFixture({ inProcess: true });
    ({ clientId } = await fixture.createApp({ name: 'Web', type: 'web', redirectUris: [redirectUri], scopes: ['openid'] }));
  });
  after(() => fixture?.stop());

  test('are offered nowhere: browsers refuse an IP address as RP ID', async () => {
    assert.equal(new URL(fixture.issuer).hostname, '127.0.0.1');
    const { html, csp } = await signInPage(fixture, clientId);
    assert.match(csp, /script-src 'none'/);
    assert.doesNotMatch(html, /Sign in with a passkey/);
    const account = new AccountBrowser(fixture.issuer, fixture.fetch);
    await account.signIn(fixture.user);
    const page = await account.page();
    assert.doesNotMatch(page.html, /id="passkeys"/);
    assert.equal((await account.submit('passkeys/options', {})).status, 404);
  });
});
