import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { operatorActor } from '../../src/domain/access/actor.js';
import { obtainCode, postForm, redeem, tokenUrl, type TokenCall } from '../support/flows.js';
import { apiIdentifier, oauthFixture, redirectUri, type OAuthFixture } from '../support/oauth.js';
import { createTestDatabase, postgresSkipReason, type TestDatabase } from '../support/postgres.js';

const opaqueApi = 'https://opaque-race.example.test';

/**
 * Two redemptions of one code at the same moment: one wins the atomic single use, the other is the
 * replay, and a replay revokes what the code issued (RFC 6749 §4.1.2, RFC 9700 §4.5) — including
 * the tokens the winner got, even though the winner's answer may leave the server after the revocation.
 */
function parallelRedemptionSuite(store: string, options: { skip: string | false; databaseUrl?: () => string }) {
  describe(`two simultaneous redemptions of one code on ${store}: one wins, and its tokens are revoked`, { skip: options.skip }, () => {
    let fixture: OAuthFixture;
    let web: { clientId: string; clientSecret: string | null };

    before(async () => {
      fixture = await oauthFixture(options.databaseUrl ? { databaseUrl: options.databaseUrl() } : {});
      await fixture.server.server.runtime.registry.apis.create({ actor: operatorActor }, fixture.orgId, {
        identifier: opaqueApi,
        name: 'Opaque API',
        scopes: [{ name: 'read:race' }],
        tokenFormat: 'opaque',
        allowOfflineAccess: true,
      });
      web = await fixture.createApp({
        name: 'Racing web app',
        type: 'web',
        redirectUris: [redirectUri],
        grantTypes: ['authorization_code', 'refresh_token'],
        scopes: ['openid', 'offline_access', 'read:contacts', 'read:race'],
        security: { firstParty: true },
      });
    });
    after(() => fixture.stop());

    const basic = () => ({ basic: [web.clientId, web.clientSecret!] as [string, string] });

    async function raceOnce(authorization: Record<string, string>): Promise<{ winner: TokenCall; loser: TokenCall }> {
      const code = await obtainCode(fixture, web.clientId, authorization);
      const results = await Promise.all([redeem(fixture, code, web.clientId, web.clientSecret), redeem(fixture, code, web.clientId, web.clientSecret)]);
      const winners = results.filter((result) => result.status === 200);
      assert.equal(winners.length, 1, `exactly one redemption wins: ${results.map((result) => result.status).join(', ')}`);
      const loser = results.find((result) => result.status !== 200)!;
      return { winner: winners[0]!, loser };
    }

    function assertReplayRefused(loser: TokenCall) {
      assert.equal(loser.status, 400);
      assert.equal(loser.body.error, 'invalid_grant');
      assert.match(String(loser.body.error_description), /already used; the tokens it issued are now revoked/);
    }

    async function assertRevoked(winner: TokenCall) {
      assert.ok(winner.body.access_token && winner.body.refresh_token, 'the winner got an access and a refresh token');
      const { access_token: accessToken, refresh_token: refreshToken } = winner.body as { access_token: string; refresh_token: string };
      const introspected = await postForm(`${fixture.issuer}/oauth2/introspect`, { token: accessToken }, basic());
      assert.equal(introspected.status, 200);
      assert.equal(introspected.body.active, false, "the winner's access token is revoked");
      const refresh = await postForm(tokenUrl(fixture), { grant_type: 'refresh_token', refresh_token: refreshToken }, basic());
      assert.equal(refresh.body.error, 'invalid_grant', "the winner's refresh token is revoked");
    }

    test("JWT access tokens: the loser gets invalid_grant; the winner's access and refresh tokens stop working", async () => {
      // Several rounds, so that both orders of arrival (the loser seeing the code consumed, or losing
      // the conditional write) are likely to be taken.
      for (let round = 0; round < 5; round += 1) {
        const { winner, loser } = await raceOnce({ scope: 'openid offline_access read:contacts', audience: apiIdentifier });
        assertReplayRefused(loser);
        assert.equal(String(winner.body.access_token).split('.').length, 3, 'a JWT');
        await assertRevoked(winner);
      }
    });

    test("opaque access tokens: the winner's stored token is revoked too", async () => {
      for (let round = 0; round < 3; round += 1) {
        const { winner, loser } = await raceOnce({ scope: 'openid offline_access read:race', audience: opaqueApi });
        assertReplayRefused(loser);
        assert.match(String(winner.body.access_token), /^lk_at_/);
        await assertRevoked(winner);
      }
    });
  });
}

parallelRedemptionSuite('SQLite', { skip: false });

let database: TestDatabase | undefined;
if (postgresSkipReason) console.log(`# ${postgresSkipReason}`);
describe('on PostgreSQL', { skip: postgresSkipReason }, () => {
  before(async () => {
    database = await createTestDatabase();
  });
  after(async () => {
    await database?.drop();
  });
  parallelRedemptionSuite('PostgreSQL', { skip: false, databaseUrl: () => database!.url });
});
