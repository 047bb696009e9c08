import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { clientCredentialsCurl, endpointsFor, quickstartFor, type QuickstartApp } from '../../src/contracts/quickstart.js';

const issuer = 'https://login.example.com/tenant-a';
const base: QuickstartApp = {
  type: 'web',
  clientId: 'lk_app_web',
  redirectUris: ['https://app.example.com/callback', 'https://app.example.com/other'],
  scopes: ['openid', 'profile'],
  apiGrants: [],
  grantTypes: ['authorization_code', 'refresh_token'],
  tokenEndpointAuthMethod: 'client_secret_basic',
};
const app = (changes: Partial<QuickstartApp>): QuickstartApp => ({ ...base, ...changes });
const snippet = (quickstart: ReturnType<typeof quickstartFor>, id: string) => {
  const found = quickstart.snippets.find((candidate) => candidate.id === id);
  assert.ok(found, `a ${id} snippet`);
  return found.code;
};

describe('the quickstart of an app', () => {
  test('endpoints sit under the issuer, path included, and follow the app type', () => {
    const web = endpointsFor(issuer, base);
    assert.deepEqual(
      web.map((endpoint) => endpoint.id),
      ['issuer', 'discovery', 'authorization', 'pushedAuthorization', 'token', 'userinfo', 'jwks', 'endSession', 'revocation', 'introspection'],
    );
    assert.equal(web.find((endpoint) => endpoint.id === 'discovery')?.url, `${issuer}/.well-known/openid-configuration`);
    assert.equal(web.find((endpoint) => endpoint.id === 'token')?.url, `${issuer}/oauth2/token`);
    const machine = endpointsFor(issuer, app({ type: 'm2m', grantTypes: ['client_credentials'] })).map((endpoint) => endpoint.id);
    assert.deepEqual(machine, ['issuer', 'discovery', 'token', 'introspection', 'revocation', 'jwks']);
    const device = endpointsFor(issuer, app({ type: 'device', grantTypes: ['urn:ietf:params:oauth:grant-type:device_code'] })).map((endpoint) => endpoint.id);
    assert.ok(device.includes('deviceAuthorization') && !device.includes('authorization'));
    const native = endpointsFor(issuer, app({ type: 'native', grantTypes: ['authorization_code', 'urn:ietf:params:oauth:grant-type:device_code'] }));
    assert.ok(
      native.some((endpoint) => endpoint.id === 'deviceAuthorization'),
      'a native app with the device grant sees the device endpoint',
    );
  });

  test('no snippet holds a secret: they read $CLIENT_SECRET, and say where it comes from', () => {
    for (const type of ['web', 'm2m'] as const) {
      const quickstart = quickstartFor(issuer, app({ type, apiGrants: [{ audience: 'https://api.example.com', scopes: ['read:items'] }] }));
      assert.match(quickstart.secretNote ?? '', /CLIENT_SECRET.*shown once/);
      for (const item of quickstart.snippets) {
        assert.match(item.code, /CLIENT_SECRET/, `${type} ${item.id} reads the secret from the environment`);
        assert.doesNotMatch(item.code, /lk_cs_/);
      }
    }
  });

  test('authorization code snippets use PKCE S256, the first redirect URI and the client ID', () => {
    for (const type of ['web', 'spa', 'native'] as const) {
      const quickstart = quickstartFor(issuer, app({ type, tokenEndpointAuthMethod: type === 'web' ? 'client_secret_basic' : 'none' }));
      for (const item of quickstart.snippets) {
        assert.match(item.code, /S256/, `${type} ${item.id}: PKCE S256`);
        assert.ok(item.code.includes('lk_app_web'), `${type} ${item.id}: the client ID`);
        assert.ok(item.code.includes('https://app.example.com/callback'), `${type} ${item.id}: the first redirect URI`);
        assert.ok(!item.code.includes('https://app.example.com/other'), `${type} ${item.id}: only the first`);
      }
      assert.equal(
        quickstart.snippets.some((item) => item.id === 'oauth4webapi'),
        type !== 'web',
        'oauth4webapi for the browser and native apps only',
      );
      if (type !== 'web') {
        assert.equal(quickstart.secretNote, null);
        assert.ok(!quickstart.snippets.some((item) => item.code.includes('CLIENT_SECRET')), 'a public client sends no secret');
      }
    }
  });

  test('a device app runs the device flow', () => {
    const quickstart = quickstartFor(
      issuer,
      app({ type: 'device', tokenEndpointAuthMethod: 'none', grantTypes: ['urn:ietf:params:oauth:grant-type:device_code'] }),
    );
    assert.match(snippet(quickstart, 'curl'), /\/oauth2\/device_authorization/);
    assert.match(snippet(quickstart, 'curl'), /grant_type=urn:ietf:params:oauth:grant-type:device_code/);
    assert.match(snippet(quickstart, 'openid-client'), /initiateDeviceAuthorization[\s\S]*pollDeviceAuthorizationGrant/);
    assert.match(snippet(quickstart, 'authlib'), /device_code=device\["device_code"\]/);
  });

  test('an M2M app asks for its first audience and its scopes', () => {
    const quickstart = quickstartFor(
      issuer,
      app({
        type: 'm2m',
        apiGrants: [
          { audience: 'https://api.example.com', scopes: ['read:items', 'write:items'] },
          { audience: 'https://other.example.com', scopes: ['x'] },
        ],
      }),
    );
    const curl = snippet(quickstart, 'curl');
    assert.match(curl, /grant_type=client_credentials/);
    assert.match(curl, /audience='https:\/\/api.example.com'/);
    assert.match(curl, /scope='read:items write:items'/);
    assert.match(curl, /https:\/\/other.example.com/, 'the other audiences are named');
    assert.match(
      snippet(quickstart, 'openid-client'),
      /clientCredentialsGrant\(config, \{ audience: "https:\/\/api.example.com", scope: "read:items write:items" \}\)/,
    );
    assert.match(snippet(quickstart, 'authlib'), /audience="https:\/\/api.example.com"/);
  });

  test('the auth method decides how the secret travels', () => {
    const post = quickstartFor(issuer, app({ type: 'm2m', tokenEndpointAuthMethod: 'client_secret_post' }));
    assert.match(snippet(post, 'curl'), /client_secret=\$CLIENT_SECRET/);
    assert.match(snippet(post, 'openid-client'), /ClientSecretPost\(\)/);
    const jwt = quickstartFor(issuer, app({ tokenEndpointAuthMethod: 'private_key_jwt' }));
    assert.match(snippet(jwt, 'curl'), /client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer/);
    assert.match(snippet(jwt, 'openid-client'), /PrivateKeyJwt\(privateKey\)/);
    assert.match(jwt.secretNote ?? '', /private key/);
  });

  test('values are quoted for the shell, JavaScript and Python', () => {
    const quickstart = quickstartFor(issuer, app({ redirectUris: ["https://app.example.com/cb?who=o'neil"] }));
    assert.ok(snippet(quickstart, 'curl').includes(`redirect_uri='https://app.example.com/cb?who=o'\\''neil'`));
    assert.ok(snippet(quickstart, 'openid-client').includes(`const redirect_uri = "https://app.example.com/cb?who=o'neil";`));
    assert.ok(snippet(quickstart, 'authlib').includes(`redirect_uri="https://app.example.com/cb?who=o'neil"`));
  });

  test('an http issuer (development) is allowed explicitly, an https one is not', () => {
    const local = quickstartFor('http://localhost:3000', base);
    assert.match(snippet(local, 'openid-client'), /allowInsecureRequests/);
    assert.match(snippet(local, 'authlib'), /AUTHLIB_INSECURE_TRANSPORT/);
    const production = quickstartFor(issuer, base);
    assert.doesNotMatch(snippet(production, 'openid-client'), /allowInsecureRequests/);
    assert.doesNotMatch(snippet(production, 'authlib'), /INSECURE/);
  });

  test('per-user client credentials get a client credentials curl', () => {
    const curl = clientCredentialsCurl(
      issuer,
      { clientId: 'lk_cred', tokenEndpointAuthMethod: 'client_secret_basic' },
      { audience: 'https://api.example.com', scopes: ['read:items'] },
    );
    assert.ok(curl.includes(`-u 'lk_cred:'"$CLIENT_SECRET"`));
    assert.match(curl, /grant_type=client_credentials/);
  });
});
