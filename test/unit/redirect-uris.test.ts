import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkRedirectUris, placeholderUris, redirectUrisLength, redirectUrisTotalLimit } from '../../src/domain/apps/redirect-uris.js';

const web = { customScheme: false, allowPlaceholders: false };
const native = { customScheme: true, allowPlaceholders: false };
const draft = { customScheme: false, allowPlaceholders: true };

function messages(uris: string[], policy = web): string[] {
  return checkRedirectUris('redirectUris', uris, policy).map((problem) => `${problem.field}: ${problem.message}`);
}

describe('redirect URI rules', () => {
  test('https URIs are accepted', () => {
    assert.deepEqual(messages(['https://app.example.com/callback', 'https://app.example.com/other?x=1']), []);
  });

  test('plain http is refused unless the host is loopback', () => {
    assert.match(messages(['http://app.example.com/callback'])[0] ?? '', /placeholder \(plain http is allowed only for loopback addresses/);
  });

  test('loopback http is accepted with any port (RFC 8252 §7.3)', () => {
    assert.deepEqual(messages(['http://127.0.0.1/cb', 'http://127.0.0.1:51234/cb', 'http://[::1]:8080/cb', 'http://localhost:3000/cb']), []);
  });

  test('a custom scheme is accepted for native apps only', () => {
    assert.deepEqual(messages(['com.example.app:/oauth2redirect'], native), []);
    assert.match(messages(['com.example.app:/oauth2redirect'], web)[0] ?? '', /the com\.example\.app: scheme is allowed only for native apps/);
  });

  test('a custom scheme must be a reverse domain name (RFC 8252 §7.1)', () => {
    assert.match(messages(['myapp://callback'], native)[0] ?? '', /must be a reverse domain name such as com\.example\.app/);
  });

  test('a fragment is refused, even in a draft (RFC 6749 §3.1.2)', () => {
    assert.match(messages(['https://app.example.com/cb#section'], draft)[0] ?? '', /redirectUris\[0\]: .* must not contain a fragment/);
  });

  test('a wildcard is refused, even in a draft (exact matching, RFC 9700 §4.1)', () => {
    assert.match(messages(['https://*.example.com/cb'], draft)[0] ?? '', /must not contain a wildcard/);
    assert.match(messages(['https://app.example.com/*'], draft)[0] ?? '', /must not contain a wildcard/);
  });

  test('a relative or malformed URI is refused', () => {
    assert.match(messages(['/callback'])[0] ?? '', /must be an absolute URI/);
    assert.match(messages(['not a uri'])[0] ?? '', /must not contain whitespace/);
  });

  test('dangerous schemes are refused', () => {
    assert.match(messages(['javascript:alert(1)'], native)[0] ?? '', /must not use the javascript: scheme/);
    assert.match(messages(['data:text/html,x'], native)[0] ?? '', /must not use the data: scheme/);
  });

  test('user credentials in the URI are refused', () => {
    assert.match(messages(['https://user:pass@app.example.com/cb'])[0] ?? '', /must not contain user credentials/);
  });

  test('a URI listed twice is refused', () => {
    assert.match(messages(['https://a.example.com/cb', 'https://a.example.com/cb'])[0] ?? '', /redirectUris\[1\]: .* is listed twice/);
  });

  test(`the URIs may take ${redirectUrisTotalLimit} characters in all, not one more`, () => {
    const base = 'https://app.example.com/';
    const fits = [base + 'a'.repeat(1000 - base.length), base + 'b'.repeat(1000 - base.length)];
    assert.equal(fits[0]!.length + fits[1]!.length, 2000);
    assert.deepEqual(messages(fits), []);
    const over = [fits[0]!, fits[1]! + 'c'];
    assert.deepEqual(messages(over), ['redirectUris: the URIs take 2001 characters in all; the limit is 2000']);
  });

  test('the total counts the URIs’ characters, not the separators between them', () => {
    const uris = ['https://a.example.com/cb', 'https://b.example.com/cb', 'https://c.example.com/cb'];
    assert.equal(redirectUrisLength(uris), 3 * 24);
    // Ten URIs of 200 characters are 2000 in all: accepted, however the list is joined for display.
    const ten = Array.from({ length: 10 }, (_, index) => `https://app.example.com/${String(index)}${'x'.repeat(175)}`);
    assert.ok(ten.every((uri) => uri.length === 200));
    assert.deepEqual(messages(ten), []);
    assert.match(messages([...ten.slice(0, 9), `${ten[9]!}y`])[0] ?? '', /^redirectUris: the URIs take 2001 characters in all/);
  });

  test('a placeholder is allowed while the app is a draft, and named as one', () => {
    const placeholders = ['https://placeholder.invalid/callback', 'http://acme.com'];
    assert.deepEqual(messages(placeholders, draft), []);
    assert.deepEqual(placeholderUris(placeholders, draft), placeholders);
    assert.equal(messages(placeholders, web).length, 2);
    assert.match(messages(placeholders, web)[0] ?? '', /is a placeholder .*allowed only while the app is a draft/);
  });
});
