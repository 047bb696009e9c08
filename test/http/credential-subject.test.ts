import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { operatorActor } from '../../src/domain/access/actor.js';
import { userWithToken } from '../support/api.js';
import { postForm, tokenUrl } from '../support/flows.js';
import { apiIdentifier, oauthFixture, type OAuthFixture } from '../support/oauth.js';

const opaqueApi = 'https://opaque-credentials.example.test';

interface Credential {
  clientId: string;
  clientSecret: string;
  ownerUserId: string;
}

/** Every string anywhere in the claims but the owner claim: the owner's id must be none of them. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === 'object') {
    return Object.entries(value)
      .filter(([name]) => name !== 'latchkey_owner')
      .flatMap(([, inner]) => strings(inner));
  }
  return [];
}

/**
 * Per-user client credentials belong to a user, but a token they get acts for the client, not for
 * the user: its `sub` is the client_id, never the owner's user id, so that no API can mistake it
 * for the user's own token (RFC 9700 §4.15). The owner is named in a claim of its own,
 * `latchkey_owner: { sub }`, in the JWT and in the introspection response.
 */
describe('tokens of per-user client credentials name their owner in latchkey_owner, never in sub (RFC 9700 §4.15)', () => {
  let fixture: OAuthFixture;
  let jwks: ReturnType<typeof createRemoteJWKSet>;

  before(async () => {
    fixture = await oauthFixture();
    jwks = createRemoteJWKSet(new URL(`${fixture.issuer}/.well-known/jwks.json`));
    await fixture.server.server.runtime.registry.apis.create({ actor: operatorActor }, fixture.orgId, {
      identifier: opaqueApi,
      name: 'Opaque API',
      scopes: [{ name: 'read:reports' }],
      tokenFormat: 'opaque',
    });
  });
  after(() => fixture.stop());

  const apiGrants = [
    { audience: apiIdentifier, scopes: ['read:contacts'] },
    { audience: opaqueApi, scopes: ['read:reports'] },
  ];

  /** The JWT access token, verified as an API would (RFC 9068 §4): signature, issuer, audience, typ. */
  async function verifiedJwt(credential: Credential): Promise<JWTPayload> {
    const basic = { basic: [credential.clientId, credential.clientSecret] as [string, string] };
    const jwt = await postForm(tokenUrl(fixture), { grant_type: 'client_credentials', audience: apiIdentifier }, basic);
    assert.equal(jwt.status, 200, JSON.stringify(jwt.body));
    const { payload } = await jwtVerify(String(jwt.body.access_token), jwks, { issuer: fixture.issuer, audience: apiIdentifier, typ: 'at+jwt' });
    return payload;
  }

  async function assertClientIsTheSubject(credential: Credential, ownerUserId: string) {
    assert.equal(credential.ownerUserId, ownerUserId);
    const basic = { basic: [credential.clientId, credential.clientSecret] as [string, string] };

    const claims = await verifiedJwt(credential);
    assert.equal(claims.sub, credential.clientId, "the JWT's sub is the client_id");
    assert.equal(claims.client_id, credential.clientId);
    assert.notEqual(claims.sub, ownerUserId);
    assert.doesNotMatch(String(claims.sub), /^usr_/);
    assert.deepEqual(claims.latchkey_owner, { sub: ownerUserId }, 'the owner, in the claim of its own');
    assert.equal(strings(claims).includes(ownerUserId), false, "the owner's id is in no other claim");

    const opaque = await postForm(tokenUrl(fixture), { grant_type: 'client_credentials', resource: opaqueApi }, basic);
    assert.equal(opaque.status, 200, JSON.stringify(opaque.body));
    assert.match(String(opaque.body.access_token), /^lk_at_/);
    const introspected = await postForm(`${fixture.issuer}/oauth2/introspect`, { token: String(opaque.body.access_token) }, basic);
    assert.equal(introspected.body.active, true);
    assert.equal(introspected.body.sub, credential.clientId, "the opaque token's sub is the client_id");
    assert.notEqual(introspected.body.sub, ownerUserId);
    assert.doesNotMatch(String(introspected.body.sub), /^usr_/);
    assert.deepEqual(introspected.body.latchkey_owner, { sub: ownerUserId });
    assert.equal(strings(introspected.body).includes(ownerUserId), false, "the owner's id is in no other introspection field");

    const jwtToken = await postForm(tokenUrl(fixture), { grant_type: 'client_credentials', audience: apiIdentifier }, basic);
    const jwtIntrospected = await postForm(`${fixture.issuer}/oauth2/introspect`, { token: String(jwtToken.body.access_token) }, basic);
    assert.equal(jwtIntrospected.body.active, true);
    assert.equal(jwtIntrospected.body.sub, credential.clientId);
    assert.deepEqual(jwtIntrospected.body.latchkey_owner, { sub: ownerUserId }, 'the JWT introspected names the owner too');
  }

  test('credentials a developer made for themselves (POST /api/v1/orgs/{org}/credentials)', async () => {
    const developer = await userWithToken(fixture.server, { role: 'developer' });
    const created = await developer.api.post<Credential>('/orgs/default/credentials', { name: 'Own job', apiGrants });
    assert.equal(created.status, 201, created.text);
    await assertClientIsTheSubject(created.body, developer.userId);
  });

  test('credentials an admin made for another member: the member is the owner, the admin is in no claim', async () => {
    const admin = await userWithToken(fixture.server, { role: 'admin' });
    const member = await userWithToken(fixture.server, { role: 'developer' });
    const created = await admin.api.post<Credential>('/orgs/default/credentials', { name: 'For a member', userId: member.userId, apiGrants });
    assert.equal(created.status, 201, created.text);
    await assertClientIsTheSubject(created.body, member.userId);
    const claims = await verifiedJwt(created.body);
    assert.equal(JSON.stringify(claims).includes(admin.userId), false);
  });

  test('a token exchanged from per-user credentials still names their owner (RFC 8693 §2.1, delegation)', async () => {
    const developer = await userWithToken(fixture.server, { role: 'developer' });
    const created = await developer.api.post<Credential>('/orgs/default/credentials', { name: 'Exchanged job', apiGrants });
    assert.equal(created.status, 201, created.text);
    const owned = { basic: [created.body.clientId, created.body.clientSecret] as [string, string] };
    const subject = await postForm(tokenUrl(fixture), { grant_type: 'client_credentials', audience: apiIdentifier }, owned);
    const service = await fixture.createApp({
      name: 'Exchanging service',
      type: 'm2m',
      grantTypes: ['urn:ietf:params:oauth:grant-type:token-exchange', 'client_credentials'],
      apiGrants: [{ audience: apiIdentifier, scopes: ['read:contacts'] }],
    });
    const serviceAuth = { basic: [service.clientId, service.clientSecret!] as [string, string] };
    const exchanged = await postForm(
      tokenUrl(fixture),
      {
        grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
        subject_token: String(subject.body.access_token),
        subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
        audience: apiIdentifier,
      },
      serviceAuth,
    );
    assert.equal(exchanged.status, 200, JSON.stringify(exchanged.body));
    const { payload } = await jwtVerify(String(exchanged.body.access_token), jwks, { issuer: fixture.issuer, audience: apiIdentifier, typ: 'at+jwt' });
    assert.equal(payload.sub, created.body.clientId, 'the credentials stay the subject');
    assert.deepEqual(payload.act, { sub: service.clientId });
    assert.deepEqual(payload.latchkey_owner, { sub: developer.userId }, 'the owner answers for the exchanged token too');
    const introspected = await postForm(`${fixture.issuer}/oauth2/introspect`, { token: String(exchanged.body.access_token) }, serviceAuth);
    assert.deepEqual(introspected.body.latchkey_owner, { sub: developer.userId });
  });

  test('an app acting for itself gets no owner claim', async () => {
    const app = await fixture.createApp({ name: 'Plain m2m', type: 'm2m', apiGrants: [{ audience: apiIdentifier, scopes: ['read:contacts'] }] });
    const claims = await verifiedJwt({ clientId: app.clientId, clientSecret: app.clientSecret!, ownerUserId: '' });
    assert.equal(claims.sub, app.clientId);
    assert.equal('latchkey_owner' in claims, false);
    const basic = { basic: [app.clientId, app.clientSecret!] as [string, string] };
    const token = await postForm(tokenUrl(fixture), { grant_type: 'client_credentials', audience: apiIdentifier }, basic);
    const introspected = await postForm(`${fixture.issuer}/oauth2/introspect`, { token: String(token.body.access_token) }, basic);
    assert.equal(introspected.body.active, true);
    assert.equal('latchkey_owner' in introspected.body, false);
  });
});
