import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { isOAuthError } from '../../src/protocol/errors.js';
import { DpopNonces, nonceWindowSeconds } from '../../src/protocol/dpop/nonce.js';
import { accessTokenThumbprint, verifyDpopProof, type DpopDependencies, type ProofExpectation } from '../../src/protocol/dpop/proof.js';
import { bagFromEntries, emptyBag, type ProtocolRequest } from '../../src/protocol/messages.js';
import { SecretHasher } from '../../src/shared/opaque-secret.js';

const tokenUrl = 'https://id.example.test/oauth2/token';
const start = 1_800_000_000_000;

function dependencies(options: { requireNonce?: boolean } = {}): DpopDependencies & { clock: { now(): number; at: number } } {
  const seen = new Set<string>();
  const clock = {
    at: start,
    now() {
      return this.at;
    },
  };
  return {
    clock,
    dpopProofs: {
      addIfAbsent: (key) => {
        if (seen.has(key)) return Promise.resolve(false);
        seen.add(key);
        return Promise.resolve(true);
      },
    },
    dpopNonces: new DpopNonces(new SecretHasher(new Uint8Array(32).fill(7))),
    dpopPolicy: { requireNonce: options.requireNonce ?? false, maxAgeSeconds: 300, clockSkewSeconds: 60 },
  };
}

interface Signer {
  privateKey: CryptoKey;
  publicJwk: JWK;
  alg: string;
}

async function signer(alg = 'ES256'): Promise<Signer> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { privateKey, publicJwk: await exportJWK(publicKey), alg };
}

async function proofOf(key: Signer, claims: JWTPayload = {}, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT({ jti: randomUUID(), htm: 'POST', htu: tokenUrl, iat: Math.floor(start / 1000), ...claims })
    .setProtectedHeader({ alg: key.alg, typ: 'dpop+jwt', jwk: key.publicJwk, ...header })
    .sign(key.privateKey);
}

function requestWith(dpop: string | undefined): ProtocolRequest {
  return {
    method: 'POST',
    query: emptyBag(),
    body: bagFromEntries([]),
    headers: dpop === undefined ? {} : { dpop },
    contentType: 'application/x-www-form-urlencoded',
    cookies: {},
    ip: '127.0.0.1',
  };
}

const atToken: ProofExpectation = { method: 'POST', url: tokenUrl, nonces: true };

async function refusal(promise: Promise<unknown>): Promise<{ code: string; description: string; headers: Readonly<Record<string, string>> }> {
  try {
    await promise;
  } catch (error) {
    if (isOAuthError(error)) return { code: error.code, description: error.description, headers: error.headers };
    throw error;
  }
  assert.fail('the proof was accepted');
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

describe('DPoP proofs (RFC 9449 §4.3)', () => {
  test('a valid proof gives the RFC 7638 thumbprint of its key', async () => {
    const key = await signer();
    const proof = await verifyDpopProof(requestWith(await proofOf(key)), atToken, dependencies());
    assert.equal(proof?.jkt, await calculateJwkThumbprint(key.publicJwk, 'sha256'));
  });

  test('every asymmetric algorithm of the list is accepted: RS256, PS256, EdDSA', async () => {
    for (const alg of ['RS256', 'PS256', 'EdDSA']) {
      const key = await signer(alg);
      assert.ok(await verifyDpopProof(requestWith(await proofOf(key)), atToken, dependencies()), alg);
    }
  });

  test('a request without a DPoP header has no proof', async () => {
    assert.equal(await verifyDpopProof(requestWith(undefined), atToken, dependencies()), null);
  });

  test('two DPoP headers are refused', async () => {
    const key = await signer();
    const both = `${await proofOf(key)}, ${await proofOf(key)}`;
    const { code, description } = await refusal(verifyDpopProof(requestWith(both), atToken, dependencies()));
    assert.equal(code, 'invalid_dpop_proof');
    assert.match(description, /more than one DPoP header/);
  });

  test('a proof that is not a JWT is refused', async () => {
    assert.equal((await refusal(verifyDpopProof(requestWith('not-a-jwt'), atToken, dependencies()))).code, 'invalid_dpop_proof');
  });

  test('a proof with another typ is refused', async () => {
    const key = await signer();
    const { code, description } = await refusal(verifyDpopProof(requestWith(await proofOf(key, {}, { typ: 'JWT' })), atToken, dependencies()));
    assert.equal(code, 'invalid_dpop_proof');
    assert.match(description, /typ dpop\+jwt/);
  });

  test('alg none is refused', async () => {
    const key = await signer();
    const unsigned = `${base64url({ alg: 'none', typ: 'dpop+jwt', jwk: key.publicJwk })}.${base64url({ jti: 'x', htm: 'POST', htu: tokenUrl, iat: start / 1000 })}.`;
    const { code, description } = await refusal(verifyDpopProof(requestWith(unsigned), atToken, dependencies()));
    assert.equal(code, 'invalid_dpop_proof');
    assert.match(description, /alg "none" is not accepted/);
  });

  test('a symmetric algorithm (HS256) is refused', async () => {
    const secret = new Uint8Array(32).fill(1);
    const proof = await new SignJWT({ jti: 'x', htm: 'POST', htu: tokenUrl, iat: start / 1000 })
      .setProtectedHeader({ alg: 'HS256', typ: 'dpop+jwt', jwk: { kty: 'oct', k: Buffer.from(secret).toString('base64url') } } as never)
      .sign(secret);
    const { code, description } = await refusal(verifyDpopProof(requestWith(proof), atToken, dependencies()));
    assert.equal(code, 'invalid_dpop_proof');
    assert.match(description, /alg "HS256" is not accepted/);
  });

  test('a jwk with its private part is refused', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const privateJwk = await exportJWK(privateKey);
    const key: Signer = { privateKey, publicJwk: privateJwk, alg: 'ES256' };
    const { code, description } = await refusal(verifyDpopProof(requestWith(await proofOf(key)), atToken, dependencies()));
    assert.equal(code, 'invalid_dpop_proof');
    assert.match(description, /without private members \(d\)/);
  });

  test('a proof without a jwk header is refused', async () => {
    const key = await signer();
    const { description } = await refusal(verifyDpopProof(requestWith(await proofOf(key, {}, { jwk: undefined })), atToken, dependencies()));
    assert.match(description, /jwk header/);
  });

  test('a proof signed by another key than its jwk is refused', async () => {
    const key = await signer();
    const other = await signer();
    const forged: Signer = { ...key, privateKey: other.privateKey };
    const { code, description } = await refusal(verifyDpopProof(requestWith(await proofOf(forged)), atToken, dependencies()));
    assert.equal(code, 'invalid_dpop_proof');
    assert.match(description, /signature/);
  });

  test('each required claim must be there: jti, htm, htu, iat', async () => {
    const key = await signer();
    for (const claim of ['jti', 'htm', 'htu', 'iat']) {
      const { code, description } = await refusal(verifyDpopProof(requestWith(await proofOf(key, { [claim]: undefined })), atToken, dependencies()));
      assert.equal(code, 'invalid_dpop_proof', claim);
      assert.match(description, new RegExp(claim), claim);
    }
  });

  test('htm must be the request method', async () => {
    const key = await signer();
    const { description } = await refusal(verifyDpopProof(requestWith(await proofOf(key, { htm: 'GET' })), atToken, dependencies()));
    assert.match(description, /htm GET does not match the request method POST/);
  });

  test('htu must be the request URI; query and fragment are ignored, and so are case and default port of the origin', async () => {
    const key = await signer();
    const deps = dependencies();
    const { description } = await refusal(verifyDpopProof(requestWith(await proofOf(key, { htu: 'https://id.example.test/oauth2/userinfo' })), atToken, deps));
    assert.match(description, /htu does not match/);
    await refusal(verifyDpopProof(requestWith(await proofOf(key, { htu: 'https://other.example.test/oauth2/token' })), atToken, deps));
    for (const htu of [`${tokenUrl}?a=b`, `${tokenUrl}#fragment`, 'HTTPS://ID.example.test:443/oauth2/token']) {
      assert.ok(await verifyDpopProof(requestWith(await proofOf(key, { htu })), atToken, deps), htu);
    }
  });

  test('iat: a proof older than the window or too far in the future is refused; within the skew it is accepted', async () => {
    const key = await signer();
    const deps = dependencies();
    const seconds = start / 1000;
    const old = await refusal(verifyDpopProof(requestWith(await proofOf(key, { iat: seconds - 301 })), atToken, deps));
    assert.match(old.description, /too old/);
    const future = await refusal(verifyDpopProof(requestWith(await proofOf(key, { iat: seconds + 61 })), atToken, deps));
    assert.match(future.description, /in the future/);
    assert.ok(await verifyDpopProof(requestWith(await proofOf(key, { iat: seconds - 299 })), atToken, deps));
    assert.ok(await verifyDpopProof(requestWith(await proofOf(key, { iat: seconds + 59 })), atToken, deps));
  });

  test('at a resource, ath must be there and be the hash of the access token', async () => {
    const key = await signer();
    const deps = dependencies();
    const atUserinfo: ProofExpectation = { method: 'GET', url: 'https://id.example.test/oauth2/userinfo', accessToken: 'the-token', nonces: false };
    const claims = { htm: 'GET', htu: atUserinfo.url };
    const missing = await refusal(verifyDpopProof(requestWith(await proofOf(key, claims)), atUserinfo, deps));
    assert.match(missing.description, /needs ath/);
    const wrong = await refusal(verifyDpopProof(requestWith(await proofOf(key, { ...claims, ath: accessTokenThumbprint('another-token') })), atUserinfo, deps));
    assert.match(wrong.description, /ath does not match/);
    assert.ok(await verifyDpopProof(requestWith(await proofOf(key, { ...claims, ath: accessTokenThumbprint('the-token') })), atUserinfo, deps));
  });

  test('a replayed proof (the same jti and key) is refused', async () => {
    const key = await signer();
    const deps = dependencies();
    const proof = await proofOf(key);
    assert.ok(await verifyDpopProof(requestWith(proof), atToken, deps));
    const { code, description } = await refusal(verifyDpopProof(requestWith(proof), atToken, deps));
    assert.equal(code, 'invalid_dpop_proof');
    assert.match(description, /used already/);
  });

  test('a proof refused for another reason does not use up its jti', async () => {
    const key = await signer();
    const deps = dependencies();
    const jti = randomUUID();
    await refusal(verifyDpopProof(requestWith(await proofOf(key, { jti, htm: 'GET' })), atToken, deps));
    assert.ok(await verifyDpopProof(requestWith(await proofOf(key, { jti })), atToken, deps));
  });
});

describe('server-provided DPoP nonces (RFC 9449 §8)', () => {
  test('without a nonce, or with a wrong one, the answer is use_dpop_nonce with a DPoP-Nonce header', async () => {
    const key = await signer();
    const deps = dependencies({ requireNonce: true });
    const current = deps.dpopNonces.current(start);
    for (const nonce of [undefined, 'made-up']) {
      const { code, headers } = await refusal(verifyDpopProof(requestWith(await proofOf(key, { nonce })), atToken, deps));
      assert.equal(code, 'use_dpop_nonce');
      assert.equal(headers['dpop-nonce'], current);
    }
    assert.ok(await verifyDpopProof(requestWith(await proofOf(key, { nonce: current })), atToken, deps));
  });

  test('a nonce is good in its window and the next, not after', async () => {
    const key = await signer();
    const deps = dependencies({ requireNonce: true });
    const nonce = deps.dpopNonces.current(start);
    deps.clock.at = start + nonceWindowSeconds * 1000;
    assert.ok(await verifyDpopProof(requestWith(await proofOf(key, { nonce, iat: deps.clock.at / 1000 })), atToken, deps));
    deps.clock.at = start + 2 * nonceWindowSeconds * 1000 + 1;
    assert.equal((await refusal(verifyDpopProof(requestWith(await proofOf(key, { nonce, iat: deps.clock.at / 1000 })), atToken, deps))).code, 'use_dpop_nonce');
  });

  test('another server secret makes other nonces', () => {
    const ours = new DpopNonces(new SecretHasher(new Uint8Array(32).fill(7)));
    const theirs = new DpopNonces(new SecretHasher(new Uint8Array(32).fill(8)));
    assert.equal(ours.accepts(theirs.current(start), start), false);
    assert.equal(ours.accepts(ours.current(start), start), true);
  });

  test('nonces are not asked for where the endpoint does not take them, nor when the server does not require them', async () => {
    const key = await signer();
    assert.ok(await verifyDpopProof(requestWith(await proofOf(key)), { ...atToken, nonces: false }, dependencies({ requireNonce: true })));
    assert.ok(await verifyDpopProof(requestWith(await proofOf(key)), atToken, dependencies({ requireNonce: false })));
  });
});
