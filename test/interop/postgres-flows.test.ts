import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as client from 'openid-client';
import { obtainCode, postForm, redeem, tokenUrl } from '../support/flows.js';
import { apiIdentifier, FormBrowser, oauthFixture, redirectUri, type OAuthFixture } from '../support/oauth.js';
import { createTestDatabase, postgresSkipReason, type TestDatabase } from '../support/postgres.js';

if (postgresSkipReason) console.log(`# ${postgresSkipReason}`);

describe('the flows on PostgreSQL', { skip: postgresSkipReason }, () => {
  let database: TestDatabase;
  let fixture: OAuthFixture;
  let web: { clientId: string; clientSecret: string | null };

  before(async () => {
    database = await createTestDatabase();
    fixture = await oauthFixture({ databaseUrl: database.url });
    web = await fixture.createApp({
      name: 'Web',
      type: 'web',
      redirectUris: [redirectUri],
      grantTypes: ['authorization_code', 'refresh_token'],
      scopes: ['openid', 'email', 'offline_access', 'read:contacts'],
      security: { firstParty: true },
    });
  });
  after(async () => {
    await fixture?.stop();
    await database?.drop();
  });

  test('openid-client: code + PKCE, ID token, userinfo, refresh rotation and reuse detection', async () => {
    const configuration = await client.discovery(new URL(fixture.issuer), web.clientId, undefined, client.ClientSecretBasic(web.clientSecret!), {
      execute: [client.allowInsecureRequests],
    });
    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(configuration, {
      redirect_uri: redirectUri,
      scope: 'openid email offline_access read:contacts',
      audience: apiIdentifier,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      nonce: 'pg-nonce',
    });
    const response = await new FormBrowser(fixture.issuer).authorize(url, fixture.user);
    const tokens = await client.authorizationCodeGrant(configuration, new URL(response.headers.get('location')!), {
      pkceCodeVerifier: verifier,
      expectedNonce: 'pg-nonce',
      idTokenExpected: true,
    });
    assert.equal(tokens.claims()?.email, fixture.user.email);
    assert.equal((await client.fetchUserInfo(configuration, tokens.access_token, fixture.user.id)).email, fixture.user.email);
    const refreshed = await client.refreshTokenGrant(configuration, tokens.refresh_token!);
    await assert.rejects(client.refreshTokenGrant(configuration, tokens.refresh_token!));
    assert.equal((await client.tokenIntrospection(configuration, refreshed.access_token)).active, false, 'the family was revoked');
  });

  test('20 parallel redemptions of one code: exactly one succeeds', async () => {
    const code = await obtainCode(fixture, web.clientId);
    const results = await Promise.all(Array.from({ length: 20 }, () => redeem(fixture, code, web.clientId, web.clientSecret)));
    assert.equal(results.filter((result) => result.status === 200).length, 1);
    assert.ok(results.every((result) => result.status < 500));
  });

  test('20 parallel refreshes of one token: exactly one successor, no 5xx', async () => {
    const code = await obtainCode(fixture, web.clientId, { scope: 'openid offline_access read:contacts', audience: apiIdentifier });
    const tokens = (await redeem(fixture, code, web.clientId, web.clientSecret)).body;
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        postForm(tokenUrl(fixture), { grant_type: 'refresh_token', refresh_token: String(tokens.refresh_token) }, { basic: [web.clientId, web.clientSecret!] }),
      ),
    );
    assert.ok(results.every((result) => result.status < 500));
    assert.equal(new Set(results.filter((result) => result.status === 200).map((result) => result.body.refresh_token)).size, 1);
  });
});
