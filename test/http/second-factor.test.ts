import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeJwt } from 'jose';
import { generate } from 'otplib';
import { operatorActor } from '../../src/domain/access/actor.js';
import { authorizeUrl, newVerifier, postForm, redeem, tokenUrl } from '../support/flows.js';
import { FormBrowser, hiddenField, oauthFixture, redirectUri, type OAuthFixture } from '../support/oauth.js';

const deviceGrant = 'urn:ietf:params:oauth:grant-type:device_code';
const mfa = 'urn:latchkey:acr:mfa';

/** The form action of a page whose submit button has this text. */
function actionOf(html: string, button: string): string {
  const forms = html.split('<form').slice(1);
  const form = forms.find((candidate) => candidate.includes(button));
  const action = form && /action="([^"]+)"/.exec(form)?.[1];
  if (!action) throw new Error(`no form with ${button}`);
  return action.replace(/&amp;/g, '&');
}

function secretOf(html: string): string {
  const secret = /id="totp-secret" class="secret">([A-Z2-7]+)</.exec(html)?.[1];
  if (!secret) throw new Error('no key on the page');
  return secret;
}

const codeFor = (secret: string, offsetSteps = 0) => generate({ secret, epoch: Math.floor(Date.now() / 1000) + offsetSteps * 30 });

describe('the second factor over HTTP: required by an app, prompt=none, the device flow, discovery', () => {
  let fixture: OAuthFixture;
  let strict: { clientId: string; clientSecret: string | null };
  let tv: { clientId: string; clientSecret: string | null };

  before(async () => {
    fixture = await oauthFixture();
    strict = await fixture.createApp({ name: 'Vault', type: 'web', redirectUris: [redirectUri], scopes: ['openid'], security: { requireMfa: true } });
    tv = await fixture.createApp({ name: 'Living Room TV', type: 'device', grantTypes: [deviceGrant], scopes: ['openid'] });
  });
  after(() => fixture.stop());

  /** Follows redirects on our own pages; consents when asked. Returns the last response. */
  async function follow(browser: FormBrowser, response: Response): Promise<Response> {
    for (let step = 0; step < 10; step += 1) {
      const location = response.headers.get('location');
      if (!location) return response;
      if (!browser.isOurs(new URL(location, fixture.issuer).toString())) return response;
      response = await browser.get(new URL(location, fixture.issuer));
      if (response.status === 200) {
        const html = await response.clone().text();
        if (html.includes('name="decision"')) response = await browser.post(actionOf(html, 'Allow'), { csrf: hiddenField(html, 'csrf')!, decision: 'allow' });
      }
    }
    return response;
  }

  test('discovery names the classes it can meet, and that the claims parameter (an essential acr among it) is supported', async () => {
    const metadata = (await (await fetch(`${fixture.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    assert.deepEqual(metadata.acr_values_supported, ['urn:latchkey:acr:pwd', mfa]);
    assert.equal(metadata.claims_parameter_supported, true);
    assert.ok((metadata.claims_supported as string[]).includes('acr'));
  });

  test('an app with security.requireMfa: a user without a factor sets one up, and the ID token says mfa', async () => {
    const user = await fixture.createMember('vault-user@example.test');
    const browser = new FormBrowser(fixture.issuer);
    const verifier = newVerifier();
    const page = await browser.authorize(authorizeUrl(fixture.issuer, strict.clientId, {}, verifier), user);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /Vault requires two-step verification, and your account has no second factor yet/);
    const secret = secretOf(html);
    const csrf = hiddenField(html, 'csrf')!;
    const factorId = hiddenField(html, 'factor_id')!;
    const enroll = actionOf(html, 'Turn on two-step verification');

    const forged = await browser.post(enroll, { csrf: 'forged', factor_id: factorId, code: await codeFor(secret) });
    assert.equal(forged.status, 403, 'a form not sent from the page changes nothing');
    const wrong = await browser.post(enroll, { csrf, factor_id: factorId, code: '12345' });
    assert.equal(wrong.status, 400);
    assert.equal(secretOf(await wrong.text()), secret, 'the same key stays on the page');

    const confirmed = await browser.post(enroll, { csrf, factor_id: factorId, code: await codeFor(secret) });
    assert.equal(confirmed.status, 200);
    const codesPage = await confirmed.text();
    assert.equal([...codesPage.matchAll(/<li><code>([a-z2-9]{5}-[a-z2-9]{5})<\/code><\/li>/g)].length, 10);
    const proof = hiddenField(codesPage, 'proof')!;
    const onward = actionOf(codesPage, 'I saved them, continue');

    const tampered = await browser.post(onward, { csrf, factor_id: factorId, proof: `${proof.slice(0, -2)}xx` });
    assert.equal(tampered.status, 401, 'the continuation needs the proof the confirmation made');
    const callback = await follow(browser, await browser.post(onward, { csrf, factor_id: factorId, proof }));
    const code = new URL(callback.headers.get('location')!).searchParams.get('code')!;
    const tokens = await redeem(fixture, { code, verifier }, strict.clientId, strict.clientSecret);
    assert.equal(tokens.status, 200);
    const claims = decodeJwt(String(tokens.body.id_token));
    assert.deepEqual(claims.amr, ['pwd', 'otp', 'mfa']);
    assert.equal(claims.acr, mfa);
  });

  test('prompt=none on a session with one factor, for an app that requires two: interaction_required', async () => {
    const user = await fixture.createMember('one-factor@example.test');
    const relaxed = await fixture.createApp({ name: 'Notes', type: 'web', redirectUris: [redirectUri], scopes: ['openid'] });
    const browser = new FormBrowser(fixture.issuer);
    const signedIn = await browser.authorize(authorizeUrl(fixture.issuer, relaxed.clientId), user);
    assert.ok(new URL(signedIn.headers.get('location')!).searchParams.get('code'));
    for (const [clientId, extra] of [
      [strict.clientId, {}],
      [relaxed.clientId, { acr_values: mfa }],
      [relaxed.clientId, { claims: JSON.stringify({ id_token: { acr: { essential: true, value: mfa } } }) }],
    ] as const) {
      const response = await browser.get(authorizeUrl(fixture.issuer, clientId, { prompt: 'none', ...extra }));
      const callback = new URL(response.headers.get('location')!).searchParams;
      assert.equal(callback.get('error'), 'interaction_required', JSON.stringify(extra));
      assert.match(callback.get('error_description')!, /second factor/);
    }
    const accepted = await browser.get(authorizeUrl(fixture.issuer, relaxed.clientId, { prompt: 'none', acr_values: `${mfa} urn:latchkey:acr:pwd` }));
    assert.ok(new URL(accepted.headers.get('location')!).searchParams.get('code'), 'a request that accepts one factor gets its code');
  });

  test('a user who has a second factor can not set up another one to get past the sign-in challenge', async () => {
    const user = await fixture.createMember('has-factor@example.test');
    const registry = fixture.server.server.runtime.registry;
    const first = await registry.secondFactors.startTotp(user.id, user.email);
    await registry.secondFactors.confirmTotp({ actor: operatorActor }, user.id, {
      factorId: first.factorId,
      code: await codeFor(first.secret),
      ip: '127.0.0.1',
    });
    // An enrollment left unfinished on the account page, whose key someone else learned.
    const abandoned = await registry.secondFactors.startTotp(user.id, user.email);
    const browser = new FormBrowser(fixture.issuer);
    const page = await browser.authorize(authorizeUrl(fixture.issuer, strict.clientId), user);
    const html = await page.text();
    assert.match(html, /Vault requires two-step verification. Prove your second factor/);
    const uid = /\/interaction\/([A-Za-z0-9_-]{22})\/second-factor/.exec(html)![1]!;
    const refused = await browser.post(`${fixture.issuer}/interaction/${uid}/second-factor/enroll`, {
      csrf: hiddenField(html, 'csrf')!,
      factor_id: abandoned.factorId,
      code: await codeFor(abandoned.secret),
    });
    assert.equal(refused.status, 400);
    assert.doesNotMatch(await refused.text(), /Save your recovery codes/);
    assert.equal((await fixture.server.server.runtime.storage.interactions.get(uid))?.step, 'second_factor_pending');
  });

  test('the device flow: a user with an authenticator app proves it on the verification page', async () => {
    const user = await fixture.createMember('device-totp@example.test');
    const registry = fixture.server.server.runtime.registry;
    const started = await registry.secondFactors.startTotp(user.id, user.email);
    const enrolled = await registry.secondFactors.confirmTotp({ actor: operatorActor }, user.id, {
      factorId: started.factorId,
      code: await codeFor(started.secret),
      ip: '127.0.0.1',
    });
    assert.equal(enrolled.ok, true);

    const authorization = await postForm(`${fixture.issuer}/oauth2/device_authorization`, { client_id: tv.clientId, scope: 'openid' });
    const userCode = String(authorization.body.user_code);
    const browser = new FormBrowser(fixture.issuer);
    const csrf = hiddenField(await (await browser.get(`${fixture.issuer}/device?user_code=${userCode}`)).text(), 'csrf')!;
    await browser.post(`${fixture.issuer}/device`, { csrf, user_code: userCode });
    const login = await browser.post(`${fixture.issuer}/device/login`, { csrf, user_code: userCode, email: user.email, password: user.password });
    assert.equal(login.status, 303);
    assert.equal(login.headers.getSetCookie().length, 0, 'no session before the second factor');
    const challenge = await (await browser.get(new URL(login.headers.get('location')!))).text();
    assert.match(challenge, /Your account uses two-step verification/);
    const action = actionOf(challenge, 'Verify');
    const wrong = await browser.post(action, { csrf, method: 'totp', code: '000000' === (await codeFor(started.secret, 1)) ? '111111' : '000000' });
    assert.equal(wrong.status, 401);
    const proven = await browser.post(action, { csrf, method: 'totp', code: await codeFor(started.secret, 1) });
    assert.equal(proven.status, 303);
    const confirm = await (await browser.get(new URL(proven.headers.get('location')!))).text();
    assert.match(confirm, /Connect Living Room TV\?/);
    await browser.post(`${fixture.issuer}/device/consent`, { csrf, user_code: userCode, decision: 'allow' });
    const tokens = await postForm(tokenUrl(fixture), { grant_type: deviceGrant, device_code: String(authorization.body.device_code), client_id: tv.clientId });
    assert.equal(tokens.status, 200);
    const claims = decodeJwt(String(tokens.body.id_token));
    assert.deepEqual(claims.amr, ['pwd', 'otp', 'mfa']);
    assert.equal(claims.acr, mfa);
  });
});
