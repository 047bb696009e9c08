import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as oauth from 'oauth4webapi';
import { operatorActor } from '../../src/domain/access/actor.js';
import { startSweeper } from '../../src/runtime/sweeper.js';
import { decideDeviceCode } from '../support/device.js';
import { postForm, tokenUrl } from '../support/flows.js';
import { apiIdentifier, FormBrowser, hiddenField, oauthFixture, type OAuthFixture } from '../support/oauth.js';

const deviceGrant = 'urn:ietf:params:oauth:grant-type:device_code';

describe('device authorization grant (RFC 8628)', () => {
  let fixture: OAuthFixture;
  let tv: { clientId: string; clientSecret: string | null };
  const now = { value: Date.now() };

  before(async () => {
    fixture = await oauthFixture({ clock: { now: () => now.value } });
    tv = await fixture.createApp({
      name: 'Living Room TV',
      type: 'device',
      grantTypes: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'],
      scopes: ['openid', 'profile', 'offline_access', 'read:contacts'],
    });
  });
  after(() => fixture.stop());

  const deviceUrl = () => `${fixture.issuer}/oauth2/device_authorization`;
  const start = (extra: Record<string, string> = {}) =>
    postForm(deviceUrl(), { client_id: tv.clientId, scope: 'openid offline_access read:contacts', audience: apiIdentifier, ...extra });
  const poll = (deviceCode: unknown) => postForm(tokenUrl(fixture), { grant_type: deviceGrant, device_code: String(deviceCode), client_id: tv.clientId });

  const approve = (userCode: string, decision: 'allow' | 'deny' = 'allow', expectText = /Read your contacts/) =>
    decideDeviceCode(fixture, userCode, { decision, expect: [/Connect Living Room TV\?/, expectText] });

  test('an app that requires a verified email approves no device for a user whose address is not verified', async () => {
    const strict = await fixture.createApp({
      name: 'Strict TV',
      type: 'device',
      grantTypes: ['urn:ietf:params:oauth:grant-type:device_code'],
      scopes: ['openid'],
      security: { requireVerifiedEmail: true },
    });
    const user = await fixture.createMember('unverified-tv@example.test');
    await fixture.server.server.runtime.registry.users.update({ actor: operatorActor }, user.id, { emailVerified: false });
    const { body } = await postForm(deviceUrl(), { client_id: strict.clientId, scope: 'openid' });
    const userCode = String(body.user_code);
    const browser = new FormBrowser(fixture.issuer);
    const csrf = hiddenField(await (await browser.get(`${fixture.issuer}/device?user_code=${userCode}`)).text(), 'csrf')!;
    await browser.post(`${fixture.issuer}/device`, { csrf, user_code: userCode });
    const login = await browser.post(`${fixture.issuer}/device/login`, { csrf, user_code: userCode, email: user.email, password: user.password });
    assert.match(await (await browser.get(new URL(login.headers.get('location')!))).text(), /Connect Strict TV\?/);
    const refused = await browser.post(`${fixture.issuer}/device/consent`, { csrf, user_code: userCode, decision: 'allow' });
    assert.equal(refused.status, 403);
    assert.match(await refused.text(), /needs a verified email address/);
    const polled = await postForm(tokenUrl(fixture), { grant_type: deviceGrant, device_code: String(body.device_code), client_id: strict.clientId });
    assert.equal(polled.body.error, 'authorization_pending', 'nothing was approved');

    await fixture.server.server.runtime.registry.users.update({ actor: operatorActor }, user.id, { emailVerified: true });
    const allowed = await browser.post(`${fixture.issuer}/device/consent`, { csrf, user_code: userCode, decision: 'allow' });
    assert.equal(allowed.status, 303);
    assert.match(allowed.headers.get('location') ?? '', /result=approved/);
  });

  test('the endpoint answers device_code, user_code, verification URIs, expires_in and interval (§3.2)', async () => {
    const response = await start();
    assert.equal(response.status, 200);
    assert.match(String(response.body.device_code), /^lk_dc_/);
    assert.match(String(response.body.user_code), /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    assert.equal(response.body.verification_uri, `${fixture.issuer}/device`);
    assert.equal(response.body.verification_uri_complete, `${fixture.issuer}/device?user_code=${String(response.body.user_code)}`);
    assert.equal(response.body.expires_in, 600);
    assert.equal(response.body.interval, 5);
    assert.equal(response.headers.get('cache-control'), 'no-store');
  });

  test('pending, then slow_down when polling too fast, then tokens once the user allows (§3.4, §3.5)', async () => {
    const { body } = await start();
    const pending = await poll(body.device_code);
    assert.equal(pending.body.error, 'authorization_pending');
    const tooFast = await poll(body.device_code);
    assert.equal(tooFast.body.error, 'slow_down');
    now.value += 11_000;
    assert.equal((await poll(body.device_code)).body.error, 'authorization_pending', 'the interval grew to 10 s');

    assert.match(await approve(String(body.user_code)), /Device connected/);
    now.value += 11_000;
    const tokens = await poll(body.device_code);
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
    assert.equal(tokens.body.scope, 'openid offline_access read:contacts');
    assert.ok(tokens.body.id_token);
    assert.ok(String(tokens.body.refresh_token).startsWith('lk_rt_'));
    const again = await poll(body.device_code);
    assert.equal(again.body.error, 'invalid_grant', 'the device code is single use');
    const refreshed = await postForm(tokenUrl(fixture), {
      grant_type: 'refresh_token',
      refresh_token: String(tokens.body.refresh_token),
      client_id: tv.clientId,
    });
    assert.equal(refreshed.status, 200);
  });

  test('denied requests answer access_denied (§3.5)', async () => {
    const { body } = await start();
    assert.match(await approve(String(body.user_code), 'deny'), /Device not connected/);
    assert.equal((await poll(body.device_code)).body.error, 'access_denied');
  });

  test('expired device codes answer expired_token (§3.5)', async () => {
    const { body } = await start();
    now.value += 601_000;
    try {
      assert.equal((await poll(body.device_code)).body.error, 'expired_token');
    } finally {
      now.value -= 601_000;
    }
  });

  test('a forged form is refused', async () => {
    const browser = new FormBrowser(fixture.issuer);
    await browser.get(`${fixture.issuer}/device`);
    assert.equal((await browser.post(`${fixture.issuer}/device`, { csrf: 'forged', user_code: 'BCDF-GHJK' })).status, 403);
  });

  test('an app without the device grant is unauthorized_client; another client can not poll the code', async () => {
    const web = await fixture.createApp({ name: 'Web', type: 'web', redirectUris: ['https://client.example.test/cb'] });
    const refused = await postForm(deviceUrl(), { scope: 'openid' }, { basic: [web.clientId, web.clientSecret!] });
    assert.equal(refused.body.error, 'unauthorized_client');
    const { body } = await start();
    const other = await fixture.createApp({ name: 'Other TV', type: 'device', scopes: ['openid'] });
    const stolen = await postForm(tokenUrl(fixture), { grant_type: deviceGrant, device_code: String(body.device_code), client_id: other.clientId });
    assert.equal(stolen.body.error, 'invalid_grant');
    assert.match(String(stolen.body.error_description), /issued to another client/);
  });

  test('oauth4webapi drives the whole device flow', async () => {
    const issuer = new URL(fixture.issuer);
    const insecure = { [oauth.allowInsecureRequests]: true } as const;
    const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, insecure));
    assert.equal(as.device_authorization_endpoint, deviceUrl());
    const client: oauth.Client = { client_id: tv.clientId };
    const started = await oauth.processDeviceAuthorizationResponse(
      as,
      client,
      await oauth.deviceAuthorizationRequest(as, client, oauth.None(), new URLSearchParams({ scope: 'openid profile' }), insecure),
    );
    await approve(started.user_code, 'allow', /See your name/);
    now.value += 6_000;
    const tokens = await oauth.processDeviceCodeResponse(
      as,
      client,
      await oauth.deviceCodeGrantRequest(as, client, oauth.None(), started.device_code, insecure),
    );
    assert.equal(oauth.getValidatedIdTokenClaims(tokens)?.sub, fixture.user.id);
  });
  test('oauth4webapi with DPoP: the device gets DPoP-bound tokens, its refresh token is bound to the key (RFC 9449 §5)', async () => {
    const issuer = new URL(fixture.issuer);
    const insecure = { [oauth.allowInsecureRequests]: true } as const;
    const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, insecure));
    // The server runs on this test's clock: proofs and ID tokens are dated by it.
    const client: oauth.Client = { client_id: tv.clientId, [oauth.clockSkew]: Math.round((now.value - Date.now()) / 1000) };
    const keys = await oauth.generateKeyPair('ES256');
    const dpop = oauth.DPoP(client, keys);
    const started = await oauth.processDeviceAuthorizationResponse(
      as,
      client,
      await oauth.deviceAuthorizationRequest(as, client, oauth.None(), new URLSearchParams({ scope: 'openid profile offline_access' }), insecure),
    );
    await approve(started.user_code, 'allow', /See your name/);
    now.value += 6_000;
    client[oauth.clockSkew] = Math.round((now.value - Date.now()) / 1000);
    const tokens = await oauth.processDeviceCodeResponse(
      as,
      client,
      await oauth.deviceCodeGrantRequest(as, client, oauth.None(), started.device_code, { ...insecure, DPoP: dpop }),
    );
    assert.equal(tokens.token_type, 'dpop');
    assert.ok(tokens.refresh_token);
    const asBearer = await fetch(`${fixture.issuer}/oauth2/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    assert.equal(asBearer.status, 401, 'a DPoP-bound token is refused as a bearer token (RFC 9449 §7.1)');
    const userinfo = await oauth.userInfoRequest(as, client, tokens.access_token, { ...insecure, DPoP: dpop });
    assert.equal(userinfo.status, 200);

    // A public client's refresh token is bound: another key is refused, the device's own works.
    const otherKey = oauth.DPoP(client, await oauth.generateKeyPair('ES256'));
    const stolen = await oauth.refreshTokenGrantRequest(as, client, oauth.None(), tokens.refresh_token, { ...insecure, DPoP: otherKey });
    assert.equal(stolen.status, 400);
    const refusal = (await stolen.json()) as { error: string; error_description: string };
    assert.equal(refusal.error, 'invalid_grant');
    assert.match(refusal.error_description, /another key than the one the refresh token is bound to/);
    const refreshed = await oauth.processRefreshTokenResponse(
      as,
      client,
      await oauth.refreshTokenGrantRequest(as, client, oauth.None(), tokens.refresh_token, { ...insecure, DPoP: dpop }),
    );
    assert.equal(refreshed.token_type, 'dpop');
  });

  // Last: it uses up this address's guesses.
  test('a wrong user code is refused, and guessing is throttled per address (§5.1)', async () => {
    const browser = new FormBrowser(fixture.issuer);
    const html = await (await browser.get(`${fixture.issuer}/device`)).text();
    const csrf = hiddenField(html, 'csrf')!;
    const wrong = await browser.post(`${fixture.issuer}/device`, { csrf, user_code: 'BCDF-GHJK' });
    assert.equal(wrong.status, 400);
    assert.match(await wrong.text(), /not valid or has expired/);
    let last: Response = wrong;
    for (let attempt = 0; attempt < 20; attempt += 1) last = await browser.post(`${fixture.issuer}/device`, { csrf, user_code: 'BCDF-GHJK' });
    assert.equal(last.status, 429);
    assert.ok(last.headers.get('retry-after'));
  });
});

describe('device flow settings: lifetime, polling interval and expiry', () => {
  let fixture: OAuthFixture;
  const now = { value: Date.now() };
  const registry = () => fixture.server.server.runtime.registry;

  before(async () => {
    fixture = await oauthFixture({
      clock: { now: () => now.value },
      env: { LATCHKEY_GRANTS_DEVICE_CODE_LIFETIME_SECONDS: '120', LATCHKEY_GRANTS_DEVICE_CODE_POLL_INTERVAL_SECONDS: '2' },
    });
  });
  after(() => fixture.stop());

  const deviceApp = (extra: Record<string, unknown> = {}) =>
    fixture.createApp({ name: 'Kiosk', type: 'device', grantTypes: [deviceGrant], scopes: ['openid'], ...extra });
  const start = (clientId: string) => postForm(`${fixture.issuer}/oauth2/device_authorization`, { client_id: clientId, scope: 'openid' });
  const poll = (clientId: string, deviceCode: unknown) =>
    postForm(tokenUrl(fixture), { grant_type: deviceGrant, device_code: String(deviceCode), client_id: clientId });

  test("the server's lifetime and interval apply to an app that sets none, and the limits report them as the defaults", async () => {
    const app = await deviceApp();
    const { status, body } = await start(app.clientId);
    assert.equal(status, 200, JSON.stringify(body));
    assert.equal(body.expires_in, 120);
    assert.equal(body.interval, 2);
    const limits = registry().apps.limits();
    assert.deepEqual(limits.deviceCodeLifetimeSeconds, { min: 60, max: 3600, default: 120 });
    assert.deepEqual(limits.devicePollIntervalSeconds, { min: 1, max: 60, default: 2 });
  });

  test("an app's own lifetime and interval win over the server's, and the poll keeps to that interval", async () => {
    const app = await deviceApp({ deviceCode: { lifetimeSeconds: 300, pollIntervalSeconds: 10 } });
    const { body } = await start(app.clientId);
    assert.equal(body.expires_in, 300);
    assert.equal(body.interval, 10);
    assert.equal((await poll(app.clientId, body.device_code)).body.error, 'authorization_pending');
    now.value += 5_000;
    try {
      const early = await poll(app.clientId, body.device_code);
      assert.equal(early.body.error, 'slow_down', 'five seconds is too soon for a ten-second interval');
    } finally {
      now.value -= 5_000;
    }
  });

  test('values out of bounds are refused with the field named, and nothing is saved', async () => {
    const app = await deviceApp();
    const context = { actor: operatorActor };
    for (const deviceCode of [{ lifetimeSeconds: 30 }, { lifetimeSeconds: 7200 }, { pollIntervalSeconds: 0 }, { pollIntervalSeconds: 1.5 }]) {
      await assert.rejects(registry().apps.update(context, app.clientId, { deviceCode }), (error: { problems?: { field: string; message: string }[] }) => {
        const field = Object.keys(deviceCode)[0]!;
        assert.ok(
          error.problems?.some((problem) => problem.field === `deviceCode.${field}` && /whole number of seconds/.test(problem.message)),
          JSON.stringify(error.problems),
        );
        return true;
      });
    }
    const stored = await registry().apps.get(context, app.clientId);
    assert.deepEqual(stored.settings.deviceCode, { lifetimeSeconds: null, pollIntervalSeconds: null });
  });

  test('an expired device code answers expired_token while its row is kept; only a day later is it swept and unknown', async () => {
    const app = await deviceApp();
    const { body } = await start(app.clientId);
    const sweeper = startSweeper(fixture.server.server.runtime);
    const started = now.value;
    try {
      now.value = started + 121_000;
      assert.equal((await poll(app.clientId, body.device_code)).body.error, 'expired_token');
      await sweeper.sweep();
      assert.equal((await poll(app.clientId, body.device_code)).body.error, 'expired_token', 'not swept at once');
      now.value = started + 121_000 + 24 * 3600_000;
      await sweeper.sweep();
      const swept = await poll(app.clientId, body.device_code);
      assert.equal(swept.body.error, 'invalid_grant');
      assert.match(String(swept.body.error_description), /swept after it expired/);
    } finally {
      sweeper.stop();
      now.value = started;
    }
  });
});
