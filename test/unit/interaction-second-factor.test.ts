import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { OAuthClient } from '../../src/ports/directories.js';
import type { UserRecord } from '../../src/ports/identity-repositories.js';
import type { LoginMethod } from '../../src/protocol/interaction/login-method.js';
import type { PasswordCredentials } from '../../src/protocol/interaction/password-login.js';
import { bagFromEntries, type ProtocolRequest, type ProtocolResponse } from '../../src/protocol/messages.js';
import { generateOpaqueSecret } from '../../src/shared/opaque-secret.js';
import { AccountLinkPages } from '../../src/ui/account-link-pages.js';
import { csrfToken } from '../../src/ui/csrf.js';
import { DevicePages } from '../../src/ui/device-pages.js';
import { InteractionPages } from '../../src/ui/interaction-pages.js';
import { SecondFactorPrompt } from '../../src/ui/second-factor-prompt.js';
import { createTestProtocol, type TestProtocol } from '../support/protocol.js';

const redirectUri = 'https://app.example.com/cb';

function request(options: {
  method?: string;
  query?: Record<string, string>;
  body?: Record<string, string>;
  cookies?: Record<string, string>;
}): ProtocolRequest {
  return {
    method: options.method ?? 'GET',
    query: bagFromEntries(Object.entries(options.query ?? {})),
    body: bagFromEntries(Object.entries(options.body ?? {})),
    headers: {},
    contentType: options.body ? 'application/x-www-form-urlencoded' : undefined,
    cookies: options.cookies ?? {},
    ip: '203.0.113.9',
  };
}

/** A sign-in method whose first factor always succeeds for `user` and then asks for a one-time code. */
function asksForSecondFactor(user: () => UserRecord): LoginMethod<PasswordCredentials> {
  return {
    id: 'fake-password',
    amr: 'pwd',
    authenticate: () => Promise.resolve({ kind: 'second_factor_required', user: user(), amr: ['pwd'], methods: ['otp'] }),
  };
}

/** A sign-in method that signs `user` in with the given methods. */
function signsIn(user: () => UserRecord, amr: string[]): LoginMethod<PasswordCredentials> {
  return { id: 'fake', amr: amr[0]!, authenticate: () => Promise.resolve({ kind: 'authenticated', user: user(), amr, acr: null }) };
}

/** The second-factor page; this user has no factor yet, so it offers to set up an authenticator app. */
function assertSecondFactorPage(response: ProtocolResponse): void {
  assert.equal(response.kind, 'page');
  if (response.kind !== 'page') return;
  assert.equal(response.status, 200);
  assert.equal(response.page.template, 'second-factor');
  assert.equal((response.page.data.step as { kind: string }).kind, 'enroll');
}

/** 303 to the page of the step the interaction is at. */
function assertToPage(response: ProtocolResponse, path: string): void {
  assert.equal(response.kind, 'redirect');
  if (response.kind === 'redirect') assert.ok(response.location.includes(path), response.location);
}

describe("a sign-in method that asks for a second factor, and the device flow's interaction row", () => {
  let t: TestProtocol;
  let web: OAuthClient;
  let tv: OAuthClient;
  let user: UserRecord;
  const theUser = () => user;

  before(async () => {
    t = await createTestProtocol();
    web = (await t.createApp({ name: 'Web', type: 'web', redirectUris: [redirectUri], scopes: ['openid'] })).client;
    tv = (await t.createApp({ name: 'TV', type: 'device', grantTypes: ['urn:ietf:params:oauth:grant-type:device_code'], scopes: ['openid'] })).client;
    user = await t.createMember();
  });
  after(() => t.close());

  function secondFactor(): SecondFactorPrompt {
    const { loginMethods } = t.protocol;
    const methods = { totp: loginMethods.totp, recoveryCode: loginMethods.recoveryCode };
    return new SecondFactorPrompt(
      { secondFactors: t.runtime.registry.secondFactors, users: t.deps.users, csrfKey: t.deps.csrfKey, methods },
      t.protocol.interactions,
    );
  }

  async function startAuthorization(): Promise<{ uid: string; cookies: Record<string, string> }> {
    const response = await t.protocol.authorization.authorize(
      request({
        query: {
          client_id: web.clientId,
          redirect_uri: redirectUri,
          response_type: 'code',
          scope: 'openid',
          code_challenge: 'c'.repeat(43),
          code_challenge_method: 'S256',
        },
      }),
    );
    assert.equal(response.kind, 'redirect');
    const uid = response.kind === 'redirect' ? response.location.split('/').at(-1)! : '';
    const binding = response.cookies?.find((cookie) => cookie.name === t.deps.cookies.interaction + uid)?.value;
    assert.ok(binding);
    return { uid, cookies: { [t.deps.cookies.interaction + uid]: binding } };
  }

  test('authorization flow: the interaction waits at second_factor_pending with the partial login, and the page asks for the factor', async () => {
    const accountPages = new AccountLinkPages({ ...t.deps, issuerBase: t.deps.issuer }, t.protocol.accounts, t.protocol.interactions);
    const pages = new InteractionPages(t.deps, t.protocol.interactions, asksForSecondFactor(theUser), accountPages, secondFactor());
    const { uid, cookies } = await startAuthorization();
    const csrf = csrfToken(t.deps.csrfKey, uid, cookies[t.deps.cookies.interaction + uid]!);
    const response = await pages.submitLogin(uid, request({ method: 'POST', body: { csrf, email: user.email, password: 'anything' }, cookies }));
    assertToPage(response, `/interaction/${uid}`);
    assert.deepEqual(response.cookies ?? [], [], 'no session starts before the second factor');
    const stored = await t.deps.storage.interactions.get(uid);
    assert.equal(stored?.step, 'second_factor_pending');
    assert.deepEqual(stored?.login, { userId: user.id, amr: ['pwd'], authTime: t.clock.now(), acr: null });
    assert.equal(stored?.completedAt, null);
    assertSecondFactorPage(await pages.show(uid, request({ cookies })));
  });

  async function pendingDeviceCode(): Promise<{ hash: string; userCode: string }> {
    const hash = t.deps.tokenHasher.hash(generateOpaqueSecret('dc'));
    const userCode = `BCDF-${String(Math.floor(Math.random() * 9000) + 1000).replace(/\d/g, (digit) => 'GHJKLMNPQR'[Number(digit)]!)}`;
    const now = t.clock.now();
    await t.deps.storage.deviceCodes.insert({
      deviceCodeHash: hash,
      userCode,
      clientId: tv.clientId,
      scope: ['openid'],
      audiences: [],
      status: 'pending',
      userId: null,
      sessionSid: null,
      authTime: null,
      amr: null,
      intervalSeconds: 5,
      lastPolledAt: null,
      createdAt: now,
      expiresAt: now + 600_000,
    });
    return { hash, userCode };
  }

  /** A browser on the device page: its binding cookie, the form's CSRF token, and the code it entered. */
  async function enterDeviceCode(pages: DevicePages, userCode: string) {
    const binding = 'b'.repeat(22) + Math.random().toString(36).slice(2, 12).padEnd(10, 'x');
    const cookies: Record<string, string> = { [t.deps.cookies.deviceBinding]: binding };
    const csrf = csrfToken(t.deps.csrfKey, 'device', binding);
    const submitted = await pages.submitCode(request({ method: 'POST', body: { csrf, user_code: userCode }, cookies }));
    assert.equal(submitted.kind === 'redirect' && submitted.status, 303);
    return { cookies, csrf, browserHash: t.deps.tokenHasher.hash(binding) };
  }

  test('device flow: entering the code starts an interaction for this browser; a second factor leaves it waiting and the device pending', async () => {
    const pages = new DevicePages(t.deps, t.protocol.interactions, t.protocol.device, asksForSecondFactor(theUser), secondFactor());
    const { hash, userCode } = await pendingDeviceCode();
    const { cookies, csrf, browserHash } = await enterDeviceCode(pages, userCode);
    const started = await t.deps.storage.interactions.findLiveForDevice(hash, browserHash, t.clock.now());
    assert.equal(started?.flow, 'device');
    assert.equal(started?.step, 'login_pending');
    assert.deepEqual(started?.request, { userCode });
    assert.equal(started?.clientId, tv.clientId);

    assertToPage(
      await pages.submitLogin(request({ method: 'POST', body: { csrf, user_code: userCode, email: user.email, password: 'x' }, cookies })),
      `/device/confirm?user_code=${userCode}`,
    );
    const waiting = await t.deps.storage.interactions.findLiveForDevice(hash, browserHash, t.clock.now());
    assert.equal(waiting?.step, 'second_factor_pending');
    assert.equal(waiting?.login?.userId, user.id);
    assertSecondFactorPage(await pages.confirmPage(request({ query: { user_code: userCode }, cookies })));
    assert.equal((await t.deps.storage.deviceCodes.getByHash(hash))?.status, 'pending');
  });

  test("device flow: sign-in moves the interaction to consent, and approval finishes it with the login's amr and auth time", async () => {
    const pages = new DevicePages(t.deps, t.protocol.interactions, t.protocol.device, signsIn(theUser, ['pwd', 'otp']), secondFactor());
    const { hash, userCode } = await pendingDeviceCode();
    const { cookies, csrf, browserHash } = await enterDeviceCode(pages, userCode);
    const started = (await t.deps.storage.interactions.findLiveForDevice(hash, browserHash, t.clock.now()))!;

    const early = await pages.submitDecision(request({ method: 'POST', body: { csrf, user_code: userCode, decision: 'allow' }, cookies }));
    assert.equal(early.kind === 'redirect' && early.location.endsWith(`/device/confirm?user_code=${userCode}`), true, 'no answer before sign-in');

    const signedInAt = t.clock.now();
    const login = await pages.submitLogin(request({ method: 'POST', body: { csrf, user_code: userCode, email: user.email, password: 'x' }, cookies }));
    assert.equal(login.kind, 'redirect');
    const session = login.cookies?.find((cookie) => cookie.name === t.deps.cookies.session)?.value;
    assert.ok(session);
    const atConsent = await t.deps.storage.interactions.get(started.uid);
    assert.equal(atConsent?.step, 'consent_pending');
    assert.deepEqual(atConsent?.login, { userId: user.id, amr: ['pwd', 'otp'], authTime: signedInAt, acr: null });

    t.clock.advance(1000);
    const withSession = { ...cookies, [t.deps.cookies.session]: session };
    const confirm = await pages.confirmPage(request({ query: { user_code: userCode }, cookies: withSession }));
    assert.equal(confirm.kind === 'page' && confirm.page.data.step, 'consent');
    const decided = await pages.submitDecision(request({ method: 'POST', body: { csrf, user_code: userCode, decision: 'allow' }, cookies: withSession }));
    assert.equal(decided.kind === 'redirect' && decided.location.endsWith('/device/done?result=approved'), true);

    const done = await t.deps.storage.interactions.get(started.uid);
    assert.equal(done?.step, 'done');
    assert.equal(done?.completedAt, t.clock.now());
    assert.deepEqual(done?.consent, ['openid']);
    const device = await t.deps.storage.deviceCodes.getByHash(hash);
    assert.equal(device?.status, 'approved');
    assert.deepEqual([device?.userId, device?.amr, device?.authTime], [user.id, ['pwd', 'otp'], signedInAt]);
  });

  test('device flow: a denial ends the interaction as failed with access_denied', async () => {
    const pages = new DevicePages(t.deps, t.protocol.interactions, t.protocol.device, signsIn(theUser, ['pwd']), secondFactor());
    const { hash, userCode } = await pendingDeviceCode();
    const { cookies, csrf, browserHash } = await enterDeviceCode(pages, userCode);
    const started = (await t.deps.storage.interactions.findLiveForDevice(hash, browserHash, t.clock.now()))!;
    const login = await pages.submitLogin(request({ method: 'POST', body: { csrf, user_code: userCode, email: user.email, password: 'x' }, cookies }));
    const session = login.cookies!.find((cookie) => cookie.name === t.deps.cookies.session)!.value!;
    const withSession = { ...cookies, [t.deps.cookies.session]: session };
    const decided = await pages.submitDecision(request({ method: 'POST', body: { csrf, user_code: userCode, decision: 'deny' }, cookies: withSession }));
    assert.equal(decided.kind === 'redirect' && decided.location.endsWith('/device/done?result=denied'), true);
    const failed = await t.deps.storage.interactions.get(started.uid);
    assert.deepEqual([failed?.step, failed?.error], ['failed', 'access_denied']);
    assert.equal((await t.deps.storage.deviceCodes.getByHash(hash))?.status, 'denied');
  });

  test("a device interaction can not be resumed on the authorization flow's pages", async () => {
    const pages = new DevicePages(t.deps, t.protocol.interactions, t.protocol.device, signsIn(theUser, ['pwd']), secondFactor());
    const { hash, userCode } = await pendingDeviceCode();
    const { cookies, browserHash } = await enterDeviceCode(pages, userCode);
    const started = (await t.deps.storage.interactions.findLiveForDevice(hash, browserHash, t.clock.now()))!;
    const binding = cookies[t.deps.cookies.deviceBinding]!;
    const found = await t.protocol.interactions.details(started.uid, request({ cookies: { [t.deps.cookies.interaction + started.uid]: binding } }));
    assert.deepEqual(found, { ok: false, problem: 'expired' });
  });
});
