import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeJwt } from 'jose';
import { operatorActor } from '../../src/domain/access/actor.js';
import { requestEmailVerification } from '../../src/domain/identity/email-verification.js';
import type { Storage } from '../../src/ports/storage.js';
import { lastLink, mailsOf, pageText } from '../support/accounts.js';
import { authorizeUrl, newVerifier, redeem } from '../support/flows.js';
import { FormBrowser, callbackParams, hiddenField, oauthFixture, redirectUri, type OAuthFixture } from '../support/oauth.js';
import { fakeClock } from '../support/protocol.js';

const strongPassword = 'plum kettle orbit 42';

async function openForm(browser: FormBrowser, url: string | URL): Promise<{ action: string; csrf: string; html: string; status: number }> {
  const response = await browser.get(url);
  const html = await response.text();
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1] ?? '';
  return { action, csrf: hiddenField(html, 'csrf') ?? '', html, status: response.status };
}

describe('self-service sign-up', () => {
  const clock = fakeClock(Date.UTC(2026, 5, 1, 12));
  let fixture: OAuthFixture;
  let storage: Storage;
  let app: { clientId: string; clientSecret: string | null };
  const signUpUrl = () => `${fixture.issuer}/account/signup`;

  before(async () => {
    fixture = await oauthFixture({
      inProcess: true,
      clock,
      env: { LATCHKEY_SIGN_UP_ENABLED: 'true', LATCHKEY_SIGN_UP_ALLOWED_EMAIL_DOMAINS: 'example.test', LATCHKEY_HTTP_TRUST_PROXY: 'true' },
    });
    storage = fixture.server.server.runtime.storage;
    // Public: it serves whoever signs up, not only the organization's members.
    app = await fixture.createPublicApp({ name: 'Acme Notes', type: 'web', redirectUris: [redirectUri], scopes: ['openid', 'profile', 'email'] });
  });
  after(() => fixture?.stop());

  /** Posts the standalone sign-up form from a fresh browser at `ip`. */
  async function signUp(form: Record<string, string>, ip = '198.51.100.7', browser = new FormBrowser(fixture.issuer, fixture.fetch)) {
    const page = await openForm(browser, signUpUrl());
    const response = await fixture.fetch(page.action, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        cookie: [...browser.cookies].map(([name, value]) => `${name}=${value}`).join('; '),
        'content-type': 'application/x-www-form-urlencoded',
        'x-forwarded-for': ip,
      },
      body: new URLSearchParams({ csrf: page.csrf, ...form }),
    });
    return { status: response.status, html: await response.text(), retryAfter: response.headers.get('retry-after') };
  }

  test('from a sign-in page: sign up, follow the mailed link, and the authorization goes on signed in with email_verified', async () => {
    const browser = new FormBrowser(fixture.issuer, fixture.fetch);
    const verifier = newVerifier();
    let response = await browser.get(authorizeUrl(fixture.issuer, app.clientId, { scope: 'openid email' }, verifier));
    const loginPage = await openForm(browser, response.headers.get('location')!);
    const signUpLink = /<a href="([^"]+)">Create an account<\/a>/.exec(loginPage.html)?.[1]?.replace(/&amp;/g, '&');
    assert.ok(signUpLink, 'the sign-in page links to sign-up');
    assert.match(loginPage.html, /Forgot password\?/);
    response = await browser.get(signUpLink);
    assert.equal(response.status, 303);
    const form = await openForm(browser, response.headers.get('location')!);
    assert.match(form.html, /to continue to <strong>Acme Notes<\/strong>/);
    response = await browser.post(form.action, { csrf: form.csrf, email: 'Newcomer@Example.test', name: 'New Comer', password: strongPassword });
    assert.equal(response.status, 200);
    assert.match(await response.text(), /Check your mail/);
    assert.equal(
      response.headers.getSetCookie().some((cookie) => cookie.startsWith('lk_session=')),
      false,
      'no session before the mail link',
    );

    const user = await storage.users.getByEmail('newcomer@example.test');
    assert.ok(user, 'the account exists');
    assert.equal(user.emailVerified, false);
    const audit = await storage.audit.list({ orgId: null, targetId: user.id, offset: 0, limit: 10 });
    assert.deepEqual(
      audit.items.map((row) => row.action),
      ['user.signed_up'],
    );

    const link = await lastLink(storage, 'newcomer@example.test', 'verify-email');
    assert.ok(link.startsWith(`${fixture.issuer}/account/verify-email?token=`));
    response = await browser.get(link);
    assert.equal(response.status, 303);
    const final = await browser.authorize(new URL(response.headers.get('location')!));
    const code = callbackParams(final).get('code');
    assert.ok(code, 'the authorization went on to a code');
    const tokens = await redeem(fixture, { code, verifier }, app.clientId, app.clientSecret);
    assert.equal(tokens.status, 200);
    const claims = decodeJwt(tokens.body.id_token as string);
    assert.equal(claims.sub, user.id);
    assert.equal(claims.email, 'newcomer@example.test');
    assert.equal(claims.email_verified, true);
  });

  test('an address that has an account gets the same page, and its owner a reset-password mail instead of a new account', async () => {
    const before = await storage.users.count();
    const known = await signUp({ email: fixture.user.email, name: 'Someone', password: strongPassword }, '198.51.100.20');
    const unknown = await signUp({ email: 'brand-new@example.test', name: 'Someone', password: strongPassword }, '198.51.100.21');
    assert.equal(known.status, 200);
    assert.equal(known.status, unknown.status);
    assert.equal(pageText(known.html).replace(fixture.user.email, 'ADDRESS'), pageText(unknown.html).replace('brand-new@example.test', 'ADDRESS'));
    assert.equal(await storage.users.count(), before + 1, 'only the new address got an account');
    assert.equal((await mailsOf(storage, fixture.user.email, 'verify-email')).length, 0);
    assert.equal((await mailsOf(storage, fixture.user.email, 'reset-password')).length, 1);
    assert.equal((await storage.users.get(fixture.user.id))?.name, 'alice', 'the existing account is unchanged');
  });

  test('only the allowed email domains may sign up', async () => {
    const refused = await signUp({ email: 'mallory@elsewhere.test', name: 'M', password: strongPassword }, '198.51.100.30');
    assert.equal(refused.status, 400);
    assert.match(refused.html, /Only addresses at example\.test may sign up here/);
    assert.equal(await storage.users.getByEmail('mallory@elsewhere.test'), undefined);
  });

  test('the password rule applies: a common password is refused and nothing is stored', async () => {
    const refused = await signUp({ email: 'weak@example.test', name: 'W', password: 'password' }, '198.51.100.31');
    assert.equal(refused.status, 400);
    assert.match(refused.html, /The password is too common/);
    assert.equal(await storage.users.getByEmail('weak@example.test'), undefined);
  });

  test('a sign-up without the CSRF token of this browser is refused with 403', async () => {
    const response = await fixture.fetch(signUpUrl(), {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf: 'forged', email: 'forged@example.test', name: 'F', password: strongPassword }),
    });
    assert.equal(response.status, 403);
    assert.match(await response.text(), /CSRF check failed/);
    assert.equal(await storage.users.getByEmail('forged@example.test'), undefined);
  });

  test("the sign-up form of an authorization refuses a token that is not its browser's (403) and stores nothing", async () => {
    const browser = new FormBrowser(fixture.issuer, fixture.fetch);
    const start = await browser.get(authorizeUrl(fixture.issuer, app.clientId));
    const form = await openForm(browser, `${start.headers.get('location')!}/signup`);
    assert.equal(form.status, 200);
    const forged = await browser.post(form.action, { csrf: 'forged', email: 'forged-in-flow@example.test', name: 'F', password: strongPassword });
    assert.equal(forged.status, 403);
    const stranger = new FormBrowser(fixture.issuer, fixture.fetch);
    const elsewhere = await stranger.post(form.action, { csrf: form.csrf, email: 'forged-in-flow@example.test', name: 'F', password: strongPassword });
    assert.equal(elsewhere.status, 400, 'another browser has no binding cookie for this interaction');
    assert.equal(await storage.users.getByEmail('forged-in-flow@example.test'), undefined);
  });

  test('sign-up is throttled per address: the fourth try within the hour gets 429 with Retry-After', async () => {
    const statuses = [];
    for (let attempt = 0; attempt < 4; attempt += 1) {
      statuses.push(await signUp({ email: 'repeat@example.test', name: 'R', password: strongPassword }, `198.51.100.${40 + attempt}`));
    }
    assert.deepEqual(
      statuses.map((result) => result.status),
      [200, 200, 200, 429],
    );
    assert.match(statuses[3]!.retryAfter ?? '', /^[1-9]\d*$/);
    assert.match(statuses[3]!.html, /Too many attempts/);
  });

  test('sign-up is throttled per IP address: the eleventh new address from one IP within the hour gets 429', async () => {
    const statuses = [];
    for (let attempt = 0; attempt < 11; attempt += 1) {
      statuses.push((await signUp({ email: `crowd-${attempt}@example.test`, name: 'C', password: strongPassword }, '203.0.113.9')).status);
    }
    assert.deepEqual(statuses, [...Array<number>(10).fill(200), 429]);
    assert.equal(await storage.users.getByEmail('crowd-10@example.test'), undefined, 'the refused sign-up stored nothing');
  });

  test('a verification link works once; used, expired and unknown links change nothing and say what to do', async () => {
    await signUp({ email: 'links@example.test', name: 'L', password: strongPassword }, '198.51.100.50');
    const first = await lastLink(storage, 'links@example.test', 'verify-email');
    assert.equal((await fixture.fetch(first, { redirect: 'manual' })).status, 200);
    const again = await fixture.fetch(first, { redirect: 'manual' });
    assert.equal(again.status, 410);
    assert.match(await again.text(), /already used[\s\S]*Nothing was changed[\s\S]*get a new link/);

    const unknown = await fixture.fetch(`${fixture.issuer}/account/verify-email?token=nonsense`, { redirect: 'manual' });
    assert.equal(unknown.status, 404);
    assert.match(await unknown.text(), /Link not valid/);

    const user = await fixture.server.server.runtime.registry.users.create({ actor: operatorActor }, { email: 'late@example.test', password: strongPassword });
    await storage.transaction((tx) => requestEmailVerification(tx, user, user.email, { clock, verifyEmailUrl: `${fixture.issuer}/account/verify-email` }));
    const late = await lastLink(storage, 'late@example.test', 'verify-email');
    clock.advance(24 * 3_600_000 + 1000);
    const expired = await fixture.fetch(late, { redirect: 'manual' });
    assert.equal(expired.status, 410);
    assert.match(await expired.text(), /Link expired/);
    assert.equal((await storage.users.get(user.id))?.emailVerified, false, 'an expired link verifies nothing');
  });

  test('a link for another address moves the account to it, verified; if someone else holds it, nothing changes', async () => {
    const registry = fixture.server.server.runtime.registry;
    const user = await registry.users.create({ actor: operatorActor }, { email: 'mover@example.test', password: strongPassword });
    const deps = { clock, verifyEmailUrl: `${fixture.issuer}/account/verify-email` };
    await storage.transaction((tx) => requestEmailVerification(tx, user, 'moved@example.test', deps));
    await storage.transaction((tx) => requestEmailVerification(tx, user, fixture.user.email, deps));
    const taken = await lastLink(storage, fixture.user.email, 'verify-email');
    const refused = await fixture.fetch(taken, { redirect: 'manual' });
    assert.match(await refused.text(), /Another account uses this address/);
    assert.equal((await storage.users.get(user.id))?.email, 'mover@example.test');

    const response = await fixture.fetch(await lastLink(storage, 'moved@example.test', 'verify-email'), { redirect: 'manual' });
    assert.equal(response.status, 200);
    const moved = await storage.users.get(user.id);
    assert.equal(moved?.email, 'moved@example.test');
    assert.equal(moved?.emailVerified, true);
    assert.deepEqual(
      (await mailsOf(storage, 'mover@example.test', 'email-changed')).map((mail) => mail.variables),
      [{ name: 'mover', newEmail: 'moved@example.test' }],
      'the old address is told',
    );
    assert.equal((await mailsOf(storage, fixture.user.email, 'email-changed')).length, 0, 'the refused change told no one');
  });
});

describe('sign-up when it is off', () => {
  let fixture: OAuthFixture;
  before(async () => {
    fixture = await oauthFixture({ inProcess: true });
  });
  after(() => fixture?.stop());

  test('the sign-in page has no sign-up link, and the sign-up page answers 404 with a clear page', async () => {
    const { clientId } = await fixture.createApp({ name: 'Web', type: 'web', redirectUris: [redirectUri] });
    const browser = new FormBrowser(fixture.issuer, fixture.fetch);
    const response = await browser.get(authorizeUrl(fixture.issuer, clientId));
    const login = await (await browser.get(response.headers.get('location')!)).text();
    assert.doesNotMatch(login, /Create an account/);
    const uid = /interaction\/([A-Za-z0-9_-]{22})/.exec(response.headers.get('location')!)?.[1];
    for (const url of [
      `${fixture.issuer}/account/signup`,
      `${fixture.issuer}/account/signup?interaction=${uid}`,
      `${fixture.issuer}/interaction/${uid}/signup`,
    ]) {
      const page = await browser.get(url);
      assert.equal(page.status, 404, url);
      assert.match(await page.text(), /Sign-up is off/);
    }
    const post = await fixture.fetch(`${fixture.issuer}/account/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email: 'x@example.test', password: strongPassword }),
    });
    assert.equal(post.status, 404);
    assert.equal(await fixture.server.server.runtime.storage.users.getByEmail('x@example.test'), undefined);
  });
});
