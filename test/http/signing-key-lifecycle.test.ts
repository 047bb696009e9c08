import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { operatorActor } from '../../src/domain/access/actor.js';
import { userWithToken } from '../support/api.js';
import { obtainCode, postForm, redeem } from '../support/flows.js';
import { oauthFixture, redirectUri, type OAuthFixture } from '../support/oauth.js';

/** A clock the test moves, so that days pass in an instant. */
function steppingClock() {
  let at = Date.UTC(2026, 5, 1, 12);
  return { now: () => at, advance: (ms: number) => (at += ms) };
}

const jwksOf = async (fixture: OAuthFixture): Promise<JSONWebKeySet> =>
  (await (await fixture.fetch(`${fixture.issuer}/.well-known/jwks.json`)).json()) as JSONWebKeySet;
const kidsOf = (jwks: JSONWebKeySet) => jwks.keys.map((key) => key.kid);

async function signIn(fixture: OAuthFixture, app: { clientId: string; clientSecret: string | null }) {
  const code = await obtainCode(fixture, app.clientId, { scope: 'openid email' });
  const tokens = await redeem(fixture, code, app.clientId, app.clientSecret);
  assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
  return { accessToken: String(tokens.body.access_token), idToken: String(tokens.body.id_token) };
}

describe('an emergency key revocation', () => {
  let fixture: OAuthFixture;
  let app: { clientId: string; clientSecret: string | null };

  before(async () => {
    fixture = await oauthFixture();
    app = await fixture.createApp({ name: 'Web', type: 'web', redirectUris: [redirectUri], scopes: ['openid', 'email'] });
  });
  after(() => fixture?.stop());

  test('takes the key out of the JWKS at once, makes what it signed fail userinfo and introspection, and a new key signs', async () => {
    const before = await signIn(fixture, app);
    const { kid } = decodeProtectedHeader(before.accessToken);
    const userinfo = (token: string) => fixture.fetch(`${fixture.issuer}/oauth2/userinfo`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal((await userinfo(before.accessToken)).status, 200);

    const keys = fixture.server.server.runtime.registry.keys;
    await keys.revoke({ actor: operatorActor }, kid!);

    assert.ok(!kidsOf(await jwksOf(fixture)).includes(kid), 'gone from the JWKS');
    const refused = await userinfo(before.accessToken);
    assert.equal(refused.status, 401);
    assert.match(refused.headers.get('www-authenticate') ?? '', /invalid_token/);
    const introspection = await postForm(
      `${fixture.issuer}/oauth2/introspect`,
      { token: before.accessToken },
      { basic: [app.clientId, app.clientSecret!], fetch: fixture.fetch },
    );
    assert.deepEqual(introspection.body, { active: false });

    const after = await signIn(fixture, app);
    const fresh = decodeProtectedHeader(after.accessToken).kid;
    assert.notEqual(fresh, kid, 'a new key signs');
    await jwtVerify(after.idToken, createLocalJWKSet(await jwksOf(fixture)), { issuer: fixture.issuer, audience: app.clientId });
    assert.equal((await userinfo(after.accessToken)).status, 200);

    const listed = await keys.list({ actor: operatorActor });
    assert.equal(listed.find((key) => key.kid === kid)?.status, 'revoked');
    assert.equal(listed.find((key) => key.kid === kid)?.privateJwe, null, 'its private key is erased');
    const audit = await fixture.server.server.runtime.storage.audit.list({ offset: 0, limit: 20 });
    assert.ok(
      audit.items.some((entry) => entry.action === 'key.revoked' && entry.targetId === kid),
      'the revocation is audited',
    );
  });

  test('through the management API: server administrators list, rotate and revoke; an owner may not; bad input is a clear error', async () => {
    const server = fixture.server;
    const owner = await userWithToken(server, { role: 'owner' });
    assert.equal((await owner.api.get('/keys')).status, 403, 'an organization owner is not a server administrator');
    const admin = await userWithToken(server);
    await server.server.runtime.registry.users.update({ actor: operatorActor }, admin.userId, { isAdmin: true });

    const listed = await admin.api.get<{ items: { kid: string; status: string; published: boolean }[] }>('/keys');
    assert.equal(listed.status, 200);
    assert.ok(listed.body.items.some((key) => key.status === 'revoked' && !key.published));
    assert.ok(!listed.text.includes('privateJwe') && !listed.text.includes('"d"'), 'no private material');

    const rotated = await admin.api.post<{ items: { kid: string; alg: string; status: string }[] }>('/keys/rotate', { algorithms: ['ES256'] });
    assert.equal(rotated.status, 200);
    assert.equal(rotated.body.items.filter((key) => key.alg === 'ES256' && key.status === 'retiring').length >= 1, true);

    const badAlg = await admin.api.post('/keys/rotate', { algorithms: ['HS256'] });
    assert.equal(badAlg.status, 400);
    assert.match(badAlg.text, /HS256 is not one of the configured signing algorithms/);
    assert.equal((await admin.api.post('/keys/no-such-kid/revoke')).status, 404);
    const revoked = listed.body.items.find((key) => key.status === 'revoked')!;
    const again = await admin.api.post(`/keys/${revoked.kid}/revoke`);
    assert.equal(again.status, 409);
    assert.match(again.text, /already revoked/);
  });
});

describe('scheduled rotation (keys.rotateEveryDays, keys.prePublishMinutes)', () => {
  const clock = steppingClock();
  let fixture: OAuthFixture;
  let app: { clientId: string; clientSecret: string | null };

  before(async () => {
    fixture = await oauthFixture({ clock, env: { LATCHKEY_KEYS_ROTATE_EVERY_DAYS: '30', LATCHKEY_KEYS_PRE_PUBLISH_MINUTES: '120' } });
    app = await fixture.createApp({ name: 'Web', type: 'web', redirectUris: [redirectUri], scopes: ['openid', 'email'] });
  });
  after(() => fixture?.stop());

  test('the successor is published before it signs, then signs, and the old key stays published', async () => {
    const { server } = fixture.server;
    const original = decodeProtectedHeader((await signIn(fixture, app)).idToken).kid!;
    assert.deepEqual(await server.keySchedule.run(), [], 'nothing is due on day one');

    clock.advance(30 * 86_400_000 - 120 * 60_000);
    const scheduled = await server.keySchedule.run();
    const next = scheduled.find((key) => key.alg === 'RS256')!;
    assert.ok(next, 'the RS256 successor is scheduled two hours ahead');
    assert.equal(next.activateAt, clock.now() + 120 * 60_000);
    assert.deepEqual(await server.keySchedule.run(), [], 'a round later nothing is scheduled twice');
    assert.ok(kidsOf(await jwksOf(fixture)).includes(next.kid), 'published before it signs');
    assert.equal(decodeProtectedHeader((await signIn(fixture, app)).idToken).kid, original, 'the old key still signs');

    clock.advance(120 * 60_000);
    await server.runtime.signingKeys.refresh();
    const afterwards = await signIn(fixture, app);
    assert.equal(decodeProtectedHeader(afterwards.idToken).kid, next.kid, 'the successor signs once its time has come');
    const jwks = await jwksOf(fixture);
    assert.ok(kidsOf(jwks).includes(original), 'the old key stays published for what it signed');
    await jwtVerify(afterwards.idToken, createLocalJWKSet(jwks), { issuer: fixture.issuer, audience: app.clientId, currentDate: new Date(clock.now()) });

    const audit = await server.runtime.storage.audit.list({ offset: 0, limit: 50 });
    assert.ok(audit.items.some((entry) => entry.action === 'key.rotation_scheduled' && entry.targetId === next.kid));
  });
});
