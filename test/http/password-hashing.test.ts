import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { hash } from '@node-rs/argon2';
import { authorizeUrl } from '../support/flows.js';
import { FormBrowser, oauthFixture, redirectUri, type OAuthFixture } from '../support/oauth.js';

describe('stored passwords: argon2id with its parameters, older parameters still accepted', () => {
  let fixture: OAuthFixture;
  let app: { clientId: string };

  before(async () => {
    fixture = await oauthFixture();
    app = await fixture.createApp({ name: 'Sign-in', type: 'web', redirectUris: [redirectUri], scopes: ['openid'], security: { firstParty: true } });
  });
  after(() => fixture.stop());

  test('a user created through the registry is stored as $argon2id$v=19$m=19456,t=2,p=1$...', async () => {
    const stored = await fixture.server.server.runtime.storage.users.get(fixture.user.id);
    assert.ok(stored?.passwordHash?.startsWith('$argon2id$v=19$m=19456,t=2,p=1$'), stored?.passwordHash ?? 'no hash');
  });

  test('a user whose hash was made with other parameters signs in with the right password only', async () => {
    const storage = fixture.server.server.runtime.storage;
    const user = await fixture.createMember('legacy-params@example.test');
    const record = (await storage.users.get(user.id))!;
    await storage.users.update({ ...record, passwordHash: await hash(user.password, { algorithm: 2, memoryCost: 8_192, timeCost: 3, parallelism: 2 }) });

    const refused = await new FormBrowser(fixture.issuer).authorize(authorizeUrl(fixture.issuer, app.clientId), {
      email: user.email,
      password: 'not the password',
    });
    assert.equal(refused.status, 401);
    const signedIn = await new FormBrowser(fixture.issuer).authorize(authorizeUrl(fixture.issuer, app.clientId), user);
    assert.match(new URL(signedIn.headers.get('location') ?? 'about:blank').searchParams.get('code') ?? '', /^lk_ac_/);
  });
});
