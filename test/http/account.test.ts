import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as oauth from 'oauth4webapi';
import { operatorActor } from '../../src/domain/access/actor.js';
import { accountTokenHash } from '../../src/domain/identity/account-links.js';
import type { DomainEvent } from '../../src/ports/domain-events.js';
import { AccountBrowser } from '../support/account.js';
import { ApiCaller } from '../support/api.js';
import { authorizeUrl } from '../support/flows.js';
import { queuedMails } from '../support/mailbox.js';
import { FormBrowser, hiddenField, oauthFixture, redirectUri, type OAuthFixture } from '../support/oauth.js';
import { createTestDatabase, postgresSkipReason, type TestDatabase } from '../support/postgres.js';
import { fakeClock } from '../support/protocol.js';

const insecure = { [oauth.allowInsecureRequests]: true } as const;

const stores: { name: string; skip: string | false; database: () => Promise<TestDatabase | undefined> }[] = [
  { name: 'SQLite', skip: false, database: () => Promise.resolve(undefined) },
  { name: 'PostgreSQL', skip: postgresSkipReason, database: () => createTestDatabase() },
];
if (postgresSkipReason) console.log(`# ${postgresSkipReason}`);

for (const store of stores) {
  describe(`the account page on ${store.name}`, { skip: store.skip }, () => {
    let fixture: OAuthFixture;
    let database: TestDatabase | undefined;
    const published: DomainEvent[] = [];

    before(async () => {
      database = await store.database();
      // Every log line, so that the last test can look for secrets in them.
      fixture = await oauthFixture({ logLevel: 'trace', ...(database ? { databaseUrl: database.url } : {}) });
      fixture.server.server.runtime.events.subscribe((event) => published.push(event));
    });
    after(async () => {
      await fixture?.stop();
      await database?.drop();
    });

    const storage = () => fixture.server.server.runtime.storage;
    const signedIn = async (login = fixture.user) => {
      const browser = new AccountBrowser(fixture.issuer, fixture.fetch);
      await browser.signIn(login);
      return browser;
    };

    /** Signs in to `app` in `browser` as a relying party would (code with PKCE, oauth4webapi): its view of the server and the tokens. */
    async function relyingParty(app: { clientId: string; clientSecret: string | null }, browser: FormBrowser, scope: string) {
      const as = await oauth.processDiscoveryResponse(new URL(fixture.issuer), await oauth.discoveryRequest(new URL(fixture.issuer), insecure));
      const client: oauth.Client = { client_id: app.clientId };
      const auth = oauth.ClientSecretBasic(app.clientSecret!);
      const verifier = oauth.generateRandomCodeVerifier();
      const callback = await browser.authorize(authorizeUrl(fixture.issuer, app.clientId, { scope, state: 'xyz' }, verifier));
      const params = oauth.validateAuthResponse(as, client, new URL(callback.headers.get('location')!), 'xyz');
      const tokens = await oauth.processAuthorizationCodeResponse(
        as,
        client,
        await oauth.authorizationCodeGrantRequest(as, client, auth, params, redirectUri, verifier, insecure),
      );
      return { as, client, auth, tokens };
    }

    test('without a session the page sends the browser to sign in, and back to the page after', async () => {
      const browser = new AccountBrowser(fixture.issuer, fixture.fetch);
      const first = await browser.get(browser.base);
      assert.equal(first.status, 302);
      const location = new URL(first.headers.get('location')!);
      assert.equal(location.pathname, '/account/sign-in');
      assert.equal(location.searchParams.get('return_to'), browser.base);
      await browser.signIn(fixture.user);
      const page = await browser.page();
      assert.equal(page.status, 200);
      assert.match(page.html, /Signed in as <strong>alice@example\.test<\/strong>/);
    });

    test('the sign-in form returns only to account pages, never to another site', async () => {
      const browser = new AccountBrowser(fixture.issuer, fixture.fetch);
      const form = await browser.get(`${browser.base}/sign-in?return_to=${encodeURIComponent('https://evil.example/')}`);
      const html = await form.text();
      assert.equal(hiddenField(html, 'return_to'), browser.base);
      const back = await browser.post(`${browser.base}/sign-in`, {
        csrf: hiddenField(html, 'csrf')!,
        return_to: 'https://evil.example/',
        email: fixture.user.email,
        password: fixture.user.password,
      });
      assert.equal(back.status, 303);
      assert.equal(back.headers.get('location'), browser.base);
    });

    test('a sign-in form without its CSRF token is refused', async () => {
      const browser = new AccountBrowser(fixture.issuer, fixture.fetch);
      await browser.get(`${browser.base}/sign-in`);
      const refused = await browser.post(`${browser.base}/sign-in`, { csrf: 'forged', email: fixture.user.email, password: fixture.user.password });
      assert.equal(refused.status, 403);
      assert.equal(refused.headers.getSetCookie().filter((cookie) => cookie.startsWith('lk_session=')).length, 0);
    });

    test('a form without the CSRF token of the page changes nothing', async () => {
      const browser = await signedIn();
      const refused = await browser.submit('profile', { name: 'Mallory' }, 'forged');
      assert.equal(refused.status, 403);
      assert.match(await refused.text(), /CSRF check failed/);
      assert.equal((await storage().users.get(fixture.user.id))!.name, 'alice');
    });

    test('the profile feeds the profile, phone and address claims (OIDC Core §5.1)', async () => {
      const user = await fixture.createMember('pat@example.test');
      const browser = await signedIn(user);
      const saved = await browser.submit('profile', {
        name: 'Pat Doe',
        given_name: 'Pat',
        family_name: 'Doe',
        picture: 'https://images.example.test/pat.png',
        locale: 'en-GB',
        phone_number: '+44 20 7946 0958',
        address: '12 Analytical Row\r\nLondon N1 9GU\r\nUnited Kingdom',
      });
      assert.equal(saved.status, 303);
      assert.equal(saved.headers.get('location'), `${browser.base}?done=profile`);
      assert.match(await (await browser.get(saved.headers.get('location')!)).text(), /Your profile is saved/);

      const app = await fixture.createApp({
        name: 'Profile reader',
        type: 'web',
        redirectUris: [redirectUri],
        scopes: ['openid', 'profile', 'phone', 'address'],
      });
      const { as, client, tokens } = await relyingParty(app, browser, 'openid profile phone address');
      const claims = oauth.getValidatedIdTokenClaims(tokens)!;
      const userinfo = await oauth.processUserInfoResponse(as, client, claims.sub, await oauth.userInfoRequest(as, client, tokens.access_token, insecure));
      for (const source of [claims, userinfo]) {
        assert.equal(source.name, 'Pat Doe');
        assert.equal(source.given_name, 'Pat');
        assert.equal(source.family_name, 'Doe');
        assert.equal(source.picture, 'https://images.example.test/pat.png');
        assert.equal(source.locale, 'en-GB');
        assert.equal(source.phone_number, '+44 20 7946 0958');
        assert.equal(source.phone_number_verified, false);
        // OIDC Core §5.1.1: an object; line breaks as \n whatever the browser sent.
        assert.deepEqual(source.address, { formatted: '12 Analytical Row\nLondon N1 9GU\nUnited Kingdom' });
      }
      const audit = await storage().audit.list({ targetId: user.id, action: 'user.profile_updated', offset: 0, limit: 10 });
      assert.equal(audit.total, 1);
    });

    test('a picture must be an https URL, a locale a BCP 47 tag, an address 8 lines at most; nothing is saved otherwise', async () => {
      const user = await fixture.createUser('pic@example.test');
      const browser = await signedIn(user);
      const plain = await browser.submit('profile', { name: 'Pic', picture: 'http://images.example.test/pic.png' });
      assert.equal(plain.status, 400);
      const html = await plain.text();
      assert.match(html, /Picture URL must be an https URL/);
      assert.match(html, /value="http:\/\/images\.example\.test\/pic\.png"/, 'what was typed is kept');
      const locale = await browser.submit('profile', { name: 'Pic', locale: 'not a tag!' });
      assert.equal(locale.status, 400);
      assert.match(await locale.text(), /Language must be a BCP 47 language tag/);
      const address = await browser.submit('profile', { name: 'Pic', address: Array.from({ length: 9 }, (_, line) => `line ${line}`).join('\n') });
      assert.equal(address.status, 400);
      assert.match(await address.text(), /Postal address must be at most 8 lines/);
      const stored = (await storage().users.get(user.id))!;
      assert.equal(stored.name, 'pic');
      assert.equal(stored.profile.picture, null);
    });

    test('an email change sends a link for the new address; the account keeps its address until it is used', async () => {
      const user = await fixture.createUser('old@example.test');
      const browser = await signedIn(user);
      const asked = await browser.submit('email', { email: 'New@Example.test' });
      assert.equal(asked.status, 303);
      const [mail, ...more] = await queuedMails(storage(), 'new@example.test');
      assert.equal(more.length, 0);
      assert.equal(mail!.template, 'verify-email');
      const link = new URL((mail!.variables as { link: string }).link);
      assert.equal(link.origin + link.pathname, `${fixture.issuer}/account/verify-email`);
      const record = await storage().accountTokens.get(accountTokenHash(link.searchParams.get('token')!));
      assert.equal(record?.purpose, 'verify_email');
      assert.equal(record?.email, 'new@example.test');
      assert.equal(record?.userId, user.id);
      assert.equal((await storage().users.get(user.id))!.email, 'old@example.test');
      assert.deepEqual(await queuedMails(storage(), 'old@example.test'), [], 'the old address hears when the change takes effect');
      assert.ok(published.some((event) => event.type === 'user.email_change_requested' && event.userId === user.id));
    });

    test('an unverified address gets a button that mails a new verification link; a verified one none', async () => {
      const user = await fixture.createUser('unverified@example.test');
      await fixture.server.server.runtime.registry.users.update({ actor: operatorActor }, user.id, { emailVerified: false });
      const browser = await signedIn(user);
      const { html } = await browser.page();
      const form = /<form method="post" action="([^"]+\/account\/verify-email\/resend)">\s*<input type="hidden" name="csrf" value="([^"]+)">/.exec(html);
      assert.ok(form, 'the resend form is on the page');
      assert.deepEqual(await queuedMails(storage(), user.email, 'verify-email'), []);
      const sent = await browser.post(form[1]!, { csrf: form[2]! });
      assert.equal(sent.status, 200);
      assert.match(await sent.text(), /We sent a new link to unverified@example\.test/);
      assert.equal((await queuedMails(storage(), user.email, 'verify-email')).length, 1);
      const forged = await browser.post(form[1]!, { csrf: 'forged' });
      assert.equal(forged.status, 403, 'the form checks its CSRF token');

      const verified = await signedIn(await fixture.createUser('verified@example.test'));
      assert.doesNotMatch((await verified.page()).html, /verify-email\/resend/);
    });

    test('an address another account has gets the same answer and no mail', async () => {
      const user = await fixture.createUser('taker@example.test');
      await fixture.createUser('taken@example.test');
      const browser = await signedIn(user);
      const asked = await browser.submit('email', { email: 'taken@example.test' });
      assert.equal(asked.status, 303);
      assert.equal(asked.headers.get('location'), `${browser.base}?done=email`);
      assert.deepEqual(await queuedMails(storage(), 'taken@example.test'), []);
    });

    test('a password change needs the current password and follows the password rule', async () => {
      const user = await fixture.createUser('pw@example.test');
      const browser = await signedIn(user);
      const wrong = await browser.submit('password', { current_password: 'not it at all', new_password: 'a brand new passphrase' });
      assert.equal(wrong.status, 400);
      assert.match(await wrong.text(), /Current password is not your current password/);
      const weak = await browser.submit('password', { current_password: user.password, new_password: 'password' });
      assert.equal(weak.status, 400);
      assert.match(await weak.text(), /New password is too common/);
      const short = await browser.submit('password', { current_password: user.password, new_password: 'short' });
      assert.match(await short.text(), /New password must be at least 8 characters/);
      assert.deepEqual(await queuedMails(storage(), user.email), []);
    });

    test('guessing the current password is throttled like sign-in, and counts with it', async () => {
      const user = await fixture.createUser('guess@example.test');
      const browser = await signedIn(user);
      const statuses: number[] = [];
      for (let guess = 0; guess < 6; guess += 1) {
        statuses.push((await browser.submit('password', { current_password: `guess number ${guess}`, new_password: 'a brand new passphrase' })).status);
      }
      assert.deepEqual(statuses, [400, 400, 400, 400, 400, 429]);
      const right = await browser.submit('password', { current_password: user.password, new_password: 'a brand new passphrase' });
      assert.equal(right.status, 429, 'even the right password waits');
      assert.ok(Number(right.headers.get('retry-after')) >= 1);
      assert.match(await right.text(), /Too many attempts/);
      const elsewhere = new AccountBrowser(fixture.issuer, fixture.fetch);
      const form = await elsewhere.get(`${elsewhere.base}/sign-in`);
      const html = await form.text();
      const signIn = await elsewhere.post(`${elsewhere.base}/sign-in`, { csrf: hiddenField(html, 'csrf')!, email: user.email, password: user.password });
      assert.equal(signIn.status, 429, 'the sign-in form shares the count');
    });

    test('a password change ends the other sessions, keeps this one, and tells the owner', async () => {
      const user = await fixture.createUser('change@example.test');
      const here = await signedIn(user);
      const elsewhere = await signedIn(user);
      const changed = await here.submit('password', { current_password: user.password, new_password: 'a brand new passphrase' });
      assert.equal(changed.status, 303);
      assert.equal((await here.page()).status, 200, 'this browser stays signed in');
      assert.equal((await elsewhere.page()).status, 302, 'the other browser is signed out');
      const mails = await queuedMails(storage(), user.email);
      assert.deepEqual(
        mails.map((mail) => mail.template),
        ['password-changed'],
      );
      const again = new AccountBrowser(fixture.issuer, fixture.fetch);
      await again.signIn({ email: user.email, password: 'a brand new passphrase' });
    });

    test('withdrawing an app deletes the consent and revokes its refresh token', async () => {
      const user = await fixture.createMember('withdraw@example.test');
      const app = await fixture.createApp({
        name: 'Acme Sync',
        type: 'web',
        redirectUris: [redirectUri],
        grantTypes: ['authorization_code', 'refresh_token'],
        scopes: ['openid', 'offline_access'],
      });
      const browser = await signedIn(user);
      const { as, client, auth, tokens } = await relyingParty(app, browser, 'openid offline_access');
      assert.ok(tokens.refresh_token);

      const page = await browser.page();
      assert.match(page.html, /Acme Sync/);
      const withdrawn = await browser.submit('apps/withdraw', { client_id: app.clientId });
      assert.equal(withdrawn.status, 303);
      assert.doesNotMatch((await browser.page()).html, /Acme Sync/);
      assert.equal(await storage().consents.get(user.id, app.clientId), undefined);
      await assert.rejects(
        async () => oauth.processRefreshTokenResponse(as, client, await oauth.refreshTokenGrantRequest(as, client, auth, tokens.refresh_token!, insecure)),
        (error: unknown) => error instanceof oauth.ResponseBodyError && error.error === 'invalid_grant',
      );
    });

    test('each app allowed is listed by its name, with what it may do in plain words, never the raw consent items', async () => {
      const user = await fixture.createMember('plain-words@example.test');
      const app = await fixture.createApp({ name: 'Acme Contacts', type: 'web', redirectUris: [redirectUri], scopes: ['openid', 'email', 'read:contacts'] });
      const now = Date.now();
      await storage().consents.put({
        userId: user.id,
        clientId: app.clientId,
        scopes: ['openid', 'email', 'read:contacts', `aud:${fixture.api.identifier}`, 'claim:email_verified'],
        createdAt: now,
        updatedAt: now,
      });
      const { html } = await (await signedIn(user)).page();
      const item = /<li>\s*<div><strong>Acme Contacts<\/strong>[\s\S]*?<\/li>\s*<\/ul>/.exec(html)?.[0] ?? '';
      assert.ok(item, 'the app, by its name');
      const words = [...item.matchAll(/<li>([^<]*)<\/li>/g)].map((match) => match[1]);
      assert.deepEqual(words, [
        'Know who you are: your account identifier',
        'See your email address and whether it is verified',
        'Read your contacts (Contacts API)',
        'Call Contacts API for you',
        'See whether your email address is verified',
      ]);
      assert.doesNotMatch(html, /aud:|claim:|<code>read:contacts/, 'no raw consent item on the page');

      // The console's My profile reads the same words from the management API.
      const { token } = await fixture.server.server.runtime.registry.tokens.create({ actor: operatorActor }, user.id, { name: 'me', scopes: ['users:read'] });
      const consents = await new ApiCaller(fixture.server, token).get<{ items: { clientId: string; scopes: string[]; access: string[] }[] }>('/me/consents');
      assert.equal(consents.status, 200, consents.text);
      assert.deepEqual(consents.body.items[0]?.access, words);
      assert.ok(consents.body.items[0]?.scopes.includes('claim:email_verified'), 'the stored items are still there, for scripts');
    });

    test('the sessions list shows every session, marks this device, and ending another signs it out', async () => {
      const user = await fixture.createUser('sessions@example.test');
      const here = await signedIn(user);
      const other = new AccountBrowser(fixture.issuer, (url, init) =>
        fixture.fetch(url, {
          ...init,
          headers: { ...(init?.headers as Record<string, string>), 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0' },
        }),
      );
      await other.signIn(user);
      const { html } = await here.page();
      const sids = [...html.matchAll(/data-sid="([^"]+)"/g)].map((match) => match[1]!);
      assert.equal(sids.length, 2);
      assert.match(html, /Firefox on Linux/);
      assert.match(html, /IP 127\.0\.0\.1/);
      assert.equal([...html.matchAll(/this device<\/span>/g)].length, 1);
      const otherSid = (await storage().sessions.listForUser(user.id, Date.now())).find((session) => session.userAgent?.includes('Firefox'))!.sid;
      assert.ok(sids.includes(otherSid));
      const ended = await here.submit('sessions/end', { sid: otherSid });
      assert.equal(ended.status, 303);
      assert.equal((await other.page()).status, 302, 'its cookie no longer works');
      assert.equal((await here.page()).status, 200);
      assert.ok(published.some((event) => event.type === 'session.ended' && event.sid === otherSid));
      const audit = await storage().audit.list({ targetId: user.id, action: 'session.ended', offset: 0, limit: 10 });
      assert.equal(audit.total, 1);
      const [row] = audit.items;
      assert.equal(row!.actor.id, user.id, 'the user did it');
      assert.equal(row!.requestId, ended.headers.get('x-request-id'), 'tied to the log line of the request');
      assert.deepEqual(row!.changes, { sid: otherSid, reason: 'signed out from the account page' });
    });

    test('a session id of another user ends nothing', async () => {
      const victim = await fixture.createUser('victim@example.test');
      const victimBrowser = await signedIn(victim);
      const [victimSession] = await storage().sessions.listForUser(victim.id, Date.now());
      const attacker = await signedIn(await fixture.createUser('attacker@example.test'));
      await attacker.submit('sessions/end', { sid: victimSession!.sid });
      assert.equal((await victimBrowser.page()).status, 200);
    });

    test('sign out everywhere ends every session, this one included', async () => {
      const user = await fixture.createUser('everywhere@example.test');
      const here = await signedIn(user);
      const other = await signedIn(user);
      const ended = await here.submit('sessions/end', { scope: 'all' });
      assert.equal(ended.status, 303);
      assert.match(ended.headers.get('location')!, /\/account\/sign-in/);
      assert.equal((await here.page()).status, 302);
      assert.equal((await other.page()).status, 302);
      assert.deepEqual(await storage().sessions.listForUser(user.id, Date.now()), []);
    });

    test('ending a session ends the sign-in it was in the middle of: its consent page can not finish as it', async () => {
      const user = await fixture.createMember('midway@example.test');
      const app = await fixture.createApp({ name: 'Midway', type: 'web', redirectUris: [redirectUri], scopes: ['openid', 'profile'] });
      const here = await signedIn(user);
      const other = new FormBrowser(fixture.issuer, fixture.fetch);
      const first = await other.authorize(authorizeUrl(fixture.issuer, app.clientId, { scope: 'openid profile' }), user, 'allow');
      assert.equal(first.status, 303);
      // The other browser is signed in now; its next request pauses at consent.
      const consentStart = await other.get(authorizeUrl(fixture.issuer, app.clientId, { scope: 'openid profile', prompt: 'consent' }));
      const consentPage = await other.get(new URL(consentStart.headers.get('location')!));
      const html = await consentPage.text();
      assert.match(html, /name="decision"/);
      const action = /<form method="post" action="([^"]+)"/.exec(html)![1]!;
      const otherHash = fixture.server.server.runtime.keys.tokenHasher.hash(other.cookies.get('lk_session')!);
      const otherSid = (await storage().sessions.getByHash(otherHash))!.sid;
      await here.submit('sessions/end', { sid: otherSid });
      const answered = await other.post(action, { csrf: hiddenField(html, 'csrf')!, decision: 'allow' });
      assert.equal(answered.status, 303);
      assert.ok(other.isOurs(answered.headers.get('location')!), 'back to sign-in, not to the app with a code');
      assert.doesNotMatch(answered.headers.get('location')!, /code=/);
    });

    // Without mail.smtpUrl the links of queued mails are logged on purpose (development mode), so
    // only the passwords and session cookies are looked for.
    test('no password or session cookie of these tests reached the log', () => {
      const text = fixture.server.logs.text;
      assert.ok(text.length > 0, 'there are log lines to scan');
      for (const secret of [fixture.user.password, 'a brand new passphrase', 'not it at all', 'guess number 0']) {
        assert.equal(text.includes(secret), false, 'a password is in the log');
      }
      assert.doesNotMatch(text, /lk_session=/);
    });
  });

  describe(`session lifetimes on ${store.name}`, { skip: store.skip }, () => {
    const clock = fakeClock(Date.now());
    let fixture: OAuthFixture;
    let database: TestDatabase | undefined;

    before(async () => {
      database = await store.database();
      const env = { LATCHKEY_SESSIONS_IDLE_MINUTES: '10', LATCHKEY_SESSIONS_MAX_AGE_HOURS: '1' };
      fixture = await oauthFixture({ clock, env, ...(database ? { databaseUrl: database.url } : {}) });
    });
    after(async () => {
      await fixture?.stop();
      await database?.drop();
    });

    const minutes = (count: number) => count * 60_000;
    const sessionOf = async (userId: string) => (await fixture.server.server.runtime.storage.sessions.listForUser(userId, clock.now()))[0];

    test('a session unused for sessions.idleMinutes ends; each use moves the end', async () => {
      const user = await fixture.createUser('idle@example.test');
      const browser = new AccountBrowser(fixture.issuer, fixture.fetch);
      await browser.signIn(user);
      clock.advance(minutes(9));
      assert.equal((await browser.page()).status, 200);
      clock.advance(minutes(9));
      assert.equal((await browser.page()).status, 200, 'used 9 minutes ago: still live, 18 minutes after sign-in');
      clock.advance(minutes(10) + 1);
      const ended = await browser.page();
      assert.equal(ended.status, 302, 'unused for 10 minutes: signed out');
      assert.match(ended.location!, /\/account\/sign-in/);
    });

    test('use within a minute of the last is not written; the absolute lifetime still ends the session', async () => {
      const user = await fixture.createUser('busy@example.test');
      const browser = new AccountBrowser(fixture.issuer, fixture.fetch);
      await browser.signIn(user);
      const started = (await sessionOf(user.id))!;
      clock.advance(30_000);
      await browser.page();
      assert.equal((await sessionOf(user.id))!.lastSeenAt, started.lastSeenAt, 'no write for a use 30 s after the last');
      clock.advance(40_000);
      await browser.page();
      const touched = (await sessionOf(user.id))!;
      assert.equal(touched.lastSeenAt, clock.now());
      assert.equal(touched.expiresAt, clock.now() + minutes(10));
      for (let used = 0; used < 6; used += 1) {
        clock.advance(minutes(9));
        assert.equal((await browser.page()).status, 200);
      }
      // 64 minutes after sign-in, used 9 minutes ago: past sessions.maxAgeHours.
      clock.advance(minutes(9));
      assert.equal((await browser.page()).status, 302);
    });
  });
}
