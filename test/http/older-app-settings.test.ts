import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { obtainCode, postForm, redeem, tokenUrl } from '../support/flows.js';
import { oauthFixture, redirectUri, type OAuthFixture } from '../support/oauth.js';

/**
 * An app saved by an older version has a settings document without the settings added since
 * (here: security.requireSecretForWebServerFlow, firstParty and managementApiAccess, the idToken
 * group, customClaims, refreshToken.requireSecret and reuseIntervalSeconds). It keeps working,
 * with each missing setting at its app type's default.
 */
describe('an app whose settings were stored by an older version', () => {
  let fixture: OAuthFixture;
  let clientId: string;
  let clientSecret: string;

  before(async () => {
    fixture = await oauthFixture();
    const created = await fixture.createApp({
      name: 'Old web app',
      type: 'web',
      redirectUris: [redirectUri],
      grantTypes: ['authorization_code', 'refresh_token'],
      scopes: ['openid', 'profile', 'offline_access'],
    });
    clientId = created.clientId;
    clientSecret = created.clientSecret!;
    const older = {
      logoUri: null,
      homepageUri: null,
      privacyPolicyUri: null,
      termsOfServiceUri: null,
      redirectUris: [redirectUri],
      postLogoutRedirectUris: [],
      grantTypes: ['authorization_code', 'refresh_token'],
      tokenEndpointAuthMethod: 'client_secret_basic',
      scopes: ['openid', 'profile', 'offline_access'],
      apiGrants: [],
      defaultAudience: null,
      accessToken: { ttlMinutes: 30 },
      refreshToken: { ttlMinutes: 30, rotation: true },
      security: { requirePkce: true, introspectAllTokens: false },
    };
    // Written straight into the database, as the older version left it; nothing has read the app yet.
    await fixture.server.server.runtime.database.db
      .updateTable('apps')
      .set({ settings: JSON.stringify(older) })
      .where('client_id', '=', clientId)
      .execute();
  });
  after(() => fixture.stop());

  test('signs in, redeems its code, refreshes; the secret is still required for the code (the default)', async () => {
    const first = await obtainCode(fixture, clientId, { scope: 'openid profile offline_access' });
    const tokens = await redeem(fixture, first, clientId, clientSecret);
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
    assert.equal(typeof tokens.body.id_token, 'string');
    assert.equal(typeof tokens.body.refresh_token, 'string');

    const refreshed = await postForm(
      tokenUrl(fixture),
      { grant_type: 'refresh_token', refresh_token: String(tokens.body.refresh_token) },
      { basic: [clientId, clientSecret] },
    );
    assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
    assert.notEqual(refreshed.body.refresh_token, tokens.body.refresh_token, 'rotation stays on');

    const second = await obtainCode(fixture, clientId, { scope: 'openid' }, first.browser);
    const withoutSecret = await redeem(fixture, second, clientId, null);
    assert.equal(withoutSecret.status, 401);
    assert.equal(withoutSecret.body.error, 'invalid_client');
  });
});
