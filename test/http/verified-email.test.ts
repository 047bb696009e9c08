import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { operatorActor } from '../../src/domain/access/actor.js';
import type { Storage } from '../../src/ports/storage.js';
import { lastLink, mailsOf } from '../support/accounts.js';
import { authorizeUrl, obtainCode } from '../support/flows.js';
import { callbackParams, hiddenField, oauthFixture, password, redirectUri, type OAuthFixture } from '../support/oauth.js';

/** The forms of a notice page: action, CSRF token and button label of each. */
function formsOf(html: string): { action: string; csrf: string; label: string; fields: Record<string, string> }[] {
  return [...html.matchAll(/<form method="post" action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/g)].map(([, action, body]) => ({
    action: action!,
    csrf: hiddenField(body!, 'csrf') ?? '',
    label: /<button[^>]*>([^<]*)<\/button>/.exec(body!)?.[1] ?? '',
    fields: Object.fromEntries(
      [...body!.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)]
        .filter(([, name]) => name !== 'csrf')
        .map(([, name, value]) => [name!, value!]),
    ),
  }));
}

describe("an app's security.requireVerifiedEmail", () => {
  let fixture: OAuthFixture;
  let storage: Storage;
  let relaxed: { clientId: string };
  let strict: { clientId: string };
  let user: { id: string; email: string; password: string };

  before(async () => {
    fixture = await oauthFixture({ inProcess: true });
    storage = fixture.server.server.runtime.storage;
    relaxed = await fixture.createApp({ name: 'Relaxed', type: 'web', redirectUris: [redirectUri] });
    strict = await fixture.createApp({ name: 'Strict', type: 'web', redirectUris: [redirectUri], security: { requireVerifiedEmail: true } });
    const created = await fixture.server.server.runtime.registry.users.create({ actor: operatorActor }, { email: 'unverified@example.test', password });
    await fixture.server.server.runtime.registry.orgs.putMember({ actor: operatorActor }, 'default', { userId: created.id, role: 'viewer' });
    user = { id: created.id, email: created.email, password };
  });
  after(() => fixture?.stop());

  test('an unverified user gets a code from an app that does not ask for a verified address', async () => {
    const { code } = await obtainCode({ ...fixture, user }, relaxed.clientId);
    assert.ok(code);
  });

  test('with prompt=none, the app hears interaction_required and no code is issued', async () => {
    const { browser } = await obtainCode({ ...fixture, user }, relaxed.clientId);
    const response = await browser.get(authorizeUrl(fixture.issuer, strict.clientId, { prompt: 'none' }));
    const callback = callbackParams(response);
    assert.equal(callback.get('error'), 'interaction_required');
    assert.match(callback.get('error_description') ?? '', /verified email address/);
    assert.equal(callback.get('code'), null);
  });

  test('without prompt=none, the user is asked to verify; once verified, the authorization goes on', async () => {
    const { browser } = await obtainCode({ ...fixture, user }, relaxed.clientId);
    let response = await browser.get(authorizeUrl(fixture.issuer, strict.clientId));
    const pageUrl = response.headers.get('location')!;
    let html = await (await browser.get(pageUrl)).text();
    assert.match(html, /Verify your email address/);
    const [carryOn, resend] = formsOf(html);
    assert.equal(carryOn?.label, 'I verified it: continue');

    response = await browser.post(carryOn.action, { csrf: carryOn.csrf });
    assert.equal(response.status, 303, 'still unverified: back to the page');
    html = await (await browser.get(response.headers.get('location')!)).text();
    assert.match(html, /Verify your email address/);

    response = await browser.post(resend!.action, { csrf: resend!.csrf, ...resend!.fields });
    assert.equal(response.status, 200);
    assert.match(await response.text(), /We sent a new link/);
    assert.equal((await mailsOf(storage, user.email, 'verify-email')).length, 1);
    response = await browser.get(await lastLink(storage, user.email, 'verify-email'));
    assert.equal(response.status, 200);
    assert.equal((await storage.users.get(user.id))?.emailVerified, true);

    response = await browser.post(carryOn.action, { csrf: carryOn.csrf });
    const final = await browser.authorize(new URL(response.headers.get('location')!));
    assert.ok(callbackParams(final).get('code'), 'verified: the app gets its code');
  });

  test('the resend button is throttled and refuses a forged form', async () => {
    const created = await fixture.server.server.runtime.registry.users.create({ actor: operatorActor }, { email: 'resender@example.test', password });
    await fixture.server.server.runtime.registry.orgs.putMember({ actor: operatorActor }, 'default', { userId: created.id, role: 'viewer' });
    const { browser } = await obtainCode({ ...fixture, user: { id: created.id, email: created.email, password } }, relaxed.clientId);
    const response = await browser.get(authorizeUrl(fixture.issuer, strict.clientId));
    const [, resend] = formsOf(await (await browser.get(response.headers.get('location')!)).text());
    assert.equal((await browser.post(resend!.action, { csrf: 'forged', ...resend!.fields })).status, 403);
    const statuses = [];
    for (let attempt = 0; attempt < 4; attempt += 1) statuses.push((await browser.post(resend!.action, { csrf: resend!.csrf, ...resend!.fields })).status);
    assert.deepEqual(statuses, [200, 200, 200, 429]);
    assert.equal((await mailsOf(storage, created.email, 'verify-email')).length, 3);
  });
});
