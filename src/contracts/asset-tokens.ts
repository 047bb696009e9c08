/**
 * Asset tokens: device-bound JWTs an app gets through token exchange (RFC 8693) for a signed-in
 * user and one of their devices (docs/asset-tokens.md). What the server, the CLI and the console
 * share about them: the token type URIs, the bounds and the labels the console shows each
 * setting under, which the server's problems name too.
 */

/** RFC 8693 §3: the actor token describing the device, and the asset token itself, are JWTs. */
export const jwtTokenType = 'urn:ietf:params:oauth:token-type:jwt';

/** The scopes the user's access token traded for an asset token must carry. */
export const assetSubjectScopes = ['openid', 'api'] as const;

/** How long an asset token lives, in minutes, unless the app sets its own. */
export const assetTokenValidityMinutes = { min: 1, max: 1440, default: 60 } as const;

/** At most this many asset audiences per app. */
export const assetAudiencesMax = 10;

/** Custom attributes take at most this many bytes of JSON. */
export const assetAttributesMaxBytes = 2048;

/** The asset signing certificate and its private key: PEM, each at most 4 KB. */
export const assetSigningPemMaxBytes = 4096;

/** How far ahead of now a device JWT's exp may lie: it proves possession now, not for a day. */
export const deviceJwtMaxLifetimeSeconds = 300;

/**
 * Claims the server sets on every asset token, or that mean something to whoever checks one
 * (RFC 7519 §4.1, RFC 7800, RFC 8693 §4, OIDC Core §2): a custom attribute may not take them.
 */
export const reservedAssetClaims = [
  'iss',
  'sub',
  'aud',
  'exp',
  'nbf',
  'iat',
  'jti',
  'cnf',
  'act',
  'may_act',
  'scope',
  'client_id',
  'azp',
  'auth_time',
  'nonce',
  'acr',
  'amr',
  'sid',
  'at_hash',
  'c_hash',
  'typ',
  'kid',
  'x5c',
] as const;

/** The console's label of each asset token setting; the server's problems start with it. */
export const assetTokenLabels = {
  enabled: 'Enable asset tokens',
  validityMinutes: 'Asset token validity (minutes)',
  audiences: 'Asset audiences',
  signing: 'Sign asset tokens with',
  customAttributes: 'Custom attributes',
  certificate: 'Asset signing certificate',
  privateKey: 'Private key',
} as const;
