import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sectorOf, SubjectIdentifiers } from '../../src/domain/apps/subject-identifiers.js';

const idToken = (subjectType: 'public' | 'pairwise', sectorIdentifierUri: string | null = null) => ({
  ttlMinutes: 60,
  audiences: [],
  includeStandardClaims: true,
  includeCustomClaims: true,
  signingAlg: 'RS256' as const,
  subjectType,
  sectorIdentifierUri,
});

test('the sector is the sector identifier URI host, else the redirect host, else the app itself (OIDC Core §8.1)', () => {
  assert.equal(
    sectorOf({ redirectUris: ['https://A.Example.test/cb'], idToken: idToken('pairwise', 'https://sector.example.test/x.json') }, 'c1'),
    'sector.example.test',
  );
  assert.equal(sectorOf({ redirectUris: ['https://A.Example.test/cb', 'https://a.example.test/other'], idToken: idToken('pairwise') }, 'c1'), 'a.example.test');
  assert.equal(sectorOf({ redirectUris: ['com.example.app:/callback'], idToken: idToken('pairwise') }, 'c1'), 'com.example.app:');
  assert.equal(sectorOf({ redirectUris: [], idToken: idToken('pairwise') }, 'c1'), 'client:c1');
});

test('pairwise subjects depend on the salt, the sector and the user; public ones are the user id', () => {
  const subjects = new SubjectIdentifiers(Buffer.alloc(32, 1).toString('base64url'));
  const app = (redirect: string, type: 'public' | 'pairwise' = 'pairwise') => ({ clientId: 'c', policy: { redirectUris: [redirect], idToken: idToken(type) } });
  const shop = subjects.of(app('https://shop.example.test/cb'), 'user-1');
  assert.equal(subjects.of(app('https://shop.example.test/other'), 'user-1'), shop);
  assert.notEqual(subjects.of(app('https://forum.example.test/cb'), 'user-1'), shop);
  assert.notEqual(subjects.of(app('https://shop.example.test/cb'), 'user-2'), shop);
  assert.notEqual(new SubjectIdentifiers(Buffer.alloc(32, 2).toString('base64url')).of(app('https://shop.example.test/cb'), 'user-1'), shop);
  assert.equal(subjects.of(app('https://shop.example.test/cb', 'public'), 'user-1'), 'user-1');
});
