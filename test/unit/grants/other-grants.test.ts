import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { OAuthClient } from '../../../src/ports/directories.js';
import type { UserRecord } from '../../../src/ports/identity-repositories.js';
import { clientCredentialsGrant } from '../../../src/protocol/grants/client-credentials.js';
import { deviceCodeGrant } from '../../../src/protocol/grants/device-code.js';
import { issueTokens } from '../../../src/protocol/grants/issue.js';
import { jwtBearerGrant } from '../../../src/protocol/grants/jwt-bearer.js';
import { accessTokenType, tokenExchangeGrant } from '../../../src/protocol/grants/token-exchange.js';
import { generateOpaqueSecret } from '../../../src/shared/opaque-secret.js';
import { createTestProtocol, type TestProtocol } from '../../support/protocol.js';
import { grantContext, outcome } from './support.js';

const api = 'https://reports.example.test';

describe('client_credentials, device_code, jwt-bearer and token exchange validate', () => {
  let t: TestProtocol;
  let machine: OAuthClient;
  let device: OAuthClient;
  let user: UserRecord;
  before(async () => {
    t = await createTestProtocol();
    await t.runtime.registry.apis.create(t.operator, t.orgId, {
      identifier: api,
      name: 'Reports',
      scopes: [{ name: 'read:reports' }, { name: 'write:reports' }],
    });
    machine = (
      await t.createApp({
        name: 'Machine',
        type: 'm2m',
        grantTypes: ['client_credentials', 'urn:ietf:params:oauth:grant-type:token-exchange', 'urn:ietf:params:oauth:grant-type:jwt-bearer'],
        apiGrants: [{ audience: api, scopes: ['read:reports'] }],
      })
    ).client;
    device = (await t.createApp({ name: 'TV', type: 'device', scopes: ['openid', 'profile'] })).client;
    user = await t.createUser();
  });
  after(() => t.close());

  test('the client requirements: client credentials and token exchange need proof, the JWT bearer grant a confidential app', () => {
    assert.deepEqual(
      [clientCredentialsGrant, tokenExchangeGrant, jwtBearerGrant].map((grant) => grant.client.kind === 'confidential' && grant.client.proven),
      [true, true, false],
    );
    assert.equal(deviceCodeGrant.client.kind, 'any');
  });

  const ccRows: [string, Record<string, string>, string][] = [
    ["the app's own audience and scopes", {}, 'ok'],
    ['a scope of its grant', { scope: 'read:reports' }, 'ok'],
  ];
  for (const [name, form, expected] of ccRows) {
    test(`client_credentials: ${name}`, async () => {
      const authorization = clientCredentialsGrant.validate(grantContext(t, machine, form, t.deps));
      assert.equal(await outcome(authorization), expected);
      const granted = await authorization;
      assert.equal(granted.accessToken.subject, machine.clientId, 'the client, never a user (RFC 9700 §4.15)');
      assert.deepEqual(
        granted.accessToken.apis.map((one) => one.identifier),
        [api],
      );
      assert.deepEqual([granted.refresh.kind, granted.change.kind, granted.idToken], ['none', 'none', null]);
    });
  }
  test('client_credentials: a scope outside its grants is refused', async () => {
    assert.match(await outcome(clientCredentialsGrant.validate(grantContext(t, machine, { scope: 'write:reports' }, t.deps))), /^invalid_scope: /);
  });

  async function pendingDeviceCode(): Promise<{ code: string; hash: string; userCode: string }> {
    const code = generateOpaqueSecret('dc');
    const hash = t.deps.tokenHasher.hash(code);
    const userCode = `BCDF-${String(Math.floor(Math.random() * 9000) + 1000).replace(/\d/g, (digit) => 'GHJKLMNPQR'[Number(digit)]!)}`;
    const now = t.clock.now();
    await t.runtime.storage.deviceCodes.insert({
      deviceCodeHash: hash,
      userCode,
      clientId: device.clientId,
      scope: ['openid'],
      audiences: [],
      status: 'pending',
      userId: null,
      sessionSid: null,
      authTime: null,
      amr: null,
      intervalSeconds: 5,
      lastPolledAt: null,
      createdAt: now,
      expiresAt: now + 600_000,
    });
    return { code, hash, userCode };
  }
  const poll = (code: string) => outcome(deviceCodeGrant.validate(grantContext(t, device, { device_code: code }, t.deps, false)));

  test('device_code: pending, then slow_down, then denied; the answers of RFC 8628 §3.5', async () => {
    assert.equal(await poll(''), 'invalid_request: the device_code parameter is missing (RFC 8628 §3.4)');
    assert.equal(await poll('lk_dc_nope'), 'invalid_grant: the device code is not one this server issued');
    const { code, userCode } = await pendingDeviceCode();
    assert.equal(await poll(code), 'authorization_pending: the user has not finished yet; keep polling (RFC 8628 §3.5)');
    assert.equal(await poll(code), 'slow_down: polled before the interval had passed; now every 10 seconds (RFC 8628 §3.5)');
    await t.runtime.storage.deviceCodes.deny(userCode, t.clock.now());
    assert.equal(await poll(code), 'access_denied: the user denied the request (RFC 8628 §3.5)');
  });

  test('device_code: once approved it grants a new grant and consumes the code, once', async () => {
    const { code, hash, userCode } = await pendingDeviceCode();
    await t.runtime.storage.deviceCodes.approve(userCode, { userId: user.id, sessionSid: 'sid-9', authTime: t.clock.now(), amr: ['pwd'] }, t.clock.now());
    const authorization = await deviceCodeGrant.validate(grantContext(t, device, { device_code: code }, t.deps, false));
    assert.equal(authorization.change.kind, 'create-grant');
    assert.equal(authorization.change.kind === 'create-grant' && authorization.change.consumeDeviceCode, hash);
    assert.equal(authorization.user?.id, user.id);
    const twice = await deviceCodeGrant.validate(grantContext(t, device, { device_code: code }, t.deps, false));
    assert.ok((await issueTokens(t.deps, authorization, t.clock.now())).id_token);
    assert.equal(await outcome(issueTokens(t.deps, twice, t.clock.now())), 'invalid_grant: the device code was already used');
    assert.equal(await poll(code), 'invalid_grant: the device code was already used');
  });

  const jwtRows: [string, Record<string, string>, string][] = [
    ['no assertion', {}, 'invalid_request: the assertion parameter is missing (RFC 7523 §2.1)'],
    ['an app without keys', { assertion: 'a.b.c' }, 'invalid_grant: the app has no uploaded certificate or key to verify the assertion with'],
  ];
  for (const [name, form, expected] of jwtRows) {
    test(`jwt-bearer: ${name}`, async () => assert.equal(await outcome(jwtBearerGrant.validate(grantContext(t, machine, form, t.deps))), expected));
  }

  test('token exchange: the table of refusals, then a delegation with act', async () => {
    const subject = await issueTokens(t.deps, await clientCredentialsGrant.validate(grantContext(t, machine, {}, t.deps)), t.clock.now());
    const exchange = (form: Record<string, string>) => tokenExchangeGrant.validate(grantContext(t, machine, form, t.deps));
    const rows: [Record<string, string>, string][] = [
      [{}, 'invalid_request: subject_token and subject_token_type are required (RFC 8693 §2.1)'],
      [
        { subject_token: 'x', subject_token_type: 'urn:x' },
        `invalid_request: subject_token_type urn:x is not supported: send one of ${accessTokenType}, urn:ietf:params:oauth:token-type:id_token, urn:ietf:params:oauth:token-type:jwt (RFC 8693 §2.1)`,
      ],
      [
        { subject_token: 'x', subject_token_type: accessTokenType },
        'invalid_request: the subject_token is not an active access token of this server: invalid, expired or revoked (RFC 8693 §2.2.2)',
      ],
      [
        { subject_token: subject.access_token, subject_token_type: accessTokenType },
        'invalid_target: name the API the new token is for with audience or resource (RFC 8693 §2.1)',
      ],
      [
        { subject_token: subject.access_token, subject_token_type: accessTokenType, audience: api, scope: 'write:reports' },
        'invalid_scope: the new token can not have scopes the subject token lacks: write:reports',
      ],
    ];
    for (const [form, expected] of rows) assert.equal(await outcome(exchange(form)), expected);
    const granted = await exchange({ subject_token: subject.access_token, subject_token_type: accessTokenType, audience: api });
    assert.ok(!('kind' in granted), 'an access token is issued by issueTokens');
    assert.deepEqual(granted.accessToken.extraClaims, { act: { sub: machine.clientId } });
    assert.equal(granted.issuedTokenType, accessTokenType);
    assert.deepEqual(Object.keys(await issueTokens(t.deps, granted, t.clock.now())), [
      'access_token',
      'issued_token_type',
      'token_type',
      'expires_in',
      'scope',
    ]);
  });
});
