import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import * as client from 'openid-client';
import { operatorActor } from '../../src/domain/access/actor.js';
import { oauthFixture, openIdCodeFlow, redirectUri, type OAuthFixture } from '../support/oauth.js';

/** id_token_signed_response_alg per app (OIDC Dynamic Client Registration §2): RS256 unless the app picks ES256 or EdDSA. */
describe('ID token signing algorithm per app', () => {
  let fixture: OAuthFixture;
  const context = { actor: operatorActor };

  before(async () => {
    fixture = await oauthFixture();
  });
  after(() => fixture.stop());

  /** A code flow of openid-client for an app, expecting its ID tokens signed with `alg`; the ID token as sent. */
  async function idTokenOf(app: { clientId: string; clientSecret: string | null }, alg: string): Promise<string> {
    const configuration = await client.discovery(
      new URL(fixture.issuer),
      app.clientId,
      { id_token_signed_response_alg: alg },
      client.ClientSecretBasic(app.clientSecret!),
      { execute: [client.allowInsecureRequests] },
    );
    // openid-client refuses an ID token whose alg is not the one the client registered.
    const tokens = await openIdCodeFlow(fixture, configuration);
    assert.equal(tokens.claims()?.sub, fixture.user.id);
    return tokens.id_token!;
  }

  test('discovery lists every algorithm the server keeps a key for, RS256 first', async () => {
    const metadata = (await (await fetch(`${fixture.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    assert.deepEqual(metadata.id_token_signing_alg_values_supported, ['RS256', 'ES256', 'EdDSA']);
  });

  for (const alg of ['RS256', 'ES256', 'EdDSA'] as const) {
    test(`an app that chose ${alg} gets ID tokens signed with ${alg}, verifiable with the JWKS`, async () => {
      const app = await fixture.createApp({
        name: `Signed ${alg}`,
        type: 'web',
        redirectUris: [redirectUri],
        ...(alg === 'RS256' ? {} : { idToken: { signingAlg: alg } }),
      });
      const idToken = await idTokenOf(app, alg);
      assert.equal(decodeProtectedHeader(idToken).alg, alg);
      const { payload } = await jwtVerify(idToken, createRemoteJWKSet(new URL(`${fixture.issuer}/.well-known/jwks.json`)), {
        algorithms: [alg],
        issuer: fixture.issuer,
        audience: app.clientId,
      });
      assert.equal(payload.sub, fixture.user.id);
    });
  }

  test('an algorithm that is not an asymmetric one the server supports is refused with the field named', async () => {
    const app = await fixture.createApp({ name: 'Picky', type: 'web', redirectUris: [redirectUri] });
    for (const signingAlg of ['HS256', 'none', 'PS256']) {
      await assert.rejects(
        fixture.server.server.runtime.registry.apps.update(context, app.clientId, { idToken: { signingAlg } }),
        (error: { problems?: { field: string; message: string }[] }) => {
          assert.ok(
            error.problems?.some((problem) => problem.field === 'idToken.signingAlg' && /must be one of RS256, ES256, EdDSA/.test(problem.message)),
            JSON.stringify(error.problems),
          );
          return true;
        },
      );
    }
    assert.equal((await fixture.server.server.runtime.registry.apps.get(context, app.clientId)).settings.idToken.signingAlg, 'RS256');
  });
});

describe('ID token signing algorithms on a server that keeps fewer keys', () => {
  let fixture: OAuthFixture;

  before(async () => {
    fixture = await oauthFixture({ env: { LATCHKEY_KEYS_ALGORITHMS: 'RS256,ES256' } });
  });
  after(() => fixture.stop());

  test('an app may only pick an algorithm the server keeps a key for, and discovery says which', async () => {
    const metadata = (await (await fetch(`${fixture.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    assert.deepEqual(metadata.id_token_signing_alg_values_supported, ['RS256', 'ES256']);
    await assert.rejects(
      fixture.createApp({ name: 'Wants EdDSA', type: 'web', redirectUris: [redirectUri], idToken: { signingAlg: 'EdDSA' } }),
      (error: { problems?: { field: string; message: string }[] }) => {
        assert.ok(
          error.problems?.some((problem) => problem.field === 'idToken.signingAlg' && /must be one of RS256, ES256/.test(problem.message)),
          JSON.stringify(error.problems),
        );
        return true;
      },
    );
  });
});
