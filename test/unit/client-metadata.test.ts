import assert from 'node:assert/strict';
import { test } from 'node:test';
import { appTypeOf, checkPolicy, parseClientMetadata } from '../../src/domain/apps/client-metadata.js';
import { defaultRegistrationPolicy, openRegistrationPolicy } from '../../src/domain/apps/initial-access-tokens.js';

const typeOf = (metadata: Record<string, unknown>) => {
  const typed = appTypeOf(parseClientMetadata(metadata).metadata);
  return 'type' in typed ? typed.type : typed.problem.field;
};

test('client metadata maps onto the app type its auth method, application type and grants describe', () => {
  assert.equal(typeOf({}), 'web', 'client_secret_basic when omitted (RFC 7591 §2)');
  assert.equal(typeOf({ token_endpoint_auth_method: 'none' }), 'spa');
  assert.equal(typeOf({ token_endpoint_auth_method: 'none', application_type: 'native' }), 'native');
  assert.equal(typeOf({ token_endpoint_auth_method: 'none', grant_types: ['urn:ietf:params:oauth:grant-type:device_code'] }), 'device');
  assert.equal(typeOf({ token_endpoint_auth_method: 'private_key_jwt', grant_types: ['client_credentials'] }), 'm2m');
  assert.equal(typeOf({ grant_types: ['client_credentials'], redirect_uris: ['https://a.example/cb'] }), 'web', 'redirect URIs make it a web app');
  assert.equal(typeOf({ grant_types: ['authorization_code', 'client_credentials'] }), 'web');
  assert.equal(typeOf({ application_type: 'native', token_endpoint_auth_method: 'client_secret_basic' }), 'application_type', 'native apps are public');
});

test('unknown metadata is dropped; malformed known metadata is a problem of its own field', () => {
  const { metadata, problems } = parseClientMetadata({ client_name: 'A', colour: 'green', redirect_uris: 'https://a.example/cb', contacts: [1] });
  assert.deepEqual(metadata, { client_name: 'A' });
  assert.deepEqual(
    problems.map((problem) => problem.field),
    ['redirect_uris', 'contacts'],
  );
});

test('a policy names what it refuses: app type, grants, scopes, redirect hosts with subdomain wildcards and private-use schemes', () => {
  const policy = {
    appTypes: ['native' as const],
    grantTypes: ['authorization_code' as const],
    scopes: ['openid'],
    redirectUriHosts: ['*.example.com', 'com.example.app:'],
  };
  const app = (overrides: Partial<Parameters<typeof checkPolicy>[1]> = {}) => ({
    type: 'native' as const,
    grantTypes: ['authorization_code' as const],
    scopes: ['openid'],
    redirectUris: ['https://app.example.com/cb', 'com.example.app:/cb'],
    postLogoutRedirectUris: [],
    ...overrides,
  });
  assert.deepEqual(checkPolicy(policy, app(), 'the token'), []);
  const fields = (overrides: Partial<Parameters<typeof checkPolicy>[1]>) => checkPolicy(policy, app(overrides), 'the token').map((problem) => problem.field);
  assert.deepEqual(fields({ type: 'spa' }), ['token_endpoint_auth_method']);
  assert.deepEqual(fields({ grantTypes: ['authorization_code', 'refresh_token'] }), ['grant_types']);
  assert.deepEqual(fields({ scopes: ['openid', 'email'] }), ['scope']);
  for (const uri of ['https://example.com/cb', 'https://evilexample.com/cb', 'https://example.com.evil.test/cb', 'org.other.app:/cb']) {
    assert.deepEqual(fields({ redirectUris: [uri] }), ['redirect_uris'], uri);
  }
  assert.deepEqual(fields({ postLogoutRedirectUris: ['https://elsewhere.test/bye'] }), ['post_logout_redirect_uris']);
});

test('open registration and tokens without a policy never allow client credentials', () => {
  for (const policy of [openRegistrationPolicy, defaultRegistrationPolicy]) {
    assert.equal(policy.grantTypes.includes('client_credentials'), false);
    assert.equal(policy.appTypes.includes('m2m'), false);
  }
  assert.deepEqual(openRegistrationPolicy.appTypes, ['native', 'spa'], 'open registration: public clients only');
});
