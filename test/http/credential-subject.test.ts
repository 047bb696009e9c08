import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
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

function claimsOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
}

/**
 * Per-user client credentials belong to a user, but a token they get acts for the client, not for
 * the user: its `sub` is the client_id, never the owner's user id, so that no API can mistake it
 * for the user's own token (RFC 9700 §4.15).
 */
describe("tokens of per-user client credentials never carry the owner's sub (RFC 9700 §4.15)", () => {
  let fixture: OAuthFixture;

  before(async () => {
    fixture = await oauthFixture();
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

  /** Every string anywhere in the claims: the owner's id must be none of them. */
  function strings(value: unknown): string[] {
    if (typeof value === 'string') return [value];
    if (Array.isArray(value)) return value.flatMap(strings);
    if (value && typeof value === 'object') return Object.values(value).flatMap(strings);
    return [];
  }

  async function assertClientIsTheSubject(credential: Credential, ownerUserId: string) {
    assert.equal(credential.ownerUserId, ownerUserId);
    const basic = { basic: [credential.clientId, credential.clientSecret] as [string, string] };

    const jwt = await postForm(tokenUrl(fixture), { grant_type: 'client_credentials', audience: apiIdentifier }, basic);
    assert.equal(jwt.status, 200, JSON.stringify(jwt.body));
    const claims = claimsOf(String(jwt.body.access_token));
    assert.equal(claims.sub, credential.clientId, "the JWT's sub is the client_id");
    assert.equal(claims.client_id, credential.clientId);
    assert.notEqual(claims.sub, ownerUserId);
    assert.doesNotMatch(String(claims.sub), /^usr_/);
    assert.equal(strings(claims).includes(ownerUserId), false, "the owner's id is in no claim");

    const opaque = await postForm(tokenUrl(fixture), { grant_type: 'client_credentials', resource: opaqueApi }, basic);
    assert.equal(opaque.status, 200, JSON.stringify(opaque.body));
    assert.match(String(opaque.body.access_token), /^lk_at_/);
    const introspected = await postForm(`${fixture.issuer}/oauth2/introspect`, { token: String(opaque.body.access_token) }, basic);
    assert.equal(introspected.body.active, true);
    assert.equal(introspected.body.sub, credential.clientId, "the opaque token's sub is the client_id");
    assert.notEqual(introspected.body.sub, ownerUserId);
    assert.doesNotMatch(String(introspected.body.sub), /^usr_/);
    assert.equal(strings(introspected.body).includes(ownerUserId), false, "the owner's id is in no introspection field");
  }

  test('credentials a developer made for themselves (POST /api/v1/orgs/{org}/credentials)', async () => {
    const developer = await userWithToken(fixture.server, { role: 'developer' });
    const created = await developer.api.post<Credential>('/orgs/default/credentials', { name: 'Own job', apiGrants });
    assert.equal(created.status, 201, created.text);
    await assertClientIsTheSubject(created.body, developer.userId);
  });

  test("credentials an admin made for another member: neither the owner's nor the admin's sub", async () => {
    const admin = await userWithToken(fixture.server, { role: 'admin' });
    const member = await userWithToken(fixture.server, { role: 'developer' });
    const created = await admin.api.post<Credential>('/orgs/default/credentials', { name: 'For a member', userId: member.userId, apiGrants });
    assert.equal(created.status, 201, created.text);
    await assertClientIsTheSubject(created.body, member.userId);
    const basic = { basic: [created.body.clientId, created.body.clientSecret] as [string, string] };
    const jwt = await postForm(tokenUrl(fixture), { grant_type: 'client_credentials', audience: apiIdentifier }, basic);
    assert.equal(strings(claimsOf(String(jwt.body.access_token))).includes(admin.userId), false);
  });
});
