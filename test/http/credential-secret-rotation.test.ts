import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { userWithToken } from '../support/api.js';
import { postForm, tokenUrl } from '../support/flows.js';
import { apiIdentifier, oauthFixture, type OAuthFixture } from '../support/oauth.js';

interface Credential {
  clientId: string;
  clientSecret: string;
}

interface Rotated {
  clientId: string;
  clientSecret: string;
  previousSecretsExpireAt: string;
}

/**
 * Per-user client credentials rotate their secret as apps do: the owner (or an owner or admin of
 * the organization) chooses how long the previous secret keeps working, at most 7 days; "no
 * grace" ends every previous secret at once.
 */
describe('rotating the secret of per-user client credentials, with a grace period', () => {
  let fixture: OAuthFixture;

  before(async () => {
    fixture = await oauthFixture();
  });
  after(() => fixture.stop());

  const apiGrants = [{ audience: apiIdentifier, scopes: ['read:contacts'] }];

  async function tokenStatus(clientId: string, clientSecret: string): Promise<number> {
    const response = await postForm(tokenUrl(fixture), { grant_type: 'client_credentials', audience: apiIdentifier }, { basic: [clientId, clientSecret] });
    if (response.status !== 200) assert.equal(response.body.error, 'invalid_client', JSON.stringify(response.body));
    return response.status;
  }

  test('the owner rotates with a grace period: both secrets work; then with none: only the newest does', async () => {
    const developer = await userWithToken(fixture.server, { role: 'developer' });
    const created = await developer.api.post<Credential>('/orgs/default/credentials', { name: 'Rotating job', apiGrants });
    assert.equal(created.status, 201, created.text);
    const { clientId, clientSecret: first } = created.body;

    const graceful = await developer.api.post<Rotated>(`/credentials/${clientId}/secret/rotate`, { gracePeriodSeconds: 3600 });
    assert.equal(graceful.status, 200, graceful.text);
    const second = graceful.body.clientSecret;
    assert.match(second, /^lk_cs_/);
    assert.ok(Date.parse(graceful.body.previousSecretsExpireAt) > Date.now() + 3500_000, 'the previous secret works for the hour chosen');
    assert.equal(await tokenStatus(clientId, first), 200, 'the previous secret works during the grace period');
    assert.equal(await tokenStatus(clientId, second), 200);

    const abrupt = await developer.api.post<Rotated>(`/credentials/${clientId}/secret/rotate`, { gracePeriodSeconds: 0 });
    assert.equal(abrupt.status, 200, abrupt.text);
    const third = abrupt.body.clientSecret;
    assert.equal(await tokenStatus(clientId, first), 401, 'no grace: the secret of two rotations ago stops');
    assert.equal(await tokenStatus(clientId, second), 401, 'no grace: the previous secret stops at once');
    assert.equal(await tokenStatus(clientId, third), 200);
  });

  test("an admin rotates a member's credentials; another developer may not, and nothing changes", async () => {
    const admin = await userWithToken(fixture.server, { role: 'admin' });
    const member = await userWithToken(fixture.server, { role: 'developer' });
    const colleague = await userWithToken(fixture.server, { role: 'developer' });
    const created = await admin.api.post<Credential>('/orgs/default/credentials', { name: 'For a member', userId: member.userId, apiGrants });
    assert.equal(created.status, 201, created.text);
    const { clientId, clientSecret: first } = created.body;

    const refused = await colleague.api.post(`/credentials/${clientId}/secret/rotate`, { gracePeriodSeconds: 0 });
    assert.equal(refused.status, 403, refused.text);
    assert.equal(await tokenStatus(clientId, first), 200, 'the refused rotation changed nothing');

    const rotated = await admin.api.post<Rotated>(`/credentials/${clientId}/secret/rotate`, { gracePeriodSeconds: 0 });
    assert.equal(rotated.status, 200, rotated.text);
    assert.equal(await tokenStatus(clientId, first), 401);
    assert.equal(await tokenStatus(clientId, rotated.body.clientSecret), 200);
  });

  test('a grace period longer than 7 days is refused and rotates nothing', async () => {
    const developer = await userWithToken(fixture.server, { role: 'developer' });
    const created = await developer.api.post<Credential>('/orgs/default/credentials', { name: 'Too long', apiGrants });
    const refused = await developer.api.post(`/credentials/${created.body.clientId}/secret/rotate`, { gracePeriodSeconds: 604_801 });
    assert.equal(refused.status, 400, refused.text);
    assert.match(refused.text, /gracePeriodSeconds/);
    assert.equal(await tokenStatus(created.body.clientId, created.body.clientSecret), 200);
  });
});
