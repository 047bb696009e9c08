import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { injectRaw } from '../support/inject.js';
import { oauthFixture, redirectUri, type OAuthFixture } from '../support/oauth.js';

describe('malformed input gets a clear 4xx, never a 5xx', () => {
  let fixture: OAuthFixture;
  let clientId: string;
  /**
   * What fetch would refuse to send (a broken Basic header, bytes in a form) reaches the app as it
   * is through inject; every target here survives URL parsing unchanged (injectRaw checks).
   */
  const raw = async (method: string, path: string, headers: Record<string, string>, body?: string | Buffer) => {
    const response = await injectRaw(fixture.server.server.app, { method, target: path, headers, ...(body === undefined ? {} : { body }) });
    return { status: response.status, body: response.body };
  };

  before(async () => {
    fixture = await oauthFixture({ inProcess: true });
    clientId = (await fixture.createApp({ name: 'Web', type: 'web', redirectUris: [redirectUri] })).clientId;
  });
  after(() => fixture.stop());

  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  const endpoints = ['/oauth2/token', '/oauth2/introspect', '/oauth2/revoke', '/oauth2/device_authorization'];
  const bodies: [string, Record<string, string>, string | Buffer][] = [
    ['an empty body', form, ''],
    ['broken percent-encoding', form, 'grant_type=%E0%A4%A&client_id=%%%'],
    ['a NUL byte', form, 'grant_type=client_credentials%00&client_id=a%00b'],
    ['a huge parameter', form, `grant_type=client_credentials&client_id=${'x'.repeat(100_000)}`],
    ['too large a body', form, `x=${'y'.repeat(200_000)}`],
    ['JSON', { 'content-type': 'application/json' }, '{"grant_type":"client_credentials"'],
    ['text', { 'content-type': 'text/plain' }, 'grant_type=client_credentials'],
    ['no content type', {}, 'grant_type=client_credentials'],
    ['binary', { 'content-type': 'application/octet-stream' }, Buffer.from([0, 255, 1, 254, 2])],
    ['a broken Basic header', { ...form, authorization: 'Basic !!!not-base64' }, 'grant_type=client_credentials'],
    ['Basic without a colon', { ...form, authorization: `Basic ${Buffer.from('nocolon').toString('base64')}` }, 'grant_type=client_credentials'],
    ['Basic with broken encoding', { ...form, authorization: `Basic ${Buffer.from('%E0%A4%A:%%').toString('base64')}` }, 'grant_type=client_credentials'],
    ['a Bearer header', { ...form, authorization: 'Bearer abc' }, 'grant_type=client_credentials&client_id=x'],
    ['an unknown grant with every parameter', form, 'grant_type=x&code=a&refresh_token=b&assertion=c&device_code=d&subject_token=e&scope=%22&resource=%23'],
    [
      'a refresh token of the right shape but wrong checksum',
      form,
      `grant_type=refresh_token&client_id=${'a'.repeat(24)}&refresh_token=lk_rt_${'A'.repeat(65)}aaaaaa`,
    ],
    ['an assertion that is not a JWT', form, 'grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=not.a.jwt'],
    [
      'a client assertion that is not a JWT',
      form,
      'grant_type=client_credentials&client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer&client_assertion=%7B%7D',
    ],
  ];
  for (const endpoint of endpoints) {
    test(`${endpoint}: garbage bodies and headers`, async () => {
      for (const [label, headers, body] of bodies) {
        const response = await raw('POST', endpoint, headers, body);
        assert.ok((response.status >= 400 && response.status < 500) || response.status === 200, `${label}: ${response.status} ${response.body.slice(0, 200)}`);
        if (response.status >= 400) assert.match(response.body, /"error"/, `${label}: an OAuth error body`);
      }
    });
  }

  test('the authorization endpoint with broken parameters shows an error page, never a 5xx', async () => {
    const queries = [
      `client_id=${clientId}&redirect_uri=%E0%A4%A`,
      `client_id=%00&redirect_uri=${encodeURIComponent(redirectUri)}`,
      `client_id=${clientId}&redirect_uri=${encodeURIComponent(redirectUri)}&response_type=code&scope=%22%5C&state=${'s'.repeat(10_000)}`,
      `client_id=${clientId}&redirect_uri=${encodeURIComponent(redirectUri)}&response_type=code&max_age=99999999999999&prompt=%00`,
      `client_id=${'c'.repeat(5000)}`,
      '%%%=%%%',
    ];
    for (const query of queries) {
      const response = await raw('GET', `/oauth2/authorize?${query}`, {});
      assert.ok(response.status < 500, `${query.slice(0, 60)}: ${response.status}`);
    }
  });

  test('userinfo, interaction, device and logout pages with garbage', async () => {
    const probes: [string, string, Record<string, string>, string?][] = [
      ['GET', '/oauth2/userinfo', { authorization: 'Bearer ' + 'x'.repeat(10_000) }],
      ['GET', '/oauth2/userinfo', { authorization: 'Bearer a.b.c' }],
      ['GET', '/oauth2/userinfo', { authorization: 'Basic abc' }],
      ['POST', '/oauth2/userinfo', { 'content-type': 'text/plain' }, 'garbage'],
      ['GET', '/interaction/not-a-uid', {}],
      ['GET', `/interaction/${'A'.repeat(22)}`, { cookie: 'lk_int_x=%%%' }],
      ['POST', `/interaction/${'A'.repeat(22)}/login`, form, 'csrf=x&email=a&password=b'],
      ['POST', '/interaction/x/consent', { 'content-type': 'application/json' }, '{'],
      ['GET', '/device?user_code=%00%00', {}],
      ['POST', '/device', form, 'user_code=%%%'],
      ['POST', '/device/consent', form, 'decision=allow'],
      ['GET', '/oauth2/logout?id_token_hint=a.b.c', {}],
      ['GET', '/oauth2/logout?id_token_hint=eyJhbGciOiJub25lIn0.e30.&post_logout_redirect_uri=x', {}],
      ['POST', '/oauth2/logout/confirm', form, 'csrf=x'],
      ['GET', '/console/api/v1/orgs', { cookie: 'lk_console=' + 'x'.repeat(4000) }],
      ['POST', '/api/v1/orgs/default/apps', { authorization: 'Bearer lk_pat_x', 'content-type': 'application/json' }, '{"name":'],
      ['GET', '/api/v1/orgs/%00/apps', { authorization: 'Bearer x' }],
      ['GET', '/.well-known/jwks.json', { 'if-none-match': '"' + 'x'.repeat(5000) }],
    ];
    for (const [method, path, headers, body] of probes) {
      const response = await raw(method, path, headers, body);
      assert.ok(response.status < 500, `${method} ${path}: ${response.status} ${response.body.slice(0, 200)}`);
    }
  });
});
