/** Where each endpoint lives, relative to the issuer. One table, so routes and discovery agree. */
export const endpointPaths = {
  openidConfiguration: '/.well-known/openid-configuration',
  oauthAuthorizationServer: '/.well-known/oauth-authorization-server',
  jwks: '/.well-known/jwks.json',
  authorization: '/oauth2/authorize',
  token: '/oauth2/token',
  userinfo: '/oauth2/userinfo',
  introspection: '/oauth2/introspect',
  revocation: '/oauth2/revoke',
  endSession: '/oauth2/logout',
  interaction: '/interaction',
  deviceAuthorization: '/oauth2/device_authorization',
  deviceVerification: '/device',
} as const;

export type EndpointName = keyof typeof endpointPaths;

/** The issuer without a trailing slash; endpoint URLs are this plus a path. */
export function issuerBase(issuer: string): string {
  return issuer.replace(/\/+$/, '');
}

/** The path part of the issuer (`/tenant` for `https://host/tenant`), '' for a bare host. */
export function issuerPath(issuer: string): string {
  return new URL(issuer).pathname.replace(/\/+$/, '');
}

export function endpointUrl(issuer: string, name: EndpointName): string {
  return issuerBase(issuer) + endpointPaths[name];
}
