import assert from 'node:assert/strict';
import { test } from 'node:test';
import { passwordMaxLength, passwordMinLength, passwordProblem, passwordSchema } from '../../src/domain/identity/password-policy.js';

test('8 to 128 characters, counted as code points: an emoji is one character, not two', () => {
  assert.match(passwordProblem('a'.repeat(passwordMinLength - 1)) ?? '', /at least 8/);
  assert.equal(passwordProblem('a long passphrase'), null);
  assert.equal(passwordProblem('🔑🔑🔑🔑 🗝🗝🗝'), null, 'eight code points');
  assert.match(passwordProblem('🔑🔑🔑🔑🔑🔑🔑') ?? '', /at least 8/, 'seven code points, fourteen UTF-16 units');
  assert.equal(passwordProblem('x'.repeat(passwordMaxLength - 1) + 'y'), null);
  assert.match(passwordProblem('x'.repeat(passwordMaxLength) + 'y') ?? '', /at most 128/);
});

test('no composition rules: any characters, spaces and all lower case are fine', () => {
  for (const password of ['correct horse battery staple', 'пароль-для-входа', '        spaces count too', 'ünïcödé and tabs\t']) {
    assert.equal(passwordProblem(password), null, password);
  }
});

test('common passwords are refused, whatever their case', () => {
  for (const password of ['password', 'Password1', '12345678', 'QWERTYUIOP', 'iloveyou']) {
    assert.match(passwordProblem(password) ?? '', /too common/, password);
  }
});

test("the account's own address is refused", () => {
  assert.match(passwordProblem('ada.lovelace@example.com', 'ada.lovelace@example.com') ?? '', /email/);
  assert.match(passwordProblem('Ada.Lovelace', 'ada.lovelace@example.com') ?? '', /email/);
  assert.equal(passwordProblem('ada.lovelace@example.com'), null, 'without an account to compare with');
});

test('the zod schema reports the same rule', () => {
  const result = passwordSchema.safeParse('password');
  assert.equal(result.success, false);
  assert.match(result.error?.issues[0]?.message ?? '', /too common/);
});
