import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Storage } from '../../src/ports/storage.js';
import { lastLink, mailsOf, pageText } from '../support/accounts.js';
import { obtainCode, redeem } from '../support/flows.js';
import { FormBrowser, hiddenField, oauthFixture, redirectUri, type OAuthFixture } from '../support/oauth.js';
import { createTestDatabase, postgresSkipReason, type TestDatabase } from '../support/postgres.js';
import { fakeClock } from '../support/protocol.js';

const newPassword = 'violet harbour tram 7';

describe('password reset', () => {
  const clock = fakeClock(Date.UTC(2026, 5, 1, 12));
  let fixture: OAuthFixture;
  let storage: Storage;
  let app: { clientId: string; clientSecret: string | null };

  before(async () => {
    fixture = await oauthFixture({ inProcess: true, clock, env: { LATCHKEY_HTTP_TRUST_PROXY: 'true' } });
    storage = fixture.server.server.runtime.storage;
    app = await fixture.createApp({
      name: 'Acme Notes',
      type: 'web',
      redirectUris: [redirectUri],
      scopes: ['openid', 'email', 'offline_access'],
      grantTypes: ['authorization_code', 'refresh_token'],
    });
  });
  after(() => fixture?.stop());

  /** Opens the form at `url` in `browser` and posts `form` with its CSRF token, from `ip`. */
  async function submit(browser: FormBrowser, url: string, form: Record<string, string>, ip = '198.51.100.1') {
    const page = await browser.get(url);
    const html = await page.text();
    const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1] ?? url;
    const token = hiddenField(html, 'token');
    const response = await fixture.fetch(action, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        cookie: [...browser.cookies].map(([name, value]) => `${name}=${value}`).join('; '),
        'content-type': 'application/x-www-form-urlencoded',
        'x-forwarded-for': ip,
      },
      body: new URLSearchParams({ csrf: hiddenField(html, 'csrf') ?? '', ...(token ? { token } : {}), ...form }),
    });
    return { status: response.status, html: await response.text(), retryAfter: response.headers.get('retry-after'), headers: response.headers };
  }

  const forgotUrl = () => `${fixture.issuer}/account/forgot-password`;
  const forgot = (email: string, ip?: string) => submit(new FormBrowser(fixture.issuer, fixture.fetch), forgotUrl(), { email }, ip);

  test('"forgot password" answers the same for an address with and without an account; only the account gets a mail', async () => {
    const user = await fixture.createMember('same-answer@example.test');
    const known = await forgot(user.email, '198.51.100.2');
    const unknown = await forgot('nobody@example.test', '198.51.100.3');
    assert.equal(known.status, 200);
    assert.equal(unknown.status, 200);
    assert.equal(pageText(known.html).replace(user.email, 'ADDRESS'), pageText(unknown.html).replace('nobody@example.test', 'ADDRESS'));
    assert.equal((await mailsOf(storage, user.email, 'reset-password')).length, 1);
    assert.equal((await mailsOf(storage, 'nobody@example.test', 'reset-password')).length, 0);
  });

  test('the reset ends every session, revokes online grants (not offline ones), unlocks the account, and mails the owner', async () => {
    const user = await fixture.createMember('reset-me@example.test');
    const signedIn = await obtainCode({ ...fixture, user }, app.clientId, { scope: 'openid email' });
    const online = await redeem(fixture, signedIn, app.clientId, app.clientSecret);
    const offlineCode = await obtainCode({ ...fixture, user }, app.clientId, { scope: 'openid offline_access' }, signedIn.browser);
    const offline = await redeem(fixture, offlineCode, app.clientId, app.clientSecret);
    assert.ok(online.body.access_token && offline.body.refresh_token);
    const record = await storage.users.get(user.id);
    await storage.users.update({ ...record!, lockedUntil: clock.now() + 3_600_000 });

    await forgot(user.email, '198.51.100.4');
    const older = await lastLink(storage, user.email, 'reset-password');
    clock.advance(1000);
    await forgot(user.email, '198.51.100.5');
    const link = await lastLink(storage, user.email, 'reset-password');
    assert.notEqual(link, older);
    assert.equal((await fixture.fetch(older)).status, 410, 'a newer link replaced the older one');

    // A second tab opened on the same link before it is used.
    const secondTab = new FormBrowser(fixture.issuer, fixture.fetch);
    const secondForm = await (await secondTab.get(link)).text();
    const browser = new FormBrowser(fixture.issuer, fixture.fetch);
    const done = await submit(browser, link, { password: newPassword }, '198.51.100.6');
    assert.equal(done.status, 200);
    assert.match(done.html, /Password changed/);

    assert.deepEqual(await storage.sessions.listForUser(user.id, clock.now()), [], 'every session ended');
    const introspect = async (token: string) =>
      (
        await fixture.fetch(`${fixture.issuer}/oauth2/introspect`, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            authorization: `Basic ${Buffer.from(`${app.clientId}:${app.clientSecret}`).toString('base64')}`,
          },
          body: new URLSearchParams({ token }),
        })
      ).json() as Promise<{ active: boolean }>;
    assert.equal((await introspect(online.body.access_token as string)).active, false, 'what the sessions were given is revoked');
    assert.equal((await introspect(offline.body.refresh_token as string)).active, true, 'offline access stays');
    const after = await storage.users.get(user.id);
    assert.equal(after?.lockedUntil, null, 'the reset unlocks the account');
    assert.equal((await mailsOf(storage, user.email, 'password-changed')).length, 1);
    const audit = await storage.audit.list({ orgId: null, targetId: user.id, offset: 0, limit: 20 });
    assert.ok(audit.items.some((row) => row.action === 'user.password_reset'));
    assert.ok(!JSON.stringify(audit.items).includes(newPassword), 'no password in the audit log');

    const reopened = await fixture.fetch(link);
    assert.equal(reopened.status, 410);
    assert.match(await reopened.text(), /already used[\s\S]*Ask for a new link/);
    const reused = await secondTab.post(`${fixture.issuer}/account/reset-password`, {
      csrf: hiddenField(secondForm, 'csrf')!,
      token: hiddenField(secondForm, 'token')!,
      password: 'another fine password 9',
    });
    assert.equal(reused.status, 410, 'the link works once');
    const stored = await storage.users.get(user.id);
    assert.equal(stored?.passwordHash, after?.passwordHash, 'the second use changed nothing');

    const oldPassword = await new FormBrowser(fixture.issuer, fixture.fetch).authorize(
      `${fixture.issuer}/oauth2/authorize?client_id=${app.clientId}&response_type=code&redirect_uri=${encodeURIComponent(redirectUri)}&scope=openid&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256`,
      user,
    );
    assert.equal(oldPassword.status, 401, 'the old password no longer signs in');
    await obtainCode({ ...fixture, user: { ...user, password: newPassword } }, app.clientId);
  });

  test('a reset link expires after 30 minutes and then changes nothing', async () => {
    const user = await fixture.createMember('slow@example.test');
    await forgot(user.email, '198.51.100.8');
    const link = await lastLink(storage, user.email, 'reset-password');
    const before = await storage.users.get(user.id);
    clock.advance(30 * 60_000 + 1000);
    const page = await fixture.fetch(link);
    assert.equal(page.status, 410);
    assert.match(await page.text(), /Link expired[\s\S]*Ask for a new link/);
    assert.equal((await storage.users.get(user.id))?.passwordHash, before?.passwordHash);
  });

  test('the new password must meet the password rule; the link stays usable', async () => {
    const user = await fixture.createMember('picky@example.test');
    await forgot(user.email, '198.51.100.9');
    const link = await lastLink(storage, user.email, 'reset-password');
    const browser = new FormBrowser(fixture.issuer, fixture.fetch);
    const weak = await submit(browser, link, { password: 'short' }, '198.51.100.10');
    assert.equal(weak.status, 400);
    assert.match(weak.html, /The password must be at least 8 characters/);
    const good = await submit(browser, link, { password: newPassword }, '198.51.100.10');
    assert.equal(good.status, 200);
  });

  test('forms without the CSRF token of this browser are refused with 403 and change nothing', async () => {
    const user = await fixture.createMember('csrf@example.test');
    for (const path of ['/account/forgot-password', '/account/reset-password']) {
      const response = await fixture.fetch(`${fixture.issuer}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ csrf: 'forged', email: user.email, token: 'x', password: newPassword }),
      });
      assert.equal(response.status, 403, path);
    }
    assert.equal((await mailsOf(storage, user.email, 'reset-password')).length, 0);
  });

  test('"forgot password" is throttled per address and per IP address, with 429 and Retry-After', async () => {
    const perAddress = [];
    for (let attempt = 0; attempt < 4; attempt += 1) perAddress.push(await forgot('throttled@example.test', `198.51.100.${100 + attempt}`));
    assert.deepEqual(
      perAddress.map((result) => result.status),
      [200, 200, 200, 429],
    );
    assert.match(perAddress[3]!.retryAfter ?? '', /^[1-9]\d*$/);
    const perIp = [];
    for (let attempt = 0; attempt < 21; attempt += 1) perIp.push((await forgot(`ip-${attempt}@example.test`, '203.0.113.77')).status);
    assert.deepEqual(perIp, [...Array<number>(20).fill(200), 429]);
  });
});

function parallelUseSuite(store: 'SQLite' | 'PostgreSQL', skip: string | false) {
  describe(`one reset link used twice at once on ${store}`, { skip }, () => {
    let database: TestDatabase | undefined;
    let fixture: OAuthFixture;

    before(async () => {
      if (store === 'PostgreSQL') database = await createTestDatabase();
      fixture = await oauthFixture({ inProcess: true, ...(database ? { databaseUrl: database.url } : {}) });
    });
    after(async () => {
      await fixture?.stop();
      await database?.drop();
    });

    test('one use sets the password and ends the sessions; the other gets 410 and changes nothing', async () => {
      const storage = fixture.server.server.runtime.storage;
      const user = await fixture.createMember('twice@example.test');
      await obtainCode({ ...fixture, user }, (await fixture.createApp({ name: 'Web', type: 'web', redirectUris: [redirectUri] })).clientId);
      const forgotPage = new FormBrowser(fixture.issuer, fixture.fetch);
      const html = await (await forgotPage.get(`${fixture.issuer}/account/forgot-password`)).text();
      await forgotPage.post(`${fixture.issuer}/account/forgot-password`, { csrf: hiddenField(html, 'csrf')!, email: user.email });
      const link = await lastLink(storage, user.email, 'reset-password');
      const tabs = await Promise.all(
        ['first password 1 x', 'second password 2 y'].map(async (chosen) => {
          const tab = new FormBrowser(fixture.issuer, fixture.fetch);
          const form = await (await tab.get(link)).text();
          return { tab, chosen, csrf: hiddenField(form, 'csrf')!, token: hiddenField(form, 'token')! };
        }),
      );
      const statuses = await Promise.all(
        tabs.map(
          async ({ tab, chosen, csrf, token }) => (await tab.post(`${fixture.issuer}/account/reset-password`, { csrf, token, password: chosen })).status,
        ),
      );
      assert.deepEqual([...statuses].sort(), [200, 410]);
      assert.deepEqual(await storage.sessions.listForUser(user.id, Date.now()), []);
      assert.equal((await mailsOf(storage, user.email, 'password-changed')).length, 1, 'one reset, one mail');
      const winner = tabs[statuses.indexOf(200)]!.chosen;
      await obtainCode(
        { ...fixture, user: { ...user, password: winner } },
        (await fixture.createApp({ name: 'Web 2', type: 'web', redirectUris: [redirectUri] })).clientId,
      );
    });
  });
}

parallelUseSuite('SQLite', false);
parallelUseSuite('PostgreSQL', postgresSkipReason);
