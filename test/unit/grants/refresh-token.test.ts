import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { OAuthClient } from '../../../src/ports/directories.js';
import type { UserRecord } from '../../../src/ports/identity-repositories.js';
import { authorizationCodeGrant } from '../../../src/protocol/grants/authorization-code.js';
import { issueTokens } from '../../../src/protocol/grants/issue.js';
import { refreshTokenGrant } from '../../../src/protocol/grants/refresh-token.js';
import { formatRefreshToken, newRefreshSecret, parseRefreshToken } from '../../../src/protocol/tokens/refresh-token.js';
import { SecretHasher } from '../../../src/shared/opaque-secret.js';
import { createTestProtocol, type TestProtocol } from '../../support/protocol.js';
import { grantContext, outcome, recordEvents, redirectUri, storeCodeGrant, verifier } from './support.js';

describe('refresh_token validate', () => {
  let t: TestProtocol;
  let client: OAuthClient;
  let user: UserRecord;
  before(async () => {
    t = await createTestProtocol();
    client = (
      await t.createApp({
        name: 'Web',
        type: 'web',
        redirectUris: [redirectUri],
        grantTypes: ['authorization_code', 'refresh_token'],
        scopes: ['openid', 'offline_access'],
        refreshToken: { reuseIntervalSeconds: 10, ttlMinutes: 30 },
      })
    ).client;
    user = await t.createMember();
  });
  after(() => t.close());

  /** A fresh family: the refresh token the code exchange issued. */
  async function family(): Promise<string> {
    const { code } = await storeCodeGrant(t, client, user);
    const authorization = await authorizationCodeGrant.validate(grantContext(t, client, { code, redirect_uri: redirectUri, code_verifier: verifier }, t.deps));
    return (await issueTokens(t.deps, authorization, t.clock.now())).refresh_token!;
  }
  const refresh = async (token: string, extra: Record<string, string> = {}) => {
    const authorization = await refreshTokenGrant.validate(grantContext(t, client, { refresh_token: token, ...extra }, t.deps));
    return { authorization, response: await issueTokens(t.deps, authorization, t.clock.now()) };
  };

  test('the current token rotates; its successor is returned', async () => {
    const token = await family();
    const authorization = await refreshTokenGrant.validate(grantContext(t, client, { refresh_token: token }, t.deps));
    assert.equal(authorization.change.kind, 'rotate-refresh');
    assert.equal(authorization.refresh.kind, 'successor');
    const response = await issueTokens(t.deps, authorization, t.clock.now());
    assert.ok(response.refresh_token && response.refresh_token !== token && response.id_token);
  });

  test('a retry within the window gets the same successor, with no grant change', async () => {
    const token = await family();
    const { response: first } = await refresh(token);
    t.clock.advance(5_000);
    const { authorization, response: again } = await refresh(token);
    assert.equal(authorization.change.kind, 'none');
    assert.equal(again.refresh_token, first.refresh_token);
  });

  const rows: { name: string; token: (current: string) => Promise<string> | string; advance?: number; extra?: Record<string, string>; expect: string }[] = [
    { name: 'no refresh token', token: () => '', expect: 'invalid_request: the refresh_token parameter is missing (RFC 6749 §6)' },
    { name: 'not one of this server', token: () => 'lk_rt_nope', expect: 'invalid_grant: the refresh token is not one this server issued' },
    {
      name: 'a forged secret for a real family',
      token: (current) =>
        formatRefreshToken(
          parseRefreshToken(current)!.grantId,
          newRefreshSecret(new SecretHasher(new Uint8Array(32).fill(4)), parseRefreshToken(current)!.grantId),
        ),
      expect: 'invalid_grant: the refresh token is not valid',
    },
    {
      name: 'a rotated-out token after the window',
      token: async (current) => {
        await refresh(current);
        t.clock.advance(11_000);
        return current;
      },
      expect: 'invalid_grant: this refresh token was rotated out and used again, so the whole family is revoked (RFC 9700 §4.14.2)',
    },
    {
      name: 'a token two generations back',
      token: async (current) => {
        const { response } = await refresh(current);
        await refresh(response.refresh_token!);
        return current;
      },
      expect: 'invalid_grant: this refresh token was rotated out and used again, so the whole family is revoked (RFC 9700 §4.14.2)',
    },
    { name: 'an expired family', token: (current) => current, advance: 31 * 60_000, expect: 'invalid_grant: the refresh token has expired' },
    {
      name: 'a wider scope',
      token: (current) => current,
      extra: { scope: 'openid profile' },
      expect: 'invalid_scope: a refresh can only narrow the scope; profile was not granted (RFC 6749 §6)',
    },
  ];
  for (const row of rows) {
    test(row.name, async () => {
      const token = await row.token(await family());
      if (row.advance) t.clock.advance(row.advance);
      const form = token === '' ? { ...row.extra } : { refresh_token: token, ...row.extra };
      assert.equal(await outcome(refreshTokenGrant.validate(grantContext(t, client, form, t.deps))), row.expect);
    });
  }

  test('reuse revokes the family and publishes refresh.reuse_detected once', async () => {
    const token = await family();
    await refresh(token);
    const events = recordEvents(t);
    t.clock.advance(11_000);
    await outcome(refreshTokenGrant.validate(grantContext(t, client, { refresh_token: token }, t.deps)));
    await outcome(refreshTokenGrant.validate(grantContext(t, client, { refresh_token: token }, t.deps)));
    assert.deepEqual(
      events.map((event) => event.type),
      ['refresh.reuse_detected'],
    );
    assert.notEqual((await t.runtime.storage.grants.get(parseRefreshToken(token)!.grantId))?.revokedAt, null);
  });
});
