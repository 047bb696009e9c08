import assert from 'node:assert/strict';
import { test } from 'node:test';
import { federatedAmr, mapClaims } from '../../src/domain/federation/federated-accounts.js';
import { isLoopbackHttp } from '../../src/domain/federation/connection-service.js';

test('amr is fed, plus mfa only when the connection trusts the upstream and the upstream used a second factor', () => {
  const trusted = { trustUpstreamMfa: true };
  const untrusted = { trustUpstreamMfa: false };
  assert.deepEqual(federatedAmr(trusted, { amr: ['pwd', 'mfa'] }), ['fed', 'mfa']);
  assert.deepEqual(federatedAmr(trusted, { amr: ['pwd', 'otp'] }), ['fed', 'mfa'], 'two methods are multi-factor');
  assert.deepEqual(federatedAmr(trusted, { amr: ['pwd'] }), ['fed']);
  assert.deepEqual(federatedAmr(trusted, { amr: ['pwd', 'pwd'] }), ['fed'], 'one method twice is not two');
  assert.deepEqual(federatedAmr(trusted, {}), ['fed']);
  assert.deepEqual(federatedAmr(trusted, { amr: 'mfa' }), ['fed'], 'amr must be an array (OIDC Core §2)');
  assert.deepEqual(federatedAmr(untrusted, { amr: ['pwd', 'mfa'] }), ['fed'], 'an untrusted upstream never lifts the sign-in');
});

test('the claim mapping fills the profile; the email is verified only on email_verified: true', () => {
  const mapped = mapClaims(
    { claimMapping: { email: 'upn', name: 'displayName' } },
    {
      sub: 's',
      upn: 'Ann@Corp.Example',
      email: 'other@corp.example',
      displayName: 'Ann Example',
      given_name: 'Ann',
      picture: 'http://insecure.example/p.png',
      email_verified: 'true',
    },
  );
  assert.equal(mapped.email, 'ann@corp.example');
  assert.equal(mapped.name, 'Ann Example');
  assert.equal(mapped.givenName, 'Ann', 'an unmapped field takes the claim of its own name');
  assert.equal(mapped.picture, null, 'pictures are https only');
  assert.equal(mapped.emailVerified, false, 'the string "true" is not true');
  assert.equal(mapClaims({ claimMapping: {} }, { email: 'a@b.example', email_verified: true }).emailVerified, true);
  assert.equal(mapClaims({ claimMapping: {} }, { email: 'not an address' }).email, null);
});

test('plain http is a loopback-only exception', () => {
  for (const issuer of ['http://127.0.0.1:8080', 'http://localhost/realm', 'http://[::1]:9000']) assert.equal(isLoopbackHttp(issuer), true, issuer);
  for (const issuer of ['http://idp.example.com', 'https://127.0.0.1', 'http://127.0.0.2', 'not a url']) assert.equal(isLoopbackHttp(issuer), false, issuer);
});
