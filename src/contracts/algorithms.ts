/** The algorithms Latchkey signs tokens with; an API picks one for its JWT access tokens. */
export const signingAlgorithms = ['RS256', 'ES256', 'EdDSA'] as const;
export type SigningAlgorithm = (typeof signingAlgorithms)[number];

/** ID tokens are signed with RS256, the algorithm every relying party must support (OIDC Core §3.1.3.7), and so are JWTs of APIs that chose none. */
export const defaultSigningAlgorithm: SigningAlgorithm = 'RS256';

export function isSigningAlgorithm(value: string): value is SigningAlgorithm {
  return (signingAlgorithms as readonly string[]).includes(value);
}

/** The asymmetric JWS algorithms (RFC 7518 §3.1, RFC 8037) Latchkey accepts on client assertions and JWT bearer grants. */
export const assertionAlgorithms = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;

/** The algorithms of DPoP proofs (RFC 9449 §4.2: asymmetric, never none or a MAC); discovery's dpop_signing_alg_values_supported. */
export const dpopAlgorithms = assertionAlgorithms;

/** How a client authenticates at the token endpoint (RFC 7591 §2, RFC 7523 §2.2). */
export const tokenEndpointAuthMethods = ['none', 'client_secret_basic', 'client_secret_post', 'private_key_jwt'] as const;
export type TokenEndpointAuthMethod = (typeof tokenEndpointAuthMethods)[number];

/** The methods of a confidential client: it can keep a secret or a private key (RFC 6749 §2.1). */
export const confidentialAuthMethods: readonly TokenEndpointAuthMethod[] = ['client_secret_basic', 'client_secret_post', 'private_key_jwt'];

export const grantTypeNames = {
  authorizationCode: 'authorization_code',
  refreshToken: 'refresh_token',
  clientCredentials: 'client_credentials',
  deviceCode: 'urn:ietf:params:oauth:grant-type:device_code',
  jwtBearer: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
  tokenExchange: 'urn:ietf:params:oauth:grant-type:token-exchange',
} as const;
export type GrantType = (typeof grantTypeNames)[keyof typeof grantTypeNames];

/** What an API's access tokens are: self-contained JWTs (RFC 9068) or opaque handles to introspect (RFC 7662). */
export const tokenFormats = ['jwt', 'opaque'] as const;
export type TokenFormat = (typeof tokenFormats)[number];
