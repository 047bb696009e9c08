import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { operatorActor } from '../../src/domain/access/actor.js';
import { AccountBrowser } from '../support/account.js';
import { oauthFixture, type OAuthFixture } from '../support/oauth.js';

describe('the console session ends with the Latchkey session it signed in with', () => {
  let fixture: OAuthFixture;

  before(async () => {
    fixture = await oauthFixture({ inProcess: true });
    await fixture.server.server.runtime.registry.orgs.putMember({ actor: operatorActor }, 'default', { userId: fixture.user.id, role: 'admin' });
  });
  after(() => fixture?.stop());

  /** A browser signed in to the account page and, with the same Latchkey session, to the console. */
  async function signedInToConsole(): Promise<AccountBrowser> {
    const browser = new AccountBrowser(fixture.issuer, fixture.fetch);
    await browser.signIn(fixture.user);
    const start = await browser.get(`${fixture.issuer}/console/auth/login?returnTo=/console/apps`);
    const final = await browser.authorize(new URL(start.headers.get('location')!), fixture.user);
    assert.ok([200, 302, 503].includes(final.status), `landed on the console: ${final.status}`);
    assert.equal((await consoleSession(browser)).status, 200);
    return browser;
  }

  const consoleSession = (browser: AccountBrowser) =>
    fixture.fetch(`${fixture.issuer}/console/api/session`, { headers: { cookie: [...browser.cookies].map(([name, value]) => `${name}=${value}`).join('; ') } });

  test('signing out on the account page signs the console out too', async () => {
    const browser = await signedInToConsole();
    const [session] = await fixture.server.server.runtime.storage.sessions.listForUser(fixture.user.id, Date.now());
    assert.ok(session);
    assert.equal((await browser.submit('sessions/end', { scope: 'all' })).status, 303);
    assert.equal((await consoleSession(browser)).status, 401, 'the console cookie no longer works');
  });

  test('an administrator ending the user’s sessions signs the console out', async () => {
    const browser = await signedInToConsole();
    await fixture.server.server.runtime.registry.users.endSessions({ actor: operatorActor }, fixture.user.id);
    assert.equal((await consoleSession(browser)).status, 401);
  });

  test('another browser’s sign-out leaves this console session alone', async () => {
    const browser = await signedInToConsole();
    const sids = async () => (await fixture.server.server.runtime.storage.sessions.listForUser(fixture.user.id, Date.now())).map((session) => session.sid);
    const before = await sids();
    const other = new AccountBrowser(fixture.issuer, fixture.fetch);
    await other.signIn(fixture.user);
    const otherSid = (await sids()).find((sid) => !before.includes(sid));
    assert.ok(otherSid);
    assert.equal((await other.submit('sessions/end', { sid: otherSid })).status, 303);
    assert.equal((await other.page()).status, 302, 'the other browser is signed out');
    assert.equal((await consoleSession(browser)).status, 200, 'this one’s console is not');
  });
});
