import assert from 'node:assert/strict';
import { test } from 'node:test';
import { passkeyAmr, passkeysPossible, relyingPartyOf } from '../../src/domain/identity/passkeys.js';

test('RFC 8176 amr of a passkey: hwk for one device, swk for a synced one; user with user verification', () => {
  assert.deepEqual(passkeyAmr('singleDevice', false, false), ['hwk']);
  assert.deepEqual(passkeyAmr('multiDevice', false, false), ['swk']);
  assert.deepEqual(passkeyAmr('singleDevice', true, false), ['hwk', 'user']);
  assert.deepEqual(passkeyAmr('multiDevice', true, false), ['swk', 'user']);
});

test('a passwordless sign-in with user verification is multi-factor; one without it is not', () => {
  assert.deepEqual(passkeyAmr('multiDevice', true, true), ['swk', 'user', 'mfa']);
  assert.deepEqual(passkeyAmr('singleDevice', true, true), ['hwk', 'user', 'mfa']);
  assert.deepEqual(passkeyAmr('multiDevice', false, true), ['swk']);
});

test('an issuer at an IP address can have no passkeys: an RP ID is a domain', () => {
  assert.equal(passkeysPossible(relyingPartyOf('https://login.example.com/tenant', 'Acme')), true);
  assert.equal(passkeysPossible(relyingPartyOf('http://localhost:3000', 'Acme')), true);
  assert.equal(passkeysPossible(relyingPartyOf('http://127.0.0.1:3000', 'Acme')), false);
  assert.equal(passkeysPossible(relyingPartyOf('http://[::1]:3000', 'Acme')), false);
  assert.deepEqual(relyingPartyOf('https://login.example.com:8443/tenant', 'Acme'), {
    id: 'login.example.com',
    name: 'Acme',
    origin: 'https://login.example.com:8443',
  });
});
