import { paths } from '../contracts/paths.js';

const endpointNames = [
  'openidConfiguration',
  'oauthAuthorizationServer',
  'jwks',
  'authorization',
  'pushedAuthorization',
  'token',
  'userinfo',
  'introspection',
  'revocation',
  'endSession',
  'interaction',
  'deviceAuthorization',
  'deviceVerification',
  'registration',
] as const;

/** The OAuth and OpenID Connect endpoints of the path table, relative to the issuer; routes and discovery read these. */
export const endpointPaths = Object.fromEntries(endpointNames.map((name) => [name, paths[name]])) as Pick<typeof paths, (typeof endpointNames)[number]>;

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
