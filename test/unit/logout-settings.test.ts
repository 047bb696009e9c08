import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { appInputSchema, checkAppRules, defaultSettings, mergeSettings, parseAppInput } from '../../src/domain/apps/app-settings.js';
import { completeSettings } from '../../src/domain/apps/client-policy.js';
import type { AppSettings } from '../../src/ports/app-repositories.js';

const bounds = {
  accessTokenTtlMinutes: { min: 1, max: 300 },
  refreshTokenTtlMinutes: { min: 1, max: 525_600 },
  idTokenTtlMinutes: { min: 1, max: 720 },
};

function problemsOf(settings: Partial<AppSettings>, loopbackIssuer: boolean, type: 'web' | 'm2m' = 'web') {
  const merged = { ...defaultSettings(type), redirectUris: type === 'web' ? ['https://rp.example/cb'] : [], ...settings };
  return checkAppRules(merged, { type, status: 'active', visibility: 'private', apis: [], loopbackIssuer, requireApiGrants: false });
}

describe('logout URI settings', () => {
  test('https is accepted whatever the issuer', () => {
    assert.deepEqual(problemsOf({ backchannelLogoutUri: 'https://rp.example/bcl', frontchannelLogoutUri: 'https://rp.example/fcl' }, false), []);
  });

  test('plain http is refused on a non-loopback issuer, loopback hosts included', () => {
    for (const uri of ['http://rp.example/bcl', 'http://127.0.0.1:8080/bcl', 'http://localhost/bcl']) {
      const problems = problemsOf({ backchannelLogoutUri: uri, frontchannelLogoutUri: uri }, false);
      assert.deepEqual(
        problems.map((problem) => problem.field),
        ['backchannelLogoutUri', 'frontchannelLogoutUri'],
        uri,
      );
      assert.equal(problems[0]!.message, 'must be an https URL');
    }
  });

  test('on a loopback issuer (development) plain http is accepted for loopback hosts only', () => {
    assert.deepEqual(problemsOf({ backchannelLogoutUri: 'http://127.0.0.1:8080/bcl', frontchannelLogoutUri: 'http://localhost:3000/fcl' }, true), []);
    const [problem] = problemsOf({ backchannelLogoutUri: 'http://rp.example/bcl' }, true);
    assert.equal(problem?.field, 'backchannelLogoutUri');
    assert.match(problem.message, /plain http only for a loopback host/);
  });

  test('an app without user sign-in has no logout URIs', () => {
    const [problem] = problemsOf({ backchannelLogoutUri: 'https://rp.example/bcl' }, false, 'm2m');
    assert.equal(problem?.field, 'backchannelLogoutUri');
  });

  test('the input refuses what is not an absolute URL without a fragment, and a non-boolean flag', () => {
    const schema = appInputSchema(bounds);
    const { problems } = parseAppInput(schema, {
      backchannelLogoutUri: '/relative',
      frontchannelLogoutUri: 'https://rp.example/fcl#frag',
      backchannelLogoutSessionRequired: 'yes',
    });
    assert.deepEqual(problems.map((problem) => problem.field).sort(), ['backchannelLogoutSessionRequired', 'backchannelLogoutUri', 'frontchannelLogoutUri']);
  });

  test('null clears a URI, an absent field keeps it, and settings saved before these fields read as none', () => {
    const current = { ...defaultSettings('web'), backchannelLogoutUri: 'https://rp.example/bcl', backchannelLogoutSessionRequired: true };
    assert.equal(mergeSettings(current, {}).backchannelLogoutUri, 'https://rp.example/bcl');
    assert.equal(mergeSettings(current, { backchannelLogoutUri: null }).backchannelLogoutUri, null);
    assert.equal(mergeSettings(current, { backchannelLogoutUri: null }).backchannelLogoutSessionRequired, true);
    const older = completeSettings('web', { redirectUris: ['https://rp.example/cb'] });
    assert.equal(older.backchannelLogoutUri, null);
    assert.equal(older.frontchannelLogoutUri, null);
    assert.equal(older.backchannelLogoutSessionRequired, false);
  });
});
