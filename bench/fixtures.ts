/** The data both servers are given: one user, three APIs (opaque, ES256 JWT, RS256 JWT), an m2m app and a web app. */
export const benchUser = { email: 'alice@bench.test', name: 'alice', password: 'a long bench password for alice' };

/**
 * The people of the sign-in row: throttling counts an account's attempts before their password is
 * checked, so a crowd of sign-ins is many people signing in, not one person in many tabs at once.
 */
export const signInUsers = Array.from({ length: 32 }, (_, index) => ({
  email: `user-${index}@bench.test`,
  name: `user ${index}`,
  password: `a long bench password for user ${index}`,
}));

export const redirectUri = 'http://127.0.0.1:9/callback';

export interface BenchApi {
  key: 'opaque' | 'es256' | 'rs256';
  identifier: string;
  scope: string;
  format: 'jwt' | 'opaque';
  alg: 'RS256' | 'ES256' | 'EdDSA';
}

export const benchApis: readonly BenchApi[] = [
  { key: 'opaque', identifier: 'https://opaque.api.bench.test', scope: 'read:opaque', format: 'opaque', alg: 'RS256' },
  { key: 'es256', identifier: 'https://es256.api.bench.test', scope: 'read:es256', format: 'jwt', alg: 'ES256' },
  { key: 'rs256', identifier: 'https://rs256.api.bench.test', scope: 'read:rs256', format: 'jwt', alg: 'RS256' },
];

export function benchApi(key: BenchApi['key']): BenchApi {
  const api = benchApis.find((candidate) => candidate.key === key);
  if (!api) throw new Error(`no API ${key}`);
  return api;
}

/** The API the user flows (code + PKCE, refresh) ask access tokens for. */
export const flowApi = benchApi('es256');

/** Latchkey's defaults, in seconds: the peer is given the same. */
export const lifetimes = {
  accessToken: 30 * 60,
  idToken: 2 * 60,
  refreshToken: 30 * 60,
  authorizationCode: 60,
  session: 24 * 3600,
};

/** Client credentials of a target (the peer's are chosen; Latchkey's are generated). */
export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}
