import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { defaultSettings } from '../../src/domain/apps/app-settings.js';
import { completeSettings } from '../../src/domain/apps/client-policy.js';

/** Settings as an early version of Latchkey stored them: no firstParty, managementApiAccess, idToken group or customClaims. */
const olderWebSettings = {
  logoUri: null,
  homepageUri: null,
  privacyPolicyUri: null,
  termsOfServiceUri: null,
  redirectUris: ['https://old.example.com/cb'],
  postLogoutRedirectUris: [],
  grantTypes: ['authorization_code', 'refresh_token'],
  tokenEndpointAuthMethod: 'client_secret_post',
  scopes: ['openid', 'offline_access'],
  apiGrants: [],
  defaultAudience: null,
  accessToken: { ttlMinutes: 15 },
  refreshToken: { ttlMinutes: 60, rotation: true },
  security: { requirePkce: true, introspectAllTokens: false },
};

describe("the client policy: stored settings completed with the app type's defaults", () => {
  test('a document from an older version reads every later setting as its default', () => {
    const settings = completeSettings('web', olderWebSettings);
    const defaults = defaultSettings('web');
    assert.equal(settings.tokenEndpointAuthMethod, 'client_secret_post');
    assert.deepEqual(settings.redirectUris, ['https://old.example.com/cb']);
    assert.deepEqual(settings.accessToken, { ttlMinutes: 15 });
    assert.deepEqual(settings.refreshToken, { ...defaults.refreshToken, ttlMinutes: 60, rotation: true });
    assert.deepEqual(settings.idToken, defaults.idToken);
    assert.deepEqual(settings.customClaims, {});
    assert.deepEqual(settings.assetTokens, { enabled: false, validityMinutes: 60, audiences: [], signing: 'server', customAttributes: {} });
    assert.deepEqual(settings.security, {
      requirePkce: true,
      introspectAllTokens: false,
      requireSecretForWebServerFlow: true,
      firstParty: false,
      managementApiAccess: false,
      requireVerifiedEmail: false,
      requireMfa: false,
      requirePushedAuthorizationRequests: false,
      requireDpop: false,
      tokenExchangeImpersonation: false,
    });
  });

  const rows: [string, unknown, (settings: ReturnType<typeof completeSettings>) => unknown, unknown][] = [
    ['an empty document is the defaults', {}, (settings) => settings, defaultSettings('spa')],
    ['no document at all is the defaults', null, (settings) => settings, defaultSettings('spa')],
    ['a document that is not an object is the defaults', 'garbage', (settings) => settings, defaultSettings('spa')],
    [
      'a key of the wrong type reads as its default',
      { refreshToken: { rotation: 'yes', ttlMinutes: 5 } },
      (settings) => settings.refreshToken,
      { ...defaultSettings('spa').refreshToken, ttlMinutes: 5 },
    ],
    ['a group of the wrong type reads as its defaults', { security: 7 }, (settings) => settings.security, defaultSettings('spa').security],
    [
      'asset token settings are completed member by member',
      { assetTokens: { enabled: true, audiences: ['urn:example:vault'], signing: 'hsm' } },
      (settings) => settings.assetTokens,
      { ...defaultSettings('spa').assetTokens, enabled: true, audiences: ['urn:example:vault'] },
    ],
    [
      'an explicit null access token lifetime stays null (the APIs decide)',
      { accessToken: { ttlMinutes: null } },
      (settings) => settings.accessToken.ttlMinutes,
      null,
    ],
    ["a public app's missing requireSecretForWebServerFlow is false", {}, (settings) => settings.security.requireSecretForWebServerFlow, false],
    ['unknown keys are dropped', { retired: true }, (settings) => 'retired' in settings, false],
    [
      'stored values win over defaults',
      { grantTypes: ['refresh_token'], security: { firstParty: true } },
      (settings) => [settings.grantTypes, settings.security.firstParty],
      [['refresh_token'], true],
    ],
  ];
  for (const [name, document, read, expected] of rows) {
    test(name, () => assert.deepEqual(read(completeSettings('spa', document)), expected));
  }
});
