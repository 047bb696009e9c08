import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { appTypes } from '../../src/domain/apps/app-types.js';
import { redirectUriMatches } from '../../src/protocol/authorize/checks.js';

describe('matching a presented redirect URI against a registered one', () => {
  test('every app type matches an identical URI', () => {
    for (const type of appTypes) {
      assert.equal(redirectUriMatches('https://app.example.test/cb', 'https://app.example.test/cb', type), true, type);
      assert.equal(redirectUriMatches('http://127.0.0.1:8080/cb', 'http://127.0.0.1:8080/cb', type), true, type);
    }
  });

  test('no app type matches a URI that differs in anything but a loopback port (RFC 9700 §4.1)', () => {
    for (const type of appTypes) {
      for (const presented of [
        'https://app.example.test/cb/',
        'https://APP.example.test/cb',
        'https://app.example.test/cb?x=1',
        'https://app.example.test:443/cb',
        'https://app.example.test:8443/cb',
        'http://app.example.test/cb',
      ]) {
        assert.equal(redirectUriMatches('https://app.example.test/cb', presented, type), false, `${type}: ${presented}`);
      }
    }
  });

  test("a native app's loopback URI may use any port (RFC 8252 §7.3)", () => {
    for (const host of ['127.0.0.1', '[::1]', 'localhost']) {
      assert.equal(redirectUriMatches(`http://${host}/cb`, `http://${host}:49152/cb`, 'native'), true, host);
      assert.equal(redirectUriMatches(`http://${host}:8080/cb`, `http://${host}:9999/cb`, 'native'), true, host);
      assert.equal(redirectUriMatches(`http://${host}:8080/cb`, `http://${host}/cb`, 'native'), true, host);
    }
  });

  test("a native app's loopback URI varies only in port: not in host, path, query or scheme", () => {
    assert.equal(redirectUriMatches('http://127.0.0.1/cb', 'http://127.0.0.1:49152/other', 'native'), false);
    assert.equal(redirectUriMatches('http://127.0.0.1/cb', 'http://127.0.0.1:49152/cb?x=1', 'native'), false);
    assert.equal(redirectUriMatches('http://127.0.0.1/cb', 'http://localhost:49152/cb', 'native'), false);
    assert.equal(redirectUriMatches('http://127.0.0.1/cb', 'http://[::1]:49152/cb', 'native'), false);
    assert.equal(redirectUriMatches('http://127.0.0.1/cb', 'https://127.0.0.1:49152/cb', 'native'), false);
    assert.equal(redirectUriMatches('http://127.0.0.1/cb', 'http://127.0.0.1.evil.example:49152/cb', 'native'), false);
    assert.equal(redirectUriMatches('https://app.example.test/cb', 'https://app.example.test:8443/cb', 'native'), false, 'not beyond loopback');
  });

  test("a web app's, a single-page app's and a device app's loopback URI matches exactly: no other port (RFC 9700 §2.1)", () => {
    for (const type of ['web', 'spa', 'device', 'm2m'] as const) {
      assert.equal(redirectUriMatches('http://127.0.0.1/cb', 'http://127.0.0.1:9999/cb', type), false, type);
      assert.equal(redirectUriMatches('http://localhost:3000/cb', 'http://localhost:3001/cb', type), false, type);
      assert.equal(redirectUriMatches('http://[::1]:8080/cb', 'http://[::1]/cb', type), false, type);
    }
  });
});
