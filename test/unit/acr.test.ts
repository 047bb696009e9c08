import assert from 'node:assert/strict';
import { test } from 'node:test';
import { acrMultiFactor, acrNeedsSecondFactor, acrOf, acrPassword, combinedAmr } from '../../src/protocol/acr.js';

test('acr follows from amr: mfa among the methods is the multi-factor class; no methods, no class', () => {
  assert.equal(acrOf(['pwd']), acrPassword);
  assert.equal(acrOf(['fed']), acrPassword);
  assert.equal(acrOf(['pwd', 'otp', 'mfa']), acrMultiFactor);
  assert.equal(acrOf(['hwk', 'user', 'mfa']), acrMultiFactor);
  assert.equal(acrOf([]), undefined);
});

test('acr_values need a second factor only when every class Latchkey knows among them is the multi-factor one', () => {
  assert.equal(acrNeedsSecondFactor([]), false);
  assert.equal(acrNeedsSecondFactor([acrMultiFactor]), true);
  assert.equal(acrNeedsSecondFactor(['urn:other:gold', acrMultiFactor]), true, 'unknown values are ignored');
  assert.equal(acrNeedsSecondFactor([acrMultiFactor, acrPassword]), false, 'the single-factor class is acceptable');
  assert.equal(acrNeedsSecondFactor([acrPassword]), false);
  assert.equal(acrNeedsSecondFactor(['urn:other:gold']), false, 'acr_values is voluntary');
});

test('the methods of two factors are joined with mfa, once', () => {
  assert.deepEqual(combinedAmr(['pwd'], ['otp']), ['pwd', 'otp', 'mfa']);
  assert.deepEqual(combinedAmr(['pwd', 'otp', 'mfa'], ['otp']), ['pwd', 'otp', 'mfa']);
  assert.deepEqual(combinedAmr(['fed'], ['hwk']), ['fed', 'hwk', 'mfa']);
  assert.deepEqual(combinedAmr([], ['otp']), ['otp']);
});
