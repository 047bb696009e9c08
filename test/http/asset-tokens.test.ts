import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import {
  calculateJwkThumbprint,
  createLocalJWKSet,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  importX509,
  jwtVerify,
  SignJWT,
  type CryptoKey,
  type JSONWebKeySet,
  type JWK,
} from 'jose';
import { operatorActor } from '../../src/domain/access/actor.js';
import { userWithToken, type ApiCaller } from '../support/api.js';
import { obtainCode, postForm, redeem, tokenUrl } from '../support/flows.js';
import { oauthFixture, redirectUri, type OAuthFixture } from '../support/oauth.js';

const exchange = 'urn:ietf:params:oauth:grant-type:token-exchange';
const accessTokenType = 'urn:ietf:params:oauth:token-type:access_token';
const jwtType = 'urn:ietf:params:oauth:token-type:jwt';
const devicesApi = 'https://devices.example.test';
const assetAudiences = ['https://assets.example.test/vault', 'urn:example:asset-gateway'];
const attributes = { tier: 'gold', 'https://example.test/plan': { seats: 3, features: ['sync'] } };
const fixtureFile = (name: string) => readFileSync(new URL(`../fixtures/certificates/${name}`, import.meta.url), 'utf8');
const keyBody = (pem: string) => pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');

interface DeviceKey {
  privateKey: CryptoKey;
  jwk: JWK;
}

async function deviceKey(): Promise<DeviceKey> {
  const pair = await generateKeyPair('ES256', { extractable: true });
  return { privateKey: pair.privateKey, jwk: await exportJWK(pair.publicKey) };
}

/** The device's JWT: its public key in cnf.jwk (RFC 7800 §3.2), signed with the private one. */
function deviceJwt(device: DeviceKey, options: { claims?: Record<string, unknown>; signWith?: CryptoKey; expiresIn?: string | number } = {}) {
  const jwt = new SignJWT({ cnf: { jwk: device.jwk }, ...options.claims }).setProtectedHeader({ alg: 'ES256', typ: 'JWT' }).setIssuedAt();
  if (options.expiresIn !== undefined) jwt.setExpirationTime(options.expiresIn);
  else jwt.setExpirationTime('2m');
  return jwt.sign(options.signWith ?? device.privateKey);
}

describe('asset tokens through token exchange (RFC 8693)', () => {
  let fixture: OAuthFixture;
  let admin: ApiCaller;
  const transcript: string[] = [];
  let app: { clientId: string; clientSecret: string | null };
  let userToken: string;
  let device: DeviceKey;

  before(async () => {
    fixture = await oauthFixture();
    const registry = fixture.server.server.runtime.registry;
    await registry.apis.create({ actor: operatorActor }, fixture.orgId, { identifier: devicesApi, name: 'Devices', scopes: [{ name: 'api' }] });
    admin = (await userWithToken(fixture.server, { role: 'admin', transcript })).api;
    app = await fixture.createApp({
      name: 'Device companion',
      type: 'web',
      redirectUris: [redirectUri],
      grantTypes: ['authorization_code', exchange],
      scopes: ['openid', 'api'],
      security: { firstParty: true },
    });
    const enabled = await admin.patch(`/apps/${app.clientId}`, {
      assetTokens: { enabled: true, validityMinutes: 10, audiences: assetAudiences, customAttributes: attributes },
    });
    assert.equal(enabled.status, 200, enabled.text);
    const code = await obtainCode(fixture, app.clientId, { scope: 'openid api', audience: devicesApi });
    userToken = String((await redeem(fixture, code, app.clientId, app.clientSecret)).body.access_token);
    device = await deviceKey();
  });
  after(() => fixture.stop());

  const exchangeFor = async (extra: Record<string, string | undefined> = {}, client = app) => {
    const form: Record<string, string> = {
      grant_type: exchange,
      subject_token: userToken,
      subject_token_type: accessTokenType,
      actor_token: await deviceJwt(device),
      actor_token_type: jwtType,
      requested_token_type: jwtType,
    };
    for (const [name, value] of Object.entries(extra)) {
      if (value === undefined) delete form[name];
      else form[name] = value;
    }
    return postForm(tokenUrl(fixture), form, { basic: [client.clientId, client.clientSecret!], fetch: fixture.fetch });
  };

  async function serverKeys() {
    const response = await fixture.fetch(`${fixture.issuer}/.well-known/jwks.json`);
    return createLocalJWKSet((await response.json()) as JSONWebKeySet);
  }

  test("the asset token: this server's, for the user, the asset audiences, bound to the device key, with the attributes", async () => {
    const before = Math.floor(Date.now() / 1000);
    const response = await exchangeFor();
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.equal(response.body.issued_token_type, jwtType);
    assert.equal(response.body.token_type, 'N_A');
    assert.equal(response.body.expires_in, 600);
    assert.equal(response.body.refresh_token, undefined);
    const token = String(response.body.access_token);
    const { payload, protectedHeader } = await jwtVerify(token, await serverKeys(), { issuer: fixture.issuer, audience: assetAudiences[0]! });
    assert.ok(protectedHeader.kid, 'signed with a server key named by kid');
    assert.equal(protectedHeader.x5c, undefined);
    assert.equal(payload.sub, fixture.user.id);
    assert.deepEqual(payload.aud, assetAudiences);
    assert.deepEqual(payload.cnf, { jkt: await calculateJwkThumbprint(device.jwk, 'sha256') });
    assert.equal(payload.client_id, app.clientId);
    assert.equal(payload.tier, 'gold');
    assert.deepEqual(payload['https://example.test/plan'], attributes['https://example.test/plan']);
    assert.ok(payload.exp! >= before + 600 && payload.exp! <= Math.floor(Date.now() / 1000) + 600);
  });

  test('signed with the asset signing certificate: x5c carries it, its public key verifies the token', async () => {
    const certificate = fixtureFile('ec-valid.pem');
    const privateKey = fixtureFile('ec-valid.key');
    const uploaded = await admin.call('PUT', `/apps/${app.clientId}/asset-signing-certificate`, { certificate, privateKey });
    assert.equal(uploaded.status, 200, uploaded.text);
    assert.equal(uploaded.body.alg, 'ES256');
    assert.equal('privateKey' in uploaded.body, false);
    assert.equal((await admin.patch(`/apps/${app.clientId}`, { assetTokens: { signing: 'certificate' } })).status, 200);
    try {
      const response = await exchangeFor();
      assert.equal(response.status, 200, JSON.stringify(response.body));
      const token = String(response.body.access_token);
      const header = decodeProtectedHeader(token);
      assert.equal(header.kid, undefined);
      assert.deepEqual(header.x5c, [keyBody(certificate)]);
      const { payload } = await jwtVerify(token, await importX509(certificate, 'ES256'), { issuer: fixture.issuer, audience: assetAudiences[1]! });
      assert.deepEqual(payload.cnf, { jkt: await calculateJwkThumbprint(device.jwk, 'sha256') });
      await assert.rejects(jwtVerify(token, await serverKeys()), 'the server keys did not sign it');

      // A certificate that has expired since its upload signs nothing.
      const storage = fixture.server.server.runtime.storage;
      const stored = (await storage.apps.getAssetSigningKey(app.clientId))!;
      await storage.apps.putAssetSigningKey({ ...stored, expiresAt: Date.now() - 1000 });
      const expired = await exchangeFor();
      assert.equal(expired.body.error, 'unauthorized_client');
      assert.match(String(expired.body.error_description), /asset signing certificate of this app expired on/);
      await storage.apps.putAssetSigningKey(stored);

      const removal = await admin.delete(`/apps/${app.clientId}/asset-signing-certificate`);
      assert.equal(removal.status, 409, 'not while asset tokens are signed with it');
    } finally {
      assert.equal((await admin.patch(`/apps/${app.clientId}`, { assetTokens: { signing: 'server' } })).status, 200);
    }
  });

  test('an app without asset tokens enabled is refused with unauthorized_client', async () => {
    const other = await fixture.createApp({
      name: 'Plain exchanger',
      type: 'web',
      redirectUris: [redirectUri],
      grantTypes: ['authorization_code', exchange],
      scopes: ['openid', 'api'],
    });
    const response = await exchangeFor({}, other);
    assert.equal(response.status, 400);
    assert.equal(response.body.error, 'unauthorized_client');
    assert.match(String(response.body.error_description), /asset tokens are not enabled for this app/);
  });

  test('a subject token without the api scope is refused with invalid_scope', async () => {
    const code = await obtainCode(fixture, app.clientId, { scope: 'openid' });
    const narrow = String((await redeem(fixture, code, app.clientId, app.clientSecret)).body.access_token);
    const response = await exchangeFor({ subject_token: narrow });
    assert.equal(response.status, 400);
    assert.equal(response.body.error, 'invalid_scope');
    assert.match(String(response.body.error_description), /lacks the api scope an asset token needs/);
  });

  test("an app's own token (client credentials) is no subject for an asset token", async () => {
    const machine = await fixture.createApp({ name: 'Fleet job', type: 'm2m', apiGrants: [{ audience: devicesApi, scopes: ['api'] }] });
    const own = await postForm(
      tokenUrl(fixture),
      { grant_type: 'client_credentials', audience: devicesApi },
      { basic: [machine.clientId, machine.clientSecret!], fetch: fixture.fetch },
    );
    assert.equal(own.status, 200, JSON.stringify(own.body));
    const response = await exchangeFor({ subject_token: String(own.body.access_token) });
    assert.equal(response.body.error, 'invalid_request');
    assert.match(String(response.body.error_description), /must be a user's access token/);
  });

  const unsigned = (claims: Record<string, unknown>) =>
    `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`;

  const deviceRefusals: [string, () => Promise<Record<string, string | undefined>>, RegExp][] = [
    ['no actor_token', () => Promise.resolve({ actor_token: undefined }), /needs an actor_token/],
    [
      'an actor_token_type other than jwt',
      () => Promise.resolve({ actor_token_type: accessTokenType }),
      /actor_token_type must be urn:ietf:params:oauth:token-type:jwt/,
    ],
    ['a subject_token_type other than access_token', () => Promise.resolve({ subject_token_type: jwtType }), /subject_token_type must be/],
    ['an actor_token that is no JWT', () => Promise.resolve({ actor_token: 'not-a-jwt' }), /is not a JWT/],
    [
      'an unsigned device JWT (alg none)',
      () => Promise.resolve({ actor_token: unsigned({ cnf: { jwk: device.jwk }, exp: Math.floor(Date.now() / 1000) + 60 }) }),
      /signed with none/,
    ],
    ['a device JWT without cnf', async () => ({ actor_token: await deviceJwt(device, { claims: { cnf: undefined } }) }), /has no cnf claim/],
    [
      'a device JWT signed by another key than its cnf.jwk',
      async () => ({ actor_token: await deviceJwt(device, { signWith: (await deviceKey()).privateKey }) }),
      /not signed by the key in its cnf\.jwk/,
    ],
    [
      'private key material in cnf.jwk',
      async () => {
        const pair = await generateKeyPair('ES256', { extractable: true });
        const privateJwk = await exportJWK(pair.privateKey);
        return { actor_token: await deviceJwt({ privateKey: pair.privateKey, jwk: privateJwk }) };
      },
      /private or symmetric key material in cnf\.jwk \(d\)/,
    ],
    ['an expired device JWT', async () => ({ actor_token: await deviceJwt(device, { expiresIn: Math.floor(Date.now() / 1000) - 120 }) }), /has expired/],
    ['a device JWT that lives an hour', async () => ({ actor_token: await deviceJwt(device, { expiresIn: '1h' }) }), /lives too long/],
    ['an inactive subject_token', () => Promise.resolve({ subject_token: 'lk_at_nothing' }), /not an active access token/],
  ];
  for (const [name, form, description] of deviceRefusals) {
    test(`invalid_request: ${name}`, async () => {
      const response = await exchangeFor(await form());
      assert.equal(response.status, 400, JSON.stringify(response.body));
      assert.equal(response.body.error, 'invalid_request');
      assert.match(String(response.body.error_description), description);
    });
  }

  describe('settings through the management API', () => {
    const problems = (body: Record<string, unknown>) => (body.errors as { field: string; message: string }[]) ?? [];

    test('the app view shows the settings, with their defaults on an app that never set them', async () => {
      const fresh = await fixture.createApp({ name: 'Fresh', type: 'web', redirectUris: [redirectUri] });
      const view = await admin.get(`/apps/${fresh.clientId}`);
      assert.deepEqual(view.body.assetTokens, { enabled: false, validityMinutes: 60, audiences: [], signing: 'server', customAttributes: {} });
      assert.equal((await admin.get(`/apps/${fresh.clientId}/asset-signing-certificate`)).status, 404);
    });

    test('an app type that can never use token exchange can not enable asset tokens', async () => {
      const spa = await fixture.createApp({ name: 'Browser app', type: 'spa', redirectUris: [redirectUri] });
      const response = await admin.patch(`/apps/${spa.clientId}`, { assetTokens: { enabled: true, audiences: assetAudiences } });
      assert.equal(response.status, 400);
      const [problem] = problems(response.body);
      assert.equal(problem?.field, 'assetTokens.enabled');
      assert.match(problem.message, /^Enable asset tokens: a single-page app can't use token exchange/);
      const upload = await admin.call('PUT', `/apps/${spa.clientId}/asset-signing-certificate`, {
        certificate: fixtureFile('ec-valid.pem'),
        privateKey: fixtureFile('ec-valid.key'),
      });
      assert.equal(upload.status, 409);
    });

    const settingRefusals: [string, Record<string, unknown>, string, RegExp][] = [
      [
        'a validity out of bounds',
        { validityMinutes: 0 },
        'assetTokens.validityMinutes',
        /^Asset token validity \(minutes\) must be a whole number of minutes from 1 to 1440/,
      ],
      [
        'an audience with a fragment',
        { audiences: ['https://assets.example.test/#x'] },
        'assetTokens.audiences[0]',
        /^each of the Asset audiences must be an absolute URI/,
      ],
      ['a relative audience', { audiences: ['/assets'] }, 'assetTokens.audiences[0]', /absolute URI without a fragment/],
      [
        'a reserved claim as an attribute',
        { customAttributes: { sub: 'someone else' } },
        'assetTokens.customAttributes.sub',
        /^Custom attributes: sub is a claim/,
      ],
      ['cnf as an attribute', { customAttributes: { cnf: {} } }, 'assetTokens.customAttributes.cnf', /^Custom attributes: cnf/],
      [
        'attributes over 2048 bytes',
        { customAttributes: { big: 'x'.repeat(2100) } },
        'assetTokens.customAttributes',
        /^Custom attributes take \d+ bytes; the limit is 2048/,
      ],
      [
        'signing with a certificate not uploaded',
        { signing: 'certificate' },
        'assetTokens.signing',
        /^Sign asset tokens with: upload an Asset signing certificate/,
      ],
      ['an unknown signing choice', { signing: 'hsm' }, 'assetTokens.signing', /^Sign asset tokens with must be server .* or certificate/],
      ['no audience', { audiences: [] }, 'assetTokens.audiences', /^Asset audiences: name at least one/],
    ];
    for (const [name, settings, field, message] of settingRefusals) {
      test(`refused, naming the field as the console labels it: ${name}`, async () => {
        const target = await fixture.createApp({
          name: `Target ${name}`,
          type: 'web',
          redirectUris: [redirectUri],
          grantTypes: ['authorization_code', exchange],
        });
        const response = await admin.patch(`/apps/${target.clientId}`, { assetTokens: { enabled: true, audiences: assetAudiences, ...settings } });
        assert.equal(response.status, 400, response.text);
        const found = problems(response.body).find((problem) => problem.field === field);
        assert.ok(found, `a problem about ${field}: ${response.text}`);
        assert.match(found.message, message);
        assert.equal(((await admin.get(`/apps/${target.clientId}`)).body.assetTokens as { enabled: boolean }).enabled, false, 'nothing saved');
      });
    }

    test('enabling asset tokens needs the token exchange grant', async () => {
      const target = await fixture.createApp({ name: 'No exchange', type: 'web', redirectUris: [redirectUri] });
      const response = await admin.patch(`/apps/${target.clientId}`, { assetTokens: { enabled: true, audiences: assetAudiences } });
      assert.equal(response.status, 400);
      assert.match(
        problems(response.body).find((problem) => problem.field === 'assetTokens.enabled')!.message,
        /add urn:ietf:params:oauth:grant-type:token-exchange/,
      );
    });

    const uploadRefusals: [string, () => Record<string, unknown>, string, RegExp][] = [
      [
        'a key that does not match the certificate',
        () => ({ certificate: fixtureFile('ec-valid.pem'), privateKey: fixtureFile('rsa-valid.key') }),
        'privateKey',
        /^Private key: does not match the certificate/,
      ],
      [
        'an expired certificate',
        () => ({ certificate: fixtureFile('expired.pem'), privateKey: fixtureFile('expired.key') }),
        'certificate',
        /^Asset signing certificate: expired on/,
      ],
      [
        'a certificate over 4 KB',
        () => ({ certificate: 'x'.repeat(4097), privateKey: fixtureFile('ec-valid.key') }),
        'certificate',
        /^Asset signing certificate: is 4097 bytes; the limit is 4096/,
      ],
      ['a key over 4 KB', () => ({ certificate: fixtureFile('ec-valid.pem'), privateKey: 'x'.repeat(5000) }), 'privateKey', /^Private key: is 5000 bytes/],
      [
        'a private key where the certificate goes',
        () => ({ certificate: fixtureFile('ec-valid.key'), privateKey: fixtureFile('ec-valid.key') }),
        'certificate',
        /this is a private key/,
      ],
      ['no private key', () => ({ certificate: fixtureFile('ec-valid.pem') }), 'privateKey', /^Private key: is required/],
      [
        'a weak RSA key',
        () => ({ certificate: fixtureFile('rsa-weak.pem'), privateKey: fixtureFile('rsa-weak.key') }),
        'certificate',
        /^Asset signing certificate: RSA keys must be at least 2048 bits/,
      ],
    ];
    for (const [name, body, field, message] of uploadRefusals) {
      test(`an asset signing certificate upload is refused: ${name}`, async () => {
        const response = await admin.call('PUT', `/apps/${app.clientId}/asset-signing-certificate`, body());
        assert.equal(response.status, 400, response.text);
        const [problem] = problems(response.body);
        assert.equal(problem?.field, field);
        assert.match(problem.message, message);
      });
    }

    test('the private key never appears in any response, audit record or log line', async () => {
      const privateKey = fixtureFile('rsa-valid.key');
      const start = transcript.length;
      const set = await admin.call('PUT', `/apps/${app.clientId}/asset-signing-certificate`, { certificate: fixtureFile('rsa-valid.pem'), privateKey });
      assert.equal(set.status, 200, set.text);
      await admin.call('PUT', `/apps/${app.clientId}/asset-signing-certificate`, { certificate: fixtureFile('ec-valid.pem'), privateKey });
      await admin.get(`/apps/${app.clientId}`);
      await admin.get(`/apps/${app.clientId}/asset-signing-certificate`);
      await admin.get(`/apps/${app.clientId}/export`);
      const audit = await admin.get(`/orgs/default/audit?perPage=100`);
      assert.ok(audit.text.includes('app.asset_signing_key_set'), 'the upload is audited');
      const body = keyBody(privateKey);
      const seen = transcript.slice(start).join('\n') + fixture.server.logs.text;
      for (const chunk of [body.slice(0, 40), body.slice(200, 240), body.slice(-60, -20)]) assert.equal(seen.includes(chunk), false);
      const removal = await admin.delete(`/apps/${app.clientId}/asset-signing-certificate`);
      assert.equal(removal.status, 204);
      assert.ok((await admin.get(`/orgs/default/audit?perPage=100`)).text.includes('app.asset_signing_key_deleted'));
    });

    test('the OpenAPI document describes the settings and the certificate routes', async () => {
      const document = (await (await fixture.fetch(`${fixture.issuer}/api/v1/openapi.json`)).json()) as {
        paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { properties?: Record<string, unknown> } }> } }>>;
      };
      const path = document.paths['/apps/{clientId}/asset-signing-certificate'];
      assert.ok(path?.get && path.put && path.delete);
      const properties = document.paths['/apps/{clientId}']?.patch?.requestBody?.content['application/json']?.schema.properties ?? {};
      assert.ok('assetTokens' in properties);
    });
  });
});
