import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import * as client from 'openid-client';
import { allManagementScopes, operatorActor } from '../../src/domain/access/actor.js';
import { backchannelLogoutEvent } from '../../src/protocol/tokens/logout-token.js';
import { startSweeper } from '../../src/runtime/sweeper.js';
import { AccountBrowser } from '../support/account.js';
import { ApiCaller, userWithToken } from '../support/api.js';
import { lastLink } from '../support/accounts.js';
import { FormBrowser, hiddenField, oauthFixture, redirectUri, type OAuthFixture } from '../support/oauth.js';
import { createTestDatabase, postgresSkipReason, type TestDatabase } from '../support/postgres.js';
import { listenOnFreePort } from '../support/server.js';

const insecure = { execute: [client.allowInsecureRequests] };
/** Short polls and backoff, so that retries take milliseconds. */
const fastWorker = { pollIntervalMs: 25, backoffBaseMs: 50, backoffMaxMs: 200 };
const postLogoutRedirectUri = 'https://client.example.test/signed-out';

interface Delivery {
  path: string;
  contentType: string | undefined;
  body: URLSearchParams;
}

/** An app's back-channel logout endpoint on a loopback port: records each POST, answers the statuses queued for its path (200 when none is). */
class Receiver {
  readonly deliveries: Delivery[] = [];
  readonly #statuses = new Map<string, number[]>();
  readonly #server: Server;
  url = '';

  constructor() {
    this.#server = createServer((request: IncomingMessage, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const path = request.url ?? '/';
        this.deliveries.push({ path, contentType: request.headers['content-type'], body: new URLSearchParams(Buffer.concat(chunks).toString('utf8')) });
        const status = this.#statuses.get(path)?.shift() ?? 200;
        response.writeHead(status, status >= 300 && status < 400 ? { location: `${this.url}/elsewhere` } : {}).end();
      });
    });
  }

  async start(): Promise<void> {
    this.url = `http://127.0.0.1:${await listenOnFreePort(this.#server)}`;
  }

  answer(path: string, ...statuses: number[]): void {
    this.#statuses.set(path, statuses);
  }

  to(path: string): Delivery[] {
    return this.deliveries.filter((delivery) => delivery.path === path);
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

async function until<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const stores: { name: string; skip: string | false; database: () => Promise<TestDatabase | undefined> }[] = [
  { name: 'SQLite', skip: false, database: () => Promise.resolve(undefined) },
  { name: 'PostgreSQL', skip: postgresSkipReason, database: () => createTestDatabase() },
];
if (postgresSkipReason) console.log(`# ${postgresSkipReason}`);

for (const store of stores)
  describe(`OpenID Connect Back-Channel Logout on ${store.name}`, { skip: store.skip }, () => {
    let database: TestDatabase | undefined;
    let fixture: OAuthFixture;
    let receiver: Receiver;
    let jwks: ReturnType<typeof createRemoteJWKSet>;
    let admin: ApiCaller;
    // The server's clock runs with the real one, plus what the expiry test adds.
    let offsetMs = 0;
    const clock = { now: () => Date.now() + offsetMs };
    let counter = 0;

    before(async () => {
      receiver = new Receiver();
      await receiver.start();
      database = await store.database();
      fixture = await oauthFixture({ mailWorker: fastWorker, clock, ...(database ? { databaseUrl: database.url } : {}) });
      jwks = createRemoteJWKSet(new URL(`${fixture.issuer}/.well-known/jwks.json`));
      const registry = fixture.server.server.runtime.registry;
      const root = await registry.users.create({ actor: operatorActor }, { email: 'root@example.test', name: 'Root', isAdmin: true });
      await registry.orgs.putMember({ actor: operatorActor }, 'default', { userId: root.id, role: 'admin' });
      const { token } = await registry.tokens.create({ actor: operatorActor }, root.id, { name: 'admin', scopes: allManagementScopes });
      admin = new ApiCaller(fixture.server, token);
    });
    after(async () => {
      await fixture?.stop();
      await receiver?.stop();
      await database?.drop();
    });

    /** An app whose back-channel logout URI is the receiver at its own path. */
    async function logoutApp(extra: Record<string, unknown> = {}) {
      counter += 1;
      const path = `/logout-${counter}`;
      const app = await fixture.createApp({
        name: `RP ${counter}`,
        type: 'web',
        redirectUris: [redirectUri],
        postLogoutRedirectUris: [postLogoutRedirectUri],
        grantTypes: ['authorization_code', 'refresh_token'],
        scopes: ['openid', 'profile', 'offline_access'],
        backchannelLogoutUri: `${receiver.url}${path}`,
        backchannelLogoutSessionRequired: true,
        ...extra,
      });
      const configuration = await client.discovery(new URL(fixture.issuer), app.clientId, undefined, client.ClientSecretBasic(app.clientSecret!), insecure);
      return { ...app, path, configuration };
    }

    /** Signs in to the app with openid-client in `browser` (signing in on the way when it has no session). */
    async function signIn(
      configuration: client.Configuration,
      browser: FormBrowser,
      scope = 'openid profile',
      login: { email: string; password: string } = fixture.user,
    ) {
      const verifier = client.randomPKCECodeVerifier();
      const state = client.randomState();
      const nonce = client.randomNonce();
      const url = client.buildAuthorizationUrl(configuration, {
        redirect_uri: redirectUri,
        scope,
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      });
      const response = await browser.authorize(url, login);
      const callback = new URL(response.headers.get('location') ?? 'https://missing.example');
      return client.authorizationCodeGrant(configuration, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
    }

    /** The logout token of the path's `index`th delivery, verified as an app would (Back-Channel Logout §2.6). */
    async function logoutTokenAt(path: string, clientId: string, index = 0): Promise<JWTPayload> {
      const delivery = await until(`a logout token at ${path}`, () => receiver.to(path)[index]);
      assert.equal(delivery.contentType, 'application/x-www-form-urlencoded');
      const token = delivery.body.get('logout_token');
      assert.ok(token, 'POSTed as logout_token');
      assert.equal(decodeProtectedHeader(token).typ, 'logout+jwt');
      const { payload } = await jwtVerify(token, jwks, {
        issuer: fixture.issuer,
        audience: clientId,
        typ: 'logout+jwt',
        requiredClaims: ['iat', 'exp', 'jti', 'events'],
        currentDate: new Date(clock.now()),
      });
      assert.deepEqual(payload.events, { [backchannelLogoutEvent]: {} });
      assert.equal(payload.nonce, undefined, 'a logout token never has a nonce (§2.4)');
      assert.ok(payload.exp! - payload.iat! <= 120, 'short-lived');
      return payload;
    }

    test('discovery announces back- and front-channel logout with sessions', async () => {
      const metadata = (await (await fixture.fetch(`${fixture.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
      assert.equal(metadata.backchannel_logout_supported, true);
      assert.equal(metadata.backchannel_logout_session_supported, true);
      assert.equal(metadata.frontchannel_logout_supported, true);
      assert.equal(metadata.frontchannel_logout_session_supported, true);
    });

    test('RP-initiated logout sends each app of the session a logout token with its sid and sub, once', async () => {
      const first = await logoutApp();
      const second = await logoutApp();
      const bystander = await logoutApp();
      const browser = new FormBrowser(fixture.issuer, fixture.fetch);
      const tokens = await signIn(first.configuration, browser);
      const sid = tokens.claims()!.sid as string;
      assert.ok(sid, 'the ID token carries sid');
      assert.equal((await signIn(second.configuration, browser)).claims()!.sid, sid, 'one session, one sid');
      // Another browser's session: its app hears nothing of this logout.
      await signIn(bystander.configuration, new FormBrowser(fixture.issuer, fixture.fetch));

      const logout = client.buildEndSessionUrl(first.configuration, {
        id_token_hint: tokens.id_token!,
        post_logout_redirect_uri: postLogoutRedirectUri,
        state: 'bye',
      });
      const response = await browser.get(logout);
      assert.equal(response.status, 302);
      assert.equal(response.headers.get('location'), `${postLogoutRedirectUri}?state=bye`);

      for (const app of [first, second]) {
        const payload = await logoutTokenAt(app.path, app.clientId);
        assert.equal(payload.sid, sid, 'sid is the ID token’s');
        assert.equal(payload.sub, fixture.user.id);
        assert.equal(payload.aud, app.clientId);
      }
      const entries = await until('both entries sent', async () => {
        const logs = await Promise.all(
          [first, second].map(async (app) => (await fixture.server.server.runtime.storage.outbox.listForApp(app.clientId, 'backchannel_logout', 10))[0]),
        );
        return logs.every((entry) => entry?.sentAt) ? logs : undefined;
      });
      assert.equal(entries.length, 2);
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(receiver.to(first.path).length, 1, 'delivered once');
      assert.equal(receiver.to(bystander.path).length, 0, 'an app of another session hears nothing');
    });

    test('a pairwise app hears of the logout with the pairwise sub of its ID tokens, and id_token_hint works with it', async () => {
      const pairwise = await logoutApp({ idToken: { subjectType: 'pairwise' } });
      const browser = new FormBrowser(fixture.issuer, fixture.fetch);
      const tokens = await signIn(pairwise.configuration, browser);
      const sub = tokens.claims()!.sub;
      assert.notEqual(sub, fixture.user.id, 'pairwise, not the user id');
      // A hint naming the signed-in user (as this app knows them) ends the session without asking.
      const response = await browser.get(
        client.buildEndSessionUrl(pairwise.configuration, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: postLogoutRedirectUri }),
      );
      assert.equal(response.status, 302);
      assert.equal(response.headers.get('location'), postLogoutRedirectUri);
      const payload = await logoutTokenAt(pairwise.path, pairwise.clientId);
      assert.equal(payload.sub, sub);
    });

    test('ending the session revokes what was issued without offline_access; offline access lives on', async () => {
      const online = await logoutApp();
      const offline = await logoutApp();
      const browser = new FormBrowser(fixture.issuer, fixture.fetch);
      const onlineTokens = await signIn(online.configuration, browser, 'openid profile');
      const offlineTokens = await signIn(offline.configuration, browser, 'openid offline_access');
      assert.equal(onlineTokens.refresh_token, undefined, 'a refresh token needs offline_access');
      assert.ok(offlineTokens.refresh_token);
      assert.equal((await client.tokenIntrospection(online.configuration, onlineTokens.access_token)).active, true);

      const response = await browser.get(client.buildEndSessionUrl(online.configuration, { id_token_hint: onlineTokens.id_token! }));
      assert.equal(response.status, 200, 'signed out, with no redirect asked for');
      await logoutTokenAt(online.path, online.clientId);
      await logoutTokenAt(offline.path, offline.clientId);

      // OIDC Core §11: what the session gave ends with it; offline_access outlives it.
      assert.equal((await client.tokenIntrospection(online.configuration, onlineTokens.access_token)).active, false);
      await assert.rejects(client.fetchUserInfo(online.configuration, onlineTokens.access_token, fixture.user.id));
      const refreshed = await client.refreshTokenGrant(offline.configuration, offlineTokens.refresh_token);
      assert.ok(refreshed.access_token);
      assert.ok(refreshed.refresh_token);
    });

    test('signing out on the account page (one session or all) sends logout tokens', async () => {
      const app = await logoutApp();
      const user = await fixture.createMember(`account-${Date.now()}@example.test`);
      const browser = new AccountBrowser(fixture.issuer, fixture.fetch);
      await browser.signIn(user);
      const sid = (await signIn(app.configuration, browser, 'openid', user)).claims()!.sid as string;
      const ended = await browser.submit('sessions/end', { sid });
      assert.equal(ended.status, 303);
      const payload = await logoutTokenAt(app.path, app.clientId);
      assert.equal(payload.sid, sid);
      assert.equal(payload.sub, user.id);

      await browser.signIn(user);
      const again = (await signIn(app.configuration, browser, 'openid', user)).claims()!.sid as string;
      assert.notEqual(again, sid);
      assert.equal((await browser.submit('sessions/end', { scope: 'all' })).status, 303);
      assert.equal((await logoutTokenAt(app.path, app.clientId, 1)).sid, again);
    });

    test('an administrator ending the sessions or disabling the user sends logout tokens', async () => {
      const app = await logoutApp();
      const user = await fixture.createMember(`admin-ends-${Date.now()}@example.test`);
      const sid = (await signIn(app.configuration, new FormBrowser(fixture.issuer, fixture.fetch), 'openid', user)).claims()!.sid as string;
      const ended = await admin.delete(`/users/${user.id}/sessions`);
      assert.equal(ended.status, 204);
      assert.equal((await logoutTokenAt(app.path, app.clientId)).sid, sid);

      const next = (await signIn(app.configuration, new FormBrowser(fixture.issuer, fixture.fetch), 'openid', user)).claims()!.sid as string;
      await fixture.server.server.runtime.registry.users.disable({ actor: operatorActor }, user.id);
      assert.equal((await logoutTokenAt(app.path, app.clientId, 1)).sid, next);
    });

    test('a password reset, a new sign-in replacing the session and deleting the user send logout tokens', async () => {
      const app = await logoutApp();
      const user = await fixture.createMember(`reset-${Date.now()}@example.test`);
      const sid = (await signIn(app.configuration, new FormBrowser(fixture.issuer, fixture.fetch), 'openid', user)).claims()!.sid as string;
      const registry = fixture.server.server.runtime.registry;
      await registry.users.sendPasswordReset({ actor: operatorActor }, user.id);
      const link = await lastLink(fixture.server.server.runtime.storage, user.email, 'reset-password');
      const tab = new FormBrowser(fixture.issuer, fixture.fetch);
      const form = await (await tab.get(link)).text();
      const action = /<form method="post" action="([^"]+)"/.exec(form)?.[1] ?? link;
      const reset = await tab.post(new URL(action, fixture.issuer).toString(), {
        csrf: hiddenField(form, 'csrf') ?? '',
        token: hiddenField(form, 'token') ?? '',
        password: 'a whole new passphrase, long enough',
      });
      assert.equal(reset.status, 200);
      assert.equal((await logoutTokenAt(app.path, app.clientId, 0)).sid, sid);

      // Another user signing in in the same browser ends the first one's session.
      const login = { email: user.email, password: 'a whole new passphrase, long enough' };
      const shared = new FormBrowser(fixture.issuer, fixture.fetch);
      const replaced = (await signIn(app.configuration, shared, 'openid', login)).claims()!.sid as string;
      const otherUser = await fixture.createMember(`replacer-${Date.now()}@example.test`);
      const verifier = client.randomPKCECodeVerifier();
      const prompt = client.buildAuthorizationUrl(app.configuration, {
        redirect_uri: redirectUri,
        scope: 'openid',
        prompt: 'login',
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      });
      await shared.authorize(prompt, otherUser);
      assert.equal((await logoutTokenAt(app.path, app.clientId, 1)).sid, replaced);

      const last = (await signIn(app.configuration, new FormBrowser(fixture.issuer, fixture.fetch), 'openid', login)).claims()!.sid as string;
      await registry.users.delete({ actor: operatorActor }, user.id);
      const payload = await logoutTokenAt(app.path, app.clientId, 2);
      assert.equal(payload.sid, last);
      assert.equal(payload.sub, user.id);
    });

    test('a receiver that answers 500 is retried and gets the logout once; a redirect is not followed', async () => {
      const flaky = await logoutApp();
      const redirecting = await logoutApp();
      receiver.answer(flaky.path, 500);
      receiver.answer(redirecting.path, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302);
      const browser = new FormBrowser(fixture.issuer, fixture.fetch);
      const tokens = await signIn(flaky.configuration, browser);
      await signIn(redirecting.configuration, browser);
      await browser.get(client.buildEndSessionUrl(flaky.configuration, { id_token_hint: tokens.id_token! }));

      const first = await logoutTokenAt(flaky.path, flaky.clientId, 0);
      const second = await logoutTokenAt(flaky.path, flaky.clientId, 1);
      assert.notEqual(first.jti, second.jti, 'each try is a fresh token, signed when sent');
      assert.equal(second.sid, first.sid);
      const [entry] = await until('the retried entry sent', async () => {
        const log = await fixture.server.server.runtime.storage.outbox.listForApp(flaky.clientId, 'backchannel_logout', 10);
        return log[0]?.sentAt ? log : undefined;
      });
      assert.equal(entry!.attempts, 1);
      assert.match(entry!.lastError ?? '', /answered 500/);

      await until('a few tries of the redirecting receiver', () => receiver.to(redirecting.path).length >= 2);
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(receiver.to(flaky.path).length, 2, 'no third copy');
      assert.equal(receiver.to('/elsewhere').length, 0, 'the redirect was never followed');

      // The delivery log through the management API.
      const log = await admin.get<{ items: { state: string; attempts: number; lastError: string | null; sid: string; sentAt: string | null }[] }>(
        `/apps/${flaky.clientId}/logout-deliveries`,
      );
      assert.equal(log.status, 200);
      assert.equal(log.body.items.length, 1);
      assert.equal(log.body.items[0]!.state, 'sent');
      assert.equal(log.body.items[0]!.attempts, 1);
      assert.equal(log.body.items[0]!.sid, first.sid);
      assert.ok(log.body.items[0]!.sentAt);
      const pending = await admin.get<{ items: { state: string; lastError: string | null }[] }>(`/apps/${redirecting.clientId}/logout-deliveries`);
      assert.equal(pending.body.items[0]!.state, 'pending');
      assert.match(pending.body.items[0]!.lastError ?? '', /answered 302: redirects are not followed/);
      assert.doesNotMatch(log.text + pending.text, /eyJ/, 'no token in the log');
    });

    test('the delivery log is not shown to someone who may not read the app', async () => {
      const app = await logoutApp();
      const { api: outsider } = await userWithToken(fixture.server);
      const response = await outsider.get(`/apps/${app.clientId}/logout-deliveries`);
      assert.equal(response.status, 404);
    });

    test('logout URIs must be https; plain http only on loopback while the issuer is loopback', async () => {
      const { api } = await userWithToken(fixture.server, { role: 'admin' });
      const base = { name: 'Bad logout', type: 'web', redirectUris: [redirectUri] };
      const insecureUri = await api.post<{ errors?: { field: string; message: string }[] }>(`/orgs/default/apps`, {
        ...base,
        backchannelLogoutUri: 'http://rp.example.test/logout',
        frontchannelLogoutUri: 'http://rp.example.test/frontchannel',
      });
      assert.equal(insecureUri.status, 400);
      assert.match(insecureUri.text, /backchannelLogoutUri/);
      assert.match(insecureUri.text, /frontchannelLogoutUri/);
      assert.match(insecureUri.text, /must be an https URL/);
      const notAUrl = await api.post(`/orgs/default/apps`, { ...base, backchannelLogoutUri: 'logout' });
      assert.equal(notAUrl.status, 400);
      assert.match(notAUrl.text, /backchannelLogoutUri/);
      const fragment = await api.post(`/orgs/default/apps`, { ...base, backchannelLogoutUri: 'https://rp.example.test/logout#x' });
      assert.equal(fragment.status, 400);
      // This test server's issuer is on 127.0.0.1, so a loopback receiver is fine (development).
      const loopback = await api.post(`/orgs/default/apps`, { ...base, backchannelLogoutUri: `${receiver.url}/dev` });
      assert.equal(loopback.status, 201);
      const m2m = await api.post(`/orgs/default/apps`, { name: 'M2M', type: 'm2m', backchannelLogoutUri: 'https://rp.example.test/logout' });
      assert.equal(m2m.status, 400, 'a client-credentials app has no sessions');
    });

    // Last: it moves the server's clock a day ahead.
    test('a session that expires sends logout tokens when the sweeper ends it', async () => {
      const app = await logoutApp();
      const user = await fixture.createMember(`expires-${Date.now()}@example.test`);
      const sid = (await signIn(app.configuration, new FormBrowser(fixture.issuer, fixture.fetch), 'openid', user)).claims()!.sid as string;
      offsetMs += 25 * 3_600_000;
      const sweeper = startSweeper(fixture.server.server.runtime);
      try {
        await sweeper.sweep();
      } finally {
        sweeper.stop();
      }
      fixture.server.server.mail.worker.wake();
      const payload = await logoutTokenAt(app.path, app.clientId);
      assert.equal(payload.sid, sid);
      assert.equal(payload.sub, user.id);
      assert.deepEqual(await fixture.server.server.runtime.storage.sessions.listForUser(user.id, clock.now()), []);
    });
  });
