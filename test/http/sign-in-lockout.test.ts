import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { operatorActor } from '../../src/domain/access/actor.js';
import { signInText } from '../../src/ui/text.js';
import { ApiCaller } from '../support/api.js';
import { authorizeUrl } from '../support/flows.js';
import { queuedMails } from '../support/mailbox.js';
import { FormBrowser, oauthFixture, password, redirectUri, type OAuthFixture } from '../support/oauth.js';
import { fakeClock } from '../support/protocol.js';

const escaped = (text: string) => text.replaceAll("'", '&#39;');

describe('the hosted sign-in page of a locked account', () => {
  const clock = fakeClock();
  let fixture: OAuthFixture;
  let clientId: string;
  let admin: ApiCaller;

  before(async () => {
    fixture = await oauthFixture({ inProcess: true, clock, env: { LATCHKEY_SIGN_IN_LOCKOUT_MAX_FAILURES: '3', LATCHKEY_SIGN_IN_LOCKOUT_MINUTES: '20' } });
    clientId = (await fixture.createApp({ name: 'Web', type: 'web', redirectUris: [redirectUri] })).clientId;
    const registry = fixture.server.server.runtime.registry;
    const root = await registry.users.create({ actor: operatorActor }, { email: 'root@example.test', password, isAdmin: true });
    admin = new ApiCaller(fixture.server, (await registry.tokens.create({ actor: operatorActor }, root.id, { name: 'admin', scopes: ['users:write'] })).token);
  });
  after(() => fixture.stop());

  async function attempt(secret: string): Promise<{ status: number; html: string }> {
    // Past the per-account delay that grows after five failures: that is a separate rule.
    clock.advance(60_000);
    const browser = new FormBrowser(fixture.issuer, fixture.fetch);
    const response = await browser.authorize(authorizeUrl(fixture.issuer, clientId, { scope: 'openid' }), { email: fixture.user.email, password: secret });
    return { status: response.status, html: response.status === 303 ? '' : await response.text() };
  }

  test('locks after the configured failures, says so without telling whether the password was right, mails a reset link; an administrator unlocks', async () => {
    assert.equal((await attempt('wrong one')).status, 401);
    assert.equal((await attempt('wrong two')).status, 401);
    const third = await attempt('wrong three');
    assert.equal(third.status, 403);
    assert.ok(third.html.includes(escaped(signInText.lockedAccount)), 'the lock is named on the page');

    const right = await attempt(password);
    const wrong = await attempt('wrong four');
    assert.deepEqual([right.status, wrong.status], [403, 403]);
    assert.equal(right.html.includes(escaped(signInText.lockedAccount)), true);
    assert.equal(wrong.html.includes(escaped(signInText.lockedAccount)), true);

    const [mail, ...more] = await queuedMails(fixture.server.server.runtime.storage, fixture.user.email, 'account-locked');
    assert.equal(more.length, 0);
    assert.equal(mail!.variables.lockedMinutes, 20);
    assert.ok(String(mail!.variables.resetLink).startsWith(`${fixture.issuer}/account/reset-password?token=`));

    const unlocked = await admin.post<{ lockedUntil: string | null }>(`/users/${fixture.user.id}/unlock`);
    assert.equal(unlocked.body.lockedUntil, null);
    assert.equal((await attempt(password)).status, 303);
  });

  test('a lock ends by itself after its minutes', async () => {
    for (const guess of ['a', 'b', 'c']) await attempt(`wrong ${guess}`);
    assert.equal((await attempt(password)).status, 403);
    clock.advance(20 * 60_000);
    assert.equal((await attempt(password)).status, 303);
  });
});
