import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as oauth from 'oauth4webapi';
import { paths } from '../../src/contracts/paths.js';
import { operatorActor } from '../../src/domain/access/actor.js';
import { inspectAccountLink } from '../../src/domain/identity/account-links.js';
import type { DomainEvent } from '../../src/ports/domain-events.js';
import { ApiCaller } from '../support/api.js';
import { authorizeUrl } from '../support/flows.js';
import { queuedMails } from '../support/mailbox.js';
import { FormBrowser, oauthFixture, password, redirectUri, type OAuthFixture } from '../support/oauth.js';

const insecure = { [oauth.allowInsecureRequests]: true } as const;
const operator = { actor: operatorActor };

interface UserView {
  id: string;
  email: string;
  emailVerified: boolean;
  disabled: boolean;
  lockedUntil: string | null;
  hasPassword: boolean;
  profile: Record<string, string | null>;
  createdAt: string;
}

describe('user administration through the management API', () => {
  let fixture: OAuthFixture;
  let as: oauth.AuthorizationServer;
  let admin: ApiCaller;
  let app: { clientId: string; clientSecret: string | null };
  const events: DomainEvent[] = [];
  let counter = 0;

  before(async () => {
    fixture = await oauthFixture();
    const registry = fixture.server.server.runtime.registry;
    const user = await registry.users.create(operator, { email: 'root@example.test', name: 'Root', password, isAdmin: true });
    const { token } = await registry.tokens.create(operator, user.id, { name: 'admin', scopes: ['users:read', 'users:write', 'audit:read'] });
    admin = new ApiCaller(fixture.server, token);
    app = await fixture.createApp({ name: 'Web', type: 'web', redirectUris: [redirectUri], scopes: ['openid', 'email'] });
    const issuer = new URL(fixture.issuer);
    as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, insecure));
    fixture.server.server.runtime.events.subscribe((event) => events.push(event));
  });
  after(() => fixture.stop());

  async function newUser(prefix = 'person') {
    counter += 1;
    return fixture.createMember(`${prefix}-${counter}@example.test`);
  }

  /** Signs `user` in through the hosted pages and redeems the code: a session and an access token. */
  async function signInAndGetToken(user: { email: string; password: string }) {
    const client: oauth.Client = { client_id: app.clientId };
    const auth = oauth.ClientSecretBasic(app.clientSecret!);
    const verifier = oauth.generateRandomCodeVerifier();
    const browser = new FormBrowser(fixture.issuer, fixture.fetch);
    const url = authorizeUrl(fixture.issuer, app.clientId, { scope: 'openid email', state: 'xyz', nonce: null }, verifier);
    const callback = await browser.authorize(url, user);
    const params = oauth.validateAuthResponse(as, client, new URL(callback.headers.get('location')!), 'xyz');
    const response = await oauth.authorizationCodeGrantRequest(as, client, auth, params, redirectUri, verifier, insecure);
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, response);
    return { browser, accessToken: tokens.access_token };
  }

  async function introspect(token: string): Promise<boolean> {
    const client: oauth.Client = { client_id: app.clientId };
    const response = await oauth.introspectionRequest(as, client, oauth.ClientSecretBasic(app.clientSecret!), token, insecure);
    return (await oauth.processIntrospectionResponse(as, client, response)).active;
  }

  async function userinfoStatus(token: string): Promise<number> {
    const response = await fetch(as.userinfo_endpoint!, { headers: { authorization: `Bearer ${token}` } });
    await response.arrayBuffer();
    return response.status;
  }

  /** The status of a fresh sign-in with the user's password on the hosted page. */
  async function signInStatus(user: { email: string; password: string }): Promise<{ status: number; html: string }> {
    const browser = new FormBrowser(fixture.issuer, fixture.fetch);
    const response = await browser.authorize(authorizeUrl(fixture.issuer, app.clientId, { scope: 'openid' }), user);
    return { status: response.status, html: response.status === 302 || response.status === 303 ? '' : await response.text() };
  }

  async function auditActions(userId: string): Promise<string[]> {
    const page = await admin.get<{ items: { action: string; targetId: string }[] }>('/audit?perPage=100');
    return page.body.items.filter((item) => item.targetId === userId).map((item) => item.action);
  }

  test('lists users a page at a time and searches by email or name; the view carries state and profile', async () => {
    for (const index of [1, 2, 3]) await fixture.createUser(`zebra-${index}@example.test`);
    const first = await admin.get<{ items: UserView[]; total: number; page: number }>('/users?q=zebra&perPage=2');
    assert.equal(first.status, 200);
    assert.equal(first.body.total, 3);
    assert.deepEqual(
      first.body.items.map((user) => user.email),
      ['zebra-1@example.test', 'zebra-2@example.test'],
    );
    const second = await admin.get<{ items: UserView[] }>('/users?q=ZEBRA&perPage=2&page=2');
    assert.deepEqual(
      second.body.items.map((user) => user.email),
      ['zebra-3@example.test'],
    );
    const [view] = second.body.items;
    assert.equal(view!.emailVerified, true);
    assert.equal(view!.disabled, false);
    assert.equal(view!.lockedUntil, null);
    assert.match(view!.createdAt, /^\d{4}-\d\d-\d\dT/);
    assert.deepEqual(Object.keys(view!.profile).sort(), ['address', 'familyName', 'givenName', 'locale', 'phoneNumber', 'picture']);
  });

  test('a user created without a password is mailed a 72-hour link to the reset page, in the same change', async () => {
    const created = await admin.post<UserView>('/users', { email: 'Invited@Example.test', name: 'Invited' });
    assert.equal(created.status, 201);
    assert.equal(created.body.hasPassword, false);
    const [mail, ...more] = await queuedMails(fixture.server.server.runtime.storage, 'invited@example.test');
    assert.equal(more.length, 0);
    assert.equal(mail!.template, 'account-created');
    assert.equal(mail!.variables.expiresInHours, 72);
    const link = new URL(mail!.variables.link!);
    assert.equal(link.origin + link.pathname, fixture.issuer + paths.resetPassword);
    const token = link.searchParams.get('token')!;
    const storage = fixture.server.server.runtime.storage;
    const now = Date.now();
    const inspected = await inspectAccountLink(storage.accountTokens, token, 'reset_password', now);
    assert.ok(inspected.ok);
    assert.equal(inspected.link.userId, created.body.id);
    assert.ok(Math.abs(inspected.link.expiresAt - inspected.link.createdAt - 72 * 3600_000) === 0);
    assert.equal((await inspectAccountLink(storage.accountTokens, token, 'reset_password', inspected.link.createdAt + 72 * 3600_000)).ok, false);

    const withPassword = await admin.post<UserView>('/users', { email: 'set@example.test', password: 'a fine long password' });
    assert.equal(withPassword.body.hasPassword, true);
    assert.deepEqual(await queuedMails(storage, 'set@example.test'), []);
    // A taken email writes nothing: no second user, no second mail.
    assert.equal((await admin.post('/users', { email: 'invited@example.test' })).status, 409);
    assert.equal((await queuedMails(storage, 'invited@example.test')).length, 1);
  });

  test('disabling a user ends their sessions, refuses their sign-in and stops their tokens; enabling lets them in again', async () => {
    const user = await newUser();
    const { accessToken } = await signInAndGetToken(user);
    assert.equal(await introspect(accessToken), true);
    assert.equal(await userinfoStatus(accessToken), 200);
    assert.equal((await admin.get<{ items: unknown[] }>(`/users/${user.id}/sessions`)).body.items.length, 1);

    events.length = 0;
    const disabled = await admin.post<UserView>(`/users/${user.id}/disable`);
    assert.equal(disabled.status, 200);
    assert.equal(disabled.body.disabled, true);
    assert.equal(await introspect(accessToken), false, 'introspection says inactive');
    assert.equal(await userinfoStatus(accessToken), 401, 'userinfo refuses the token');
    assert.deepEqual((await admin.get<{ items: unknown[] }>(`/users/${user.id}/sessions`)).body.items, []);
    assert.deepEqual(
      events.map((event) => event.type),
      ['user.disabled', 'session.ended'],
    );
    const refused = await signInStatus(user);
    assert.equal(refused.status, 403);
    assert.match(refused.html, /disabled/);

    const enabled = await admin.post<UserView>(`/users/${user.id}/enable`);
    assert.equal(enabled.body.disabled, false);
    assert.equal((await signInStatus(user)).status, 303);
    const [enabledRow, ...disabledRows] = (await auditActions(user.id)).slice(0, 3);
    assert.equal(enabledRow, 'user.enabled');
    // Written in one transaction, at one instant: their order among themselves is not defined.
    assert.deepEqual(disabledRows.sort(), ['session.ended', 'user.disabled']);
  });

  test('disabling through PATCH {disabled: true} ends the sessions as well', async () => {
    const user = await newUser();
    const { accessToken } = await signInAndGetToken(user);
    assert.equal((await admin.patch<UserView>(`/users/${user.id}`, { disabled: true })).body.disabled, true);
    assert.deepEqual((await admin.get<{ items: unknown[] }>(`/users/${user.id}/sessions`)).body.items, []);
    assert.equal(await introspect(accessToken), false);
  });

  test('an administrator cannot disable themselves', async () => {
    const response = await admin.post<{ detail: string }>('/users/root@example.test/disable');
    assert.equal(response.status, 409);
    assert.match(response.body.detail, /yourself/);
  });

  test('mark verified, unlock and a password reset mail', async () => {
    const storage = fixture.server.server.runtime.storage;
    const created = await admin.post<UserView>('/users', { email: 'unverified@example.test', password: 'another long password' });
    assert.equal(created.body.emailVerified, false);
    const verified = await admin.post<UserView>(`/users/${created.body.id}/verify`);
    assert.equal(verified.body.emailVerified, true);

    const record = (await storage.users.get(created.body.id))!;
    await storage.users.update({ ...record, lockedUntil: Date.now() + 15 * 60_000 });
    assert.notEqual((await admin.get<UserView>(`/users/${created.body.id}`)).body.lockedUntil, null);
    const unlocked = await admin.post<UserView>(`/users/${created.body.id}/unlock`);
    assert.equal(unlocked.body.lockedUntil, null);
    assert.equal((await signInStatus({ email: 'unverified@example.test', password: 'another long password' })).status, 303);

    assert.equal((await admin.post(`/users/${created.body.id}/password-reset`)).status, 204);
    const [mail] = await queuedMails(storage, 'unverified@example.test', 'reset-password');
    assert.equal(mail!.variables.expiresInMinutes, 30);
    const token = new URL(mail!.variables.link!).searchParams.get('token')!;
    const inspected = await inspectAccountLink(storage.accountTokens, token, 'reset_password', Date.now());
    assert.ok(inspected.ok);
    assert.equal(inspected.link.expiresAt - inspected.link.createdAt, 30 * 60_000);
    assert.deepEqual((await auditActions(created.body.id)).slice(0, 3).sort(), ['user.password_reset_sent', 'user.unlocked', 'user.updated']);
  });

  test("lists a user's sessions and ends one or all of them", async () => {
    const user = await newUser();
    const first = await signInAndGetToken(user);
    await signInAndGetToken(user);
    const sessions = await admin.get<{ items: { sid: string; ip: string | null; lastSeenAt: string }[] }>(`/users/${user.email}/sessions`);
    assert.equal(sessions.body.items.length, 2);
    events.length = 0;
    const [one] = sessions.body.items;
    assert.equal((await admin.delete(`/users/${user.id}/sessions/${one!.sid}`)).status, 204);
    assert.deepEqual(events, [{ type: 'session.ended', sid: one!.sid }]);
    assert.equal((await admin.delete(`/users/${user.id}/sessions/${one!.sid}`)).status, 404);
    assert.equal((await admin.get<{ items: unknown[] }>(`/users/${user.id}/sessions`)).body.items.length, 1);
    assert.equal((await admin.delete(`/users/${user.id}/sessions`)).status, 204);
    assert.deepEqual((await admin.get<{ items: unknown[] }>(`/users/${user.id}/sessions`)).body.items, []);
    // An ended session signs in again: the browser is asked for its password.
    const again = await first.browser.get(authorizeUrl(fixture.issuer, app.clientId, { scope: 'openid' }));
    assert.match(new URL(again.headers.get('location')!, fixture.issuer).pathname, /interaction/);
  });

  test('deleting a user ends their sessions, drops their memberships and stops their tokens', async () => {
    const registry = fixture.server.server.runtime.registry;
    const user = await newUser();
    await registry.orgs.putMember(operator, 'default', { userId: user.id, role: 'viewer' });
    const { accessToken } = await signInAndGetToken(user);
    events.length = 0;
    assert.equal((await admin.delete(`/users/${user.id}`)).status, 204);
    assert.deepEqual(
      events.map((event) => event.type),
      ['user.deleted', 'session.ended'],
    );
    assert.equal(await introspect(accessToken), false);
    assert.equal((await admin.get(`/users/${user.id}`)).status, 404);
    assert.deepEqual(await fixture.server.server.runtime.storage.sessions.listForUser(user.id, Date.now()), []);
    assert.equal((await fixture.server.server.runtime.storage.organizations.listMembershipsOfUser(user.id)).length, 0);
  });

  test('only server administrators may do any of it', async () => {
    const registry = fixture.server.server.runtime.registry;
    const target = await newUser();
    const plain = await registry.users.create(operator, { email: 'plain@example.test', password });
    const { token } = await registry.tokens.create(operator, plain.id, { name: 'mine', scopes: ['users:read', 'users:write'] });
    const caller = new ApiCaller(fixture.server, token);
    for (const action of ['disable', 'enable', 'verify', 'unlock', 'password-reset']) {
      assert.equal((await caller.post(`/users/${target.id}/${action}`)).status, 403, action);
    }
    assert.equal((await caller.get(`/users/${target.id}/sessions`)).status, 403);
    assert.equal((await caller.delete(`/users/${target.id}/sessions`)).status, 403);
    assert.equal((await caller.get('/users')).status, 403);
  });
});
