import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { operatorActor } from '../../src/domain/access/actor.js';
import { obtainCode, redeem } from '../support/flows.js';
import { apiIdentifier, oauthFixture, redirectUri, type OAuthFixture } from '../support/oauth.js';

// Users are cached by id for config.cache.ttlSeconds (5 s by default); a change made through this
// node must still show at once.
let fixture: OAuthFixture;
let accessToken: string;

before(async () => {
  fixture = await oauthFixture({ inProcess: true });
  const web = await fixture.createApp({
    name: 'Web',
    type: 'web',
    redirectUris: [redirectUri],
    scopes: ['openid', 'profile', 'email', 'read:contacts'],
    security: { firstParty: true },
  });
  const code = await obtainCode(fixture, web.clientId, { scope: 'openid profile email read:contacts', audience: apiIdentifier });
  accessToken = String((await redeem(fixture, code, web.clientId, web.clientSecret)).body.access_token);
});
after(() => fixture.stop());

const userinfo = () => fixture.fetch(`${fixture.issuer}/oauth2/userinfo`, { headers: { authorization: `Bearer ${accessToken}` } });

test('a user renamed through the management API shows the new name in userinfo at once', async () => {
  assert.equal(((await (await userinfo()).json()) as { name: string }).name, 'alice');
  await fixture.server.server.runtime.registry.users.update({ actor: operatorActor }, fixture.user.id, { name: 'Alice Liddell' });
  assert.equal(((await (await userinfo()).json()) as { name: string }).name, 'Alice Liddell');
});

test("a deleted user's access token stops working at once", async () => {
  assert.equal((await userinfo()).status, 200);
  await fixture.server.server.runtime.registry.users.delete({ actor: operatorActor }, fixture.user.id);
  const response = await userinfo();
  assert.equal(response.status, 401);
  assert.match(response.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
});
