import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { OAuthClient } from '../../../src/ports/directories.js';
import type { UserRecord } from '../../../src/ports/identity-repositories.js';
import type { GrantRecord } from '../../../src/ports/oauth-repositories.js';
import { authorizationCodeGrant } from '../../../src/protocol/grants/authorization-code.js';
import { issueTokens } from '../../../src/protocol/grants/issue.js';
import { createTestProtocol, type TestProtocol } from '../../support/protocol.js';
import { grantContext, outcome, recordEvents, redirectUri, storeCodeGrant, verifier, type Form } from './support.js';

describe('authorization_code validate', () => {
  let t: TestProtocol;
  let client: OAuthClient;
  let other: OAuthClient;
  let user: UserRecord;
  before(async () => {
    t = await createTestProtocol();
    const input = {
      name: 'Web',
      type: 'web',
      redirectUris: [redirectUri],
      grantTypes: ['authorization_code', 'refresh_token'],
      scopes: ['openid', 'offline_access'],
    } as const;
    client = (await t.createApp({ ...input, grantTypes: [...input.grantTypes], scopes: [...input.scopes], redirectUris: [...input.redirectUris] })).client;
    other = (await t.createApp({ name: 'Other', type: 'web', redirectUris: [redirectUri] })).client;
    user = await t.createUser();
  });
  after(() => t.close());

  const good: Form = { redirect_uri: redirectUri, code_verifier: verifier };
  const rows: { name: string; form?: Form; code?: string; grant?: Partial<GrantRecord>; client?: 'other'; expect: string | RegExp }[] = [
    { name: 'no code', code: '', expect: 'invalid_request: the code parameter is missing (RFC 6749 §4.1.3)' },
    { name: 'not a code of this server', code: 'lk_ac_nope', expect: 'invalid_grant: the authorization code is not one this server issued' },
    { name: 'another client', client: 'other', expect: 'invalid_grant: the authorization code was issued to another client (RFC 6749 §4.1.3)' },
    { name: 'already used', grant: { codeConsumedAt: 1 }, expect: /^invalid_grant: the authorization code was already used/ },
    { name: 'expired', grant: { codeExpiresAt: 1 }, expect: 'invalid_grant: the authorization code has expired (it lives 60 seconds)' },
    { name: 'redirect_uri missing', form: { code_verifier: verifier }, expect: /^invalid_grant: redirect_uri is required/ },
    { name: 'redirect_uri differs', form: { ...good, redirect_uri: 'https://app.example.com/other' }, expect: /^invalid_grant: redirect_uri does not match/ },
    { name: 'verifier missing', form: { redirect_uri: redirectUri }, expect: /^invalid_grant: code_verifier is required/ },
    { name: 'verifier malformed', form: { ...good, code_verifier: 'short' }, expect: /^invalid_grant: code_verifier must be 43 to 128/ },
    { name: 'verifier wrong', form: { ...good, code_verifier: 'w'.repeat(43) }, expect: /^invalid_grant: code_verifier does not match/ },
    { name: 'verifier without a challenge', grant: { codeChallenge: null }, expect: /^invalid_grant: the code was issued without a code_challenge/ },
    { name: 'user disabled', grant: { userId: 'usr_missing' }, expect: 'invalid_grant: the user of this authorization no longer exists' },
    { name: 'valid', expect: 'ok' },
  ];
  for (const row of rows) {
    test(row.name, async () => {
      const { code } = await storeCodeGrant(t, client, user, row.grant);
      const form = { ...(row.form ?? good), ...(row.code === '' ? {} : { code: row.code ?? code }) };
      const asClient = row.client === 'other' ? other : client;
      const result = await outcome(authorizationCodeGrant.validate(grantContext(t, asClient, form, t.deps)));
      if (typeof row.expect === 'string') assert.equal(result, row.expect);
      else assert.match(result, row.expect);
    });
  }

  test("what a valid code grants: the grant's user, scope, nonce, a new refresh family, a code redemption", async () => {
    const { code, grant } = await storeCodeGrant(t, client, user);
    const authorization = await authorizationCodeGrant.validate(grantContext(t, client, { ...good, code }, t.deps));
    assert.equal(authorization.accessToken.subject, user.id);
    assert.deepEqual(authorization.accessToken.scope, ['openid', 'offline_access']);
    assert.equal(authorization.accessToken.grantId, grant.id);
    assert.equal(authorization.idToken?.authentication.nonce, 'nonce-1');
    assert.deepEqual(authorization.refresh, { kind: 'new', ttlMinutes: client.policy.refreshToken.ttlMinutes });
    assert.equal(authorization.change.kind, 'redeem-code');
  });

  test('a code bound with dpop_jkt needs a proof of that key (RFC 9449 §10)', async () => {
    const { code } = await storeCodeGrant(t, client, user, { dpopJkt: 'key-a' });
    const context = grantContext(t, client, { ...good, code }, t.deps);
    assert.match(await outcome(authorizationCodeGrant.validate(context)), /^invalid_grant: the authorization code is bound to a DPoP key/);
    assert.match(
      await outcome(authorizationCodeGrant.validate({ ...context, proof: { jkt: 'key-b', jwk: {} } })),
      /^invalid_grant: the DPoP proof is made with another key/,
    );
    assert.equal(await outcome(authorizationCodeGrant.validate({ ...context, proof: { jkt: 'key-a', jwk: {} } })), 'ok');
  });

  test("redemption with a proof binds a public client's refresh tokens to the key, never a confidential client's (RFC 9449 §5)", async () => {
    const spa = (
      await t.createApp({
        name: 'SPA',
        type: 'spa',
        redirectUris: [redirectUri],
        grantTypes: ['authorization_code', 'refresh_token'],
        scopes: ['openid', 'offline_access'],
      })
    ).client;
    const proof = { jkt: 'key-a', jwk: {} };
    for (const [app, expected] of [
      [spa, 'key-a'],
      [client, null],
    ] as const) {
      const { code, grant } = await storeCodeGrant(t, app, user, { dpopJkt: 'key-a' });
      const authorization = await authorizationCodeGrant.validate({ ...grantContext(t, app, { ...good, code }, t.deps), proof });
      const response = await issueTokens(t.deps, authorization, t.clock.now(), proof.jkt);
      assert.equal(response.token_type, 'DPoP');
      assert.ok(response.refresh_token);
      assert.equal((await t.runtime.storage.grants.get(grant.id))?.dpopJkt, expected, app.app.type);
    }
  });

  test('a replay revokes the grant and is published where it is detected; issuing twice loses the race', async () => {
    const events = recordEvents(t);
    const { code, grant } = await storeCodeGrant(t, client, user);
    const first = await authorizationCodeGrant.validate(grantContext(t, client, { ...good, code }, t.deps));
    const second = await authorizationCodeGrant.validate(grantContext(t, client, { ...good, code }, t.deps));
    const response = await issueTokens(t.deps, first, t.clock.now());
    assert.ok(response.refresh_token && response.id_token);
    assert.match(await outcome(issueTokens(t.deps, second, t.clock.now())), /^invalid_grant: the authorization code was already used/);
    assert.notEqual((await t.runtime.storage.grants.get(grant.id))?.revokedAt, null);
    assert.deepEqual(
      events.filter((event) => event.type === 'code.replay_detected').map((event) => event.type === 'code.replay_detected' && event.grantId),
      [grant.id],
    );
    assert.equal(events.filter((event) => event.type === 'token.issued').length, 0, "token.issued is the token endpoint's to publish");
  });
});
