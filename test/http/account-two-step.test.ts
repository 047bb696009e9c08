import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { generate } from 'otplib';
import { AccountBrowser } from '../support/account.js';
import { hiddenField, oauthFixture, type OAuthFixture } from '../support/oauth.js';
import { queuedMails } from '../support/mailbox.js';

const codeFor = (secret: string, offsetSteps = 0) => generate({ secret, epoch: Math.floor(Date.now() / 1000) + offsetSteps * 30 });

describe("two-step verification on the account page, and the account's own sign-in", () => {
  let fixture: OAuthFixture;

  before(async () => {
    fixture = await oauthFixture();
  });
  after(() => fixture.stop());

  /** Adds an authenticator app through the account page; returns its key and the recovery codes shown. */
  async function addApp(browser: AccountBrowser): Promise<{ secret: string; codes: string[] }> {
    const form = await (await browser.get(`${browser.base}/two-step/totp`)).text();
    const secret = /id="totp-secret" class="secret">([A-Z2-7]+)</.exec(form)![1]!;
    const confirmed = await browser.post(`${browser.base}/two-step/totp`, {
      csrf: hiddenField(form, 'csrf')!,
      factor_id: hiddenField(form, 'factor_id')!,
      code: await codeFor(secret),
    });
    assert.equal(confirmed.status, 200);
    const codes = [...(await confirmed.text()).matchAll(/<li><code>([a-z2-9-]{11})<\/code><\/li>/g)].map((match) => match[1]!);
    return { secret, codes };
  }

  test('the sign-in asks for the code; a session with the password alone may not remove the app; one with the code may', async () => {
    const user = await fixture.createUser('account-totp@example.test');
    const first = new AccountBrowser(fixture.issuer);
    await first.signIn(user);
    const { secret, codes } = await addApp(first);
    assert.equal(codes.length, 10);
    assert.equal((await queuedMails(fixture.server.server.runtime.storage, user.email, 'second-factor-changed')).length, 1, 'the owner is told');
    const page = (await first.page()).html;
    const factorId = /name="factor_id" value="(totp_[^"]+)"/.exec(page)![1]!;
    const refused = await first.submit('two-step/totp/remove', { factor_id: factorId });
    assert.equal(refused.status, 403);
    assert.match(await refused.text(), /sign in again with your second factor/);
    assert.equal((await first.submit('two-step/recovery-codes', {})).status, 403);

    // A new browser: the password, then the code.
    const second = new AccountBrowser(fixture.issuer);
    const start = await second.get(second.base);
    const form = await (await second.get(new URL(start.headers.get('location')!, second.base))).text();
    const afterPassword = await second.post(`${second.base}/sign-in`, {
      csrf: hiddenField(form, 'csrf')!,
      return_to: hiddenField(form, 'return_to')!,
      email: user.email,
      password: user.password,
    });
    assert.equal(afterPassword.status, 303);
    assert.equal(afterPassword.headers.get('location'), `${second.base}/sign-in/second-factor`);
    assert.equal((await second.get(second.base)).status, 302, 'not signed in before the code');
    const challenge = await (await second.get(`${second.base}/sign-in/second-factor`)).text();
    assert.match(challenge, /Your account uses two-step verification/);
    const csrf = hiddenField(challenge, 'csrf')!;
    assert.equal(
      (await second.post(`${second.base}/sign-in/second-factor`, { csrf, method: 'totp', code: await codeFor(secret) })).status,
      401,
      'the code of the enrollment, used already',
    );
    const signedIn = await second.post(`${second.base}/sign-in/second-factor`, { csrf, method: 'totp', code: await codeFor(secret, 1) });
    assert.equal(signedIn.status, 303);
    assert.equal(signedIn.headers.get('location'), second.base);

    const fresh = await second.submit('two-step/recovery-codes', {});
    assert.equal(fresh.status, 200);
    const newCodes = [...(await fresh.text()).matchAll(/<li><code>([a-z2-9-]{11})<\/code><\/li>/g)].map((match) => match[1]!);
    assert.equal(newCodes.length, 10);
    assert.notDeepEqual(newCodes, codes);
    const registry = fixture.server.server.runtime.registry;
    assert.equal((await registry.secondFactors.useRecoveryCode(user.id, codes[0]!, '127.0.0.1')).ok, false, 'the old set stopped working');

    const removed = await second.submit('two-step/totp/remove', { factor_id: factorId });
    assert.equal(removed.status, 303);
    assert.deepEqual(await registry.secondFactors.methodsOf(user.id), [], 'the recovery codes went with the last factor');
    const third = new AccountBrowser(fixture.issuer);
    await third.signIn(user);
  });

  test("a forged or expired pending sign-in is no way in: the account's second-factor step needs its signed cookie", async () => {
    const browser = new AccountBrowser(fixture.issuer);
    const page = await browser.get(`${browser.base}/sign-in/second-factor`);
    assert.equal(page.status, 303);
    assert.match(page.headers.get('location')!, /\/account\/sign-in\?/);
    browser.cookies.set(
      'lk_account_mfa',
      `${Buffer.from(JSON.stringify({ login: { userId: fixture.user.id, amr: ['pwd'], authTime: Date.now(), acr: null }, returnTo: browser.base, expiresAt: Date.now() + 60_000 })).toString('base64url')}.forged`,
    );
    browser.cookies.set('lk_account', 'a'.repeat(32));
    const forged = await browser.post(`${browser.base}/sign-in/second-factor`, { csrf: 'x', method: 'totp', code: '123456' });
    assert.equal(forged.status, 303);
    assert.match(forged.headers.get('location')!, /\/account\/sign-in\?/);
  });
});
