import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { obtainCode, postForm, redeem, tokenUrl } from '../support/flows.js';
import { apiIdentifier, oauthFixture, redirectUri, type OAuthFixture } from '../support/oauth.js';

describe('no secret or token reaches the log during OAuth flows (docs/security.md)', () => {
  let fixture: OAuthFixture;
  const secrets: string[] = [];

  before(async () => {
    // In process: each request's log line is written before its response resolves.
    fixture = await oauthFixture({ logLevel: 'trace', inProcess: true });
    const inProcess = { fetch: fixture.fetch };
    const web = await fixture.createApp({
      name: 'Web',
      type: 'web',
      redirectUris: [redirectUri],
      grantTypes: ['authorization_code', 'refresh_token'],
      scopes: ['openid', 'offline_access', 'read:contacts'],
      security: { firstParty: true },
    });
    const machine = await fixture.createApp({ name: 'M', type: 'm2m', apiGrants: [{ audience: apiIdentifier, scopes: ['read:contacts'] }] });
    const code = await obtainCode(fixture, web.clientId, { scope: 'openid offline_access read:contacts', audience: apiIdentifier });
    const tokens = (await redeem(fixture, code, web.clientId, web.clientSecret)).body;
    const refreshed = (
      await postForm(
        tokenUrl(fixture),
        { grant_type: 'refresh_token', refresh_token: String(tokens.refresh_token) },
        { basic: [web.clientId, web.clientSecret!], ...inProcess },
      )
    ).body;
    const cc = (await postForm(tokenUrl(fixture), { grant_type: 'client_credentials' }, { basic: [machine.clientId, machine.clientSecret!], ...inProcess }))
      .body;
    await postForm(
      `${fixture.issuer}/oauth2/introspect`,
      { token: String(cc.access_token) },
      { basic: [machine.clientId, machine.clientSecret!], ...inProcess },
    );
    await fixture.fetch(`${fixture.issuer}/oauth2/userinfo`, { headers: { authorization: `Bearer ${String(tokens.access_token)}` } });
    // Credentials sent where they don't belong still must not be logged.
    await fixture.fetch(`${fixture.issuer}/oauth2/userinfo?access_token=${String(refreshed.access_token)}`);
    await postForm(tokenUrl(fixture), { grant_type: 'client_credentials' }, { query: `client_secret=${machine.clientSecret}`, ...inProcess });
    await redeem(fixture, code, web.clientId, web.clientSecret);
    secrets.push(
      code.code,
      code.verifier,
      web.clientSecret!,
      machine.clientSecret!,
      fixture.user.password,
      String(tokens.access_token),
      String(tokens.refresh_token),
      String(tokens.id_token),
      String(refreshed.access_token),
      String(refreshed.refresh_token),
      String(cc.access_token),
      ...[...code.browser.cookies.values()],
    );
  });
  after(() => fixture.stop());

  test('codes, verifiers, client secrets, passwords, tokens and session cookies are nowhere in the log', () => {
    const log = fixture.server.logs.text;
    assert.ok(fixture.server.logs.lines.length > 10);
    for (const secret of secrets) {
      assert.ok(secret.length >= 16);
      assert.equal(log.includes(secret), false, `the log holds ${secret.slice(0, 10)}…`);
      // A JWT's signature or payload alone would also be a leak.
      for (const part of secret.split('.').filter((piece) => piece.length > 20)) assert.equal(log.includes(part), false);
    }
  });
});
