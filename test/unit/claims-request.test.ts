import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { acrFor } from '../../src/protocol/acr.js';
import { isOAuthError } from '../../src/protocol/errors.js';
import {
  claimsBeyondScope,
  claimsForApp,
  claimsParameterMaxLength,
  parseClaimsRequest,
  requestedSubject,
  requestedUserClaims,
  requestedValues,
} from '../../src/protocol/tokens/claims-request.js';
import { releasedClaims } from '../../src/protocol/tokens/claims.js';
import type { UserRecord } from '../../src/ports/identity-repositories.js';

function refusal(text: string): string {
  try {
    parseClaimsRequest(text);
  } catch (error) {
    if (!isOAuthError(error)) throw error;
    const body = error.toJSON();
    return `${body.error}: ${body.error_description}`;
  }
  return 'ok';
}

describe('the claims parameter parser (OIDC Core §5.5)', () => {
  test('both members, each claim null or an object of essential, value, values', () => {
    const parsed = parseClaimsRequest(
      JSON.stringify({
        userinfo: { email: { essential: true }, name: null },
        id_token: { auth_time: { essential: true }, acr: { values: ['urn:latchkey:acr:mfa'] }, sub: { value: 'usr_1' } },
      }),
    );
    assert.deepEqual(parsed, {
      id_token: { auth_time: { essential: true }, acr: { values: ['urn:latchkey:acr:mfa'] }, sub: { value: 'usr_1' } },
      userinfo: { email: { essential: true }, name: null },
    });
    assert.equal(requestedSubject(parsed), 'usr_1');
    assert.deepEqual(requestedValues(parsed.id_token.acr), ['urn:latchkey:acr:mfa']);
    assert.deepEqual(requestedUserClaims(parsed), ['email', 'name']);
  });

  test('unknown claims and members are ignored, not refused', () => {
    assert.deepEqual(parseClaimsRequest('{"id_token":{"shoe_size":{"essential":true},"email":null},"elsewhere":{"x":1}}'), { id_token: { email: null } });
    assert.deepEqual(parseClaimsRequest('{}'), {});
  });

  const malformed: [string, string, string][] = [
    ['not JSON', '{"id_token":', 'claims must be a JSON object'],
    ['a string', '"id_token"', 'claims must be a JSON object'],
    ['null', 'null', 'claims must be a JSON object'],
    ['an array', '[{}]', 'claims must be a JSON object'],
    ['id_token an array', '{"id_token":[]}', 'claims.id_token must be a JSON object of claim requests'],
    ['userinfo null', '{"userinfo":null}', 'claims.userinfo must be a JSON object of claim requests'],
    ['a claim a string', '{"userinfo":{"email":"yes"}}', 'claims.userinfo.email must be null or an object with essential, value or values'],
    ['a claim true', '{"id_token":{"email":true}}', 'claims.id_token.email must be null or an object with essential, value or values'],
    ['essential a string', '{"id_token":{"email":{"essential":"true"}}}', 'claims.id_token.email.essential must be true or false'],
    ['values a string', '{"id_token":{"acr":{"values":"urn:latchkey:acr:mfa"}}}', 'claims.id_token.acr.values must be an array'],
    ['a malformed unknown claim', '{"id_token":{"shoe_size":7}}', 'claims.id_token.shoe_size must be null or an object with essential, value or values'],
    [
      'too long',
      JSON.stringify({ userinfo: { email: { value: 'x'.repeat(claimsParameterMaxLength) } } }),
      `claims must be at most ${claimsParameterMaxLength} characters`,
    ],
    [
      'too many claims',
      JSON.stringify({ userinfo: Object.fromEntries(Array.from({ length: 51 }, (_, index) => [`c${index}`, null])) }),
      'claims.userinfo may ask for at most 50 claims',
    ],
  ];
  for (const [name, text, description] of malformed) {
    test(`refused with invalid_request: ${name}`, () => {
      assert.equal(refusal(text), `invalid_request: ${description} (OIDC Core §5.5)`);
    });
  }

  test('an app is given only the claims of scopes it may ask for', () => {
    const parsed = parseClaimsRequest('{"id_token":{"email":null,"name":null,"acr":null},"userinfo":{"phone_number":null}}');
    assert.deepEqual(claimsForApp(parsed, ['openid', 'profile']), { id_token: { name: null, acr: null }, userinfo: {} });
  });

  test('claims beyond the scope asked for need consent of their own; protocol claims never do', () => {
    const parsed = parseClaimsRequest('{"id_token":{"email":null,"name":null,"auth_time":{"essential":true}},"userinfo":{"email_verified":null}}');
    assert.deepEqual(claimsBeyondScope(parsed, ['openid', 'profile']), ['email', 'email_verified']);
    assert.deepEqual(claimsBeyondScope(parsed, ['openid', 'profile', 'email']), []);
    assert.deepEqual(claimsBeyondScope(null, ['openid']), []);
  });
});

describe('what is released', () => {
  const user = {
    id: 'usr_1',
    email: 'a@example.test',
    emailVerified: true,
    name: 'Alice',
    updatedAt: 1_700_000_000_000,
    profile: { givenName: 'Alice', familyName: null, picture: null, locale: null, phoneNumber: '+1 555', address: null },
  } as unknown as UserRecord;

  test('the claims of the scopes, and the claims named besides, nothing else', () => {
    assert.deepEqual(releasedClaims(user, ['openid'], ['email']), { email: 'a@example.test' });
    assert.deepEqual(releasedClaims(user, ['openid', 'phone'], ['given_name']), { given_name: 'Alice', phone_number: '+1 555', phone_number_verified: false });
    assert.deepEqual(releasedClaims(user, ['openid'], []), {});
    // A claim the user left empty is left out even when asked for.
    assert.deepEqual(releasedClaims(user, ['openid'], ['family_name']), {});
  });

  test('the ID token states a class the request asked for when the sign-in meets it (OIDC Core §5.5.1.1)', () => {
    const pwd = 'urn:latchkey:acr:pwd';
    const mfa = 'urn:latchkey:acr:mfa';
    assert.equal(acrFor(['pwd', 'otp', 'mfa'], [pwd]), pwd, 'a two-factor sign-in meets the single-factor class');
    assert.equal(acrFor(['pwd', 'otp', 'mfa'], [mfa, pwd]), mfa);
    assert.equal(acrFor(['pwd'], [mfa]), pwd, 'unmet: the sign-in says what it is');
    assert.equal(acrFor(['pwd', 'otp', 'mfa'], []), mfa);
    assert.equal(acrFor([], [pwd]), undefined);
  });
});
