import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeJwt } from 'jose';
import { operatorActor } from '../../src/domain/access/actor.js';
import { obtainCode, postForm, redeem, tokenUrl } from '../support/flows.js';
import { oauthFixture, redirectUri, type OAuthFixture } from '../support/oauth.js';

const reportsApi = 'https://reports.example.test';

describe("an app without its own access token lifetime takes its API's", () => {
  let fixture: OAuthFixture;
  let reportsApiId = '';
  const operator = { actor: operatorActor };
  const registry = () => fixture.server.server.runtime.registry;

  before(async () => {
    fixture = await oauthFixture({ inProcess: true });
    ({ id: reportsApiId } = await registry().apis.create(operator, fixture.orgId, {
      identifier: reportsApi,
      name: 'Reports API',
      scopes: [{ name: 'read:reports', description: 'Read reports' }],
      accessTokenTtlMinutes: 5,
    }));
  });
  after(() => fixture.stop());

  const m2m = (extra: Record<string, unknown> = {}) =>
    fixture.createApp({ name: 'Reporter', type: 'm2m', apiGrants: [{ audience: reportsApi, scopes: ['read:reports'] }], ...extra });

  async function clientCredentials(app: { clientId: string; clientSecret: string | null }) {
    const response = await postForm(
      tokenUrl(fixture),
      { grant_type: 'client_credentials', audience: reportsApi, scope: 'read:reports' },
      { basic: [app.clientId, app.clientSecret!], fetch: fixture.fetch },
    );
    assert.equal(response.status, 200, JSON.stringify(response.body));
    const claims = decodeJwt(String(response.body.access_token));
    return { expiresIn: response.body.expires_in, lifetime: claims.exp! - claims.iat! };
  }

  test('an app created without an access token TTL gets tokens that live as long as the API says', async () => {
    const app = await m2m();
    assert.equal((await registry().apps.get(operator, app.clientId)).settings.accessToken.ttlMinutes, null, 'the TTL stays empty');
    assert.deepEqual(await clientCredentials(app), { expiresIn: 300, lifetime: 300 });
  });

  test('an app whose TTL was emptied takes the API’s lifetime; one with a TTL keeps its own', async () => {
    const app = await m2m({ accessToken: { ttlMinutes: 60 } });
    assert.deepEqual(await clientCredentials(app), { expiresIn: 3600, lifetime: 3600 });
    await registry().apps.update(operator, app.clientId, { accessToken: { ttlMinutes: null } });
    assert.deepEqual(await clientCredentials(app), { expiresIn: 300, lifetime: 300 });
  });

  test('per-user client credentials get tokens that live as long as the API says, and follow a change of it', async () => {
    const member = await fixture.createMember(`credentials-owner-${Date.now()}@example.test`, 'developer');
    const { app, clientSecret } = await registry().credentials.create(operator, fixture.orgId, {
      name: 'Nightly report',
      userId: member.id,
      apiGrants: [{ audience: reportsApi, scopes: ['read:reports'] }],
    });
    assert.equal(app.settings.accessToken.ttlMinutes, null, 'credentials have no TTL of their own');
    const credentials = { clientId: app.clientId, clientSecret };
    assert.deepEqual(await clientCredentials(credentials), { expiresIn: 300, lifetime: 300 });
    await registry().apis.update(operator, reportsApiId, { accessTokenTtlMinutes: 7 });
    try {
      assert.deepEqual(await clientCredentials(credentials), { expiresIn: 420, lifetime: 420 });
    } finally {
      await registry().apis.update(operator, reportsApiId, { accessTokenTtlMinutes: 5 });
    }
  });

  test('a user token for the API from an app without a TTL lives as long as the API says', async () => {
    const web = await fixture.createApp({ name: 'Reports web', type: 'web', redirectUris: [redirectUri], scopes: ['openid', 'read:reports'] });
    const code = await obtainCode(fixture, web.clientId, { scope: 'openid read:reports', audience: reportsApi });
    const tokens = await redeem(fixture, code, web.clientId, web.clientSecret);
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
    assert.equal(tokens.body.expires_in, 300);
  });
});
