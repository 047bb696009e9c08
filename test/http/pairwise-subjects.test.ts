import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as client from 'openid-client';
import { operatorActor } from '../../src/domain/access/actor.js';
import { oauthFixture, openIdCodeFlow, type OAuthFixture } from '../support/oauth.js';

const insecure = { execute: [client.allowInsecureRequests] };

interface Problems {
  problems?: { field: string; message: string }[];
}

/** Asserts that a registry call is refused with a problem on `field` whose message matches `pattern`. */
async function refusedOn(call: Promise<unknown>, field: string, pattern: RegExp): Promise<void> {
  await assert.rejects(call, (error: Problems) => {
    assert.ok(
      error.problems?.some((problem) => problem.field === field && pattern.test(problem.message)),
      JSON.stringify(error.problems),
    );
    return true;
  });
}

/** Pairwise subject identifiers (OpenID Connect Core §8.1) per app, and their sector. */
describe('pairwise subject identifiers', () => {
  let fixture: OAuthFixture;
  let documents: Server;
  let documentsUrl: string;
  /** What the sector identifier documents server answers, by path. */
  const published = new Map<string, { status: number; body: string }>();
  const context = { actor: operatorActor };

  before(async () => {
    fixture = await oauthFixture();
    documents = createServer((request, response) => {
      const answer = published.get(request.url ?? '') ?? { status: 404, body: 'not found' };
      response.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
    });
    await new Promise<void>((resolve) => documents.listen(0, '127.0.0.1', resolve));
    documentsUrl = `http://127.0.0.1:${(documents.address() as AddressInfo).port}`;
  });
  after(async () => {
    await fixture.stop();
    await new Promise((resolve) => documents.close(resolve));
  });

  /** A code flow of openid-client; the ID token's claims and the userinfo response, checked against each other. */
  async function signIn(app: { clientId: string; clientSecret: string | null }, redirectUri: string) {
    const configuration = await client.discovery(new URL(fixture.issuer), app.clientId, undefined, client.ClientSecretBasic(app.clientSecret!), insecure);
    const tokens = await openIdCodeFlow(fixture, configuration, { redirectUri, scope: 'openid email' });
    const { payload } = await jwtVerify(tokens.id_token!, createRemoteJWKSet(new URL(`${fixture.issuer}/.well-known/jwks.json`)), {
      issuer: fixture.issuer,
      audience: app.clientId,
    });
    const sub = payload.sub!;
    // openid-client refuses a userinfo response whose sub is not the ID token's (OIDC Core §5.3.2).
    const userinfo = await client.fetchUserInfo(configuration, tokens.access_token, sub);
    assert.equal(userinfo.email, fixture.user.email);
    const introspection = await client.tokenIntrospection(configuration, tokens.access_token);
    return { sub, accessTokenSub: introspection.sub };
  }

  function pairwiseApp(name: string, redirectUris: string[], idToken: Record<string, unknown> = {}) {
    return fixture.createApp({ name, type: 'web', redirectUris, scopes: ['openid', 'email'], idToken: { subjectType: 'pairwise', ...idToken } });
  }

  test('discovery lists public and pairwise', async () => {
    const metadata = (await (await fixture.fetch(`${fixture.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    assert.deepEqual(metadata.subject_types_supported, ['public', 'pairwise']);
  });

  test('apps of one sector see one sub, apps of another a different one; public apps see the user id', async () => {
    const first = await pairwiseApp('Shop', ['https://shop.example.test/callback']);
    const sameHost = await pairwiseApp('Shop admin', ['https://shop.example.test/admin/callback']);
    const otherHost = await pairwiseApp('Forum', ['https://forum.example.test/callback']);
    const publicApp = await fixture.createApp({ name: 'Public', type: 'web', redirectUris: ['https://shop.example.test/public'], scopes: ['openid', 'email'] });

    const seen = await signIn(first, 'https://shop.example.test/callback');
    assert.notEqual(seen.sub, fixture.user.id);
    assert.match(seen.sub, /^[A-Za-z0-9_-]{43}$/, 'a 256-bit keyed hash, base64url');
    assert.equal((await signIn(first, 'https://shop.example.test/callback')).sub, seen.sub, 'stable across sign-ins');
    assert.equal((await signIn(sameHost, 'https://shop.example.test/admin/callback')).sub, seen.sub, 'one sector, one sub');
    assert.notEqual((await signIn(otherHost, 'https://forum.example.test/callback')).sub, seen.sub, 'sectors can not be matched');
    assert.equal((await signIn(publicApp, 'https://shop.example.test/public')).sub, fixture.user.id);
    // Access tokens are for APIs, which need one id for a user whichever app calls them.
    assert.equal(seen.accessTokenSub, fixture.user.id);
  });

  test('redirect URIs on several hosts need a sector identifier URI; an app without users has no pairwise subjects', async () => {
    await refusedOn(
      pairwiseApp('Two hosts', ['https://a.example.test/callback', 'https://b.example.test/callback']),
      'idToken.sectorIdentifierUri',
      /need a sector identifier URI when the redirect URIs are on more than one host \(a\.example\.test, b\.example\.test\)/,
    );
    await refusedOn(
      fixture.createApp({
        name: 'Robot',
        type: 'm2m',
        apiGrants: [{ audience: fixture.api.identifier, scopes: ['read'] }],
        idToken: { subjectType: 'pairwise' },
      }),
      'idToken.subjectType',
      /signs no users in/,
    );
    await refusedOn(
      fixture.createApp({ name: 'Odd', type: 'web', redirectUris: ['https://a.example.test/callback'], idToken: { subjectType: 'secret' } }),
      'idToken.subjectType',
      /must be public or pairwise/,
    );
    // Turning pairwise on later is checked the same way.
    const app = await fixture.createApp({ name: 'Later', type: 'web', redirectUris: ['https://a.example.test/callback', 'https://b.example.test/callback'] });
    await refusedOn(
      fixture.server.server.runtime.registry.apps.update(context, app.clientId, { idToken: { subjectType: 'pairwise' } }),
      'idToken.sectorIdentifierUri',
      /sector identifier URI/,
    );
    assert.equal((await fixture.server.server.runtime.registry.apps.get(context, app.clientId)).settings.idToken.subjectType, 'public', 'nothing saved');
  });

  test('a sector identifier document that lists every redirect URI joins hosts into one sector', async () => {
    const redirects = ['https://a.example.test/callback', 'https://b.example.test/callback'];
    published.set('/sector.json', { status: 200, body: JSON.stringify(redirects) });
    const both = await pairwiseApp('Both hosts', redirects, { sectorIdentifierUri: `${documentsUrl}/sector.json` });
    published.set('/other-path.json', { status: 200, body: JSON.stringify(['https://c.example.test/callback']) });
    const sameSector = await pairwiseApp('Same sector', ['https://c.example.test/callback'], { sectorIdentifierUri: `${documentsUrl}/other-path.json` });
    const viaA = (await signIn(both, redirects[0]!)).sub;
    assert.equal((await signIn(both, redirects[1]!)).sub, viaA, 'the same sub through either host');
    assert.equal((await signIn(sameSector, 'https://c.example.test/callback')).sub, viaA, "the sector is the document's host");
    assert.notEqual((await signIn(await pairwiseApp('Host A alone', [redirects[0]!]), redirects[0]!)).sub, viaA);
  });

  test('a sector identifier document that is missing a redirect URI, absent or malformed is refused, naming why', async () => {
    const redirects = ['https://a.example.test/callback', 'https://b.example.test/callback'];
    published.set('/partial.json', { status: 200, body: JSON.stringify([redirects[0]]) });
    await refusedOn(
      pairwiseApp('Partial', redirects, { sectorIdentifierUri: `${documentsUrl}/partial.json` }),
      'idToken.sectorIdentifierUri',
      /must list every redirect URI \(OpenID Connect Core §8\.1\); it lacks https:\/\/b\.example\.test\/callback/,
    );
    await refusedOn(
      pairwiseApp('Absent', redirects, { sectorIdentifierUri: `${documentsUrl}/missing.json` }),
      'idToken.sectorIdentifierUri',
      /answered HTTP 404/,
    );
    published.set('/object.json', { status: 200, body: JSON.stringify({ redirect_uris: redirects }) });
    await refusedOn(
      pairwiseApp('Object', redirects, { sectorIdentifierUri: `${documentsUrl}/object.json` }),
      'idToken.sectorIdentifierUri',
      /must be a JSON array/,
    );
    await refusedOn(pairwiseApp('Plain http', redirects, { sectorIdentifierUri: 'http://sector.example.test/x.json' }), 'idToken.sectorIdentifierUri', /https/);

    // Adding a redirect URI the document does not list is refused on update too.
    published.set('/grow.json', { status: 200, body: JSON.stringify(redirects) });
    const app = await pairwiseApp('Grows', redirects, { sectorIdentifierUri: `${documentsUrl}/grow.json` });
    await refusedOn(
      fixture.server.server.runtime.registry.apps.update(context, app.clientId, { redirectUris: [...redirects, 'https://d.example.test/callback'] }),
      'idToken.sectorIdentifierUri',
      /it lacks https:\/\/d\.example\.test\/callback/,
    );
  });
});

describe('pairwise subjects through dynamic client registration', () => {
  let fixture: OAuthFixture;

  before(async () => {
    fixture = await oauthFixture({
      env: { LATCHKEY_REGISTRATION_ENABLED: 'true', LATCHKEY_REGISTRATION_OPEN: 'true', LATCHKEY_REGISTRATION_OPEN_ORGANIZATION: 'default' },
    });
  });
  after(() => fixture.stop());

  async function register(metadata: Record<string, unknown>) {
    const response = await fixture.fetch(`${fixture.issuer}/oauth2/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ redirect_uris: ['https://rp.example.test/callback'], token_endpoint_auth_method: 'none', ...metadata }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  test('subject_type pairwise is registered and read back; a bad one is invalid_client_metadata', async () => {
    const registered = await register({ subject_type: 'pairwise' });
    assert.equal(registered.status, 201, JSON.stringify(registered.body));
    assert.equal(registered.body.subject_type, 'pairwise');
    const plain = await register({});
    assert.equal(plain.body.subject_type, 'public');

    const refused = await register({ subject_type: 'secret' });
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error, 'invalid_client_metadata');
    assert.match(String(refused.body.error_description), /subject_type: must be public or pairwise/);
    const twoHosts = await register({ subject_type: 'pairwise', redirect_uris: ['https://a.example.test/cb', 'https://b.example.test/cb'] });
    assert.equal(twoHosts.status, 400);
    assert.match(String(twoHosts.body.error_description), /sector_identifier_uri/);
  });
});
