import { performance } from 'node:perf_hooks';
import { generateKeyPair, SignJWT } from 'jose';

export type JoseAlg = 'RS256' | 'ES256' | 'EdDSA';

/**
 * JWT signatures per second with jose on one thread: the payload of a typical access token, signed
 * one after another for `seconds`. The ceiling for a server that signs one token per request.
 */
export async function joseSignsPerSecond(alg: JoseAlg, seconds: number): Promise<number> {
  const { privateKey } = await generateKeyPair(alg, alg === 'EdDSA' ? { crv: 'Ed25519' } : {});
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    iss: 'http://127.0.0.1:3000',
    sub: 'app_0123456789abcdef',
    aud: 'https://api.bench.test',
    exp: now + 1800,
    iat: now,
    jti: 'abcdefghijklmnopqrstuv',
    client_id: 'app_0123456789abcdef',
    scope: 'read:items',
  };
  const sign = () => new SignJWT(claims).setProtectedHeader({ alg, kid: 'k1', typ: 'at+jwt' }).sign(privateKey);
  for (let i = 0; i < 50; i += 1) await sign();
  let count = 0;
  const started = performance.now();
  const until = started + seconds * 1000;
  while (performance.now() < until) {
    await sign();
    count += 1;
  }
  return count / ((performance.now() - started) / 1000);
}
