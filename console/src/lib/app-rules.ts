/**
 * The app rules the console checks before it sends anything. They are the server's own rules
 * (src/contracts), imported as they are, so the console and the server can't disagree.
 */
import { grantTypeNames } from '@contracts/algorithms';
import { appTypeRules, m2mNeedsApiGrants, type AppType } from '@contracts/app-types';
import { checkRedirectUri, redirectUrisLength, redirectUrisTotalLimit } from '@contracts/redirect-uris';
import { openIdScopes, standardScopes } from '@contracts/scopes';

export { appTypeRules, checkRedirectUri, grantTypeNames, m2mNeedsApiGrants, openIdScopes, redirectUrisTotalLimit };

export const standardScopeNames: readonly string[] = standardScopes;

export interface AppTypeChoice {
  type: AppType;
  title: string;
  summary: string;
}

/** The app types, in the order the create form offers them. */
export const appTypeChoices: AppTypeChoice[] = [
  {
    type: 'native',
    title: 'Native/Mobile app',
    summary: 'iOS, Android or desktop apps. A public client: no secret, PKCE, custom-scheme or loopback redirect URIs.',
  },
  { type: 'spa', title: 'Single-page app', summary: 'JavaScript apps in the browser. A public client with PKCE and https redirect URIs.' },
  { type: 'web', title: 'Web app', summary: 'Server-side apps that can keep a client secret. A confidential client.' },
  { type: 'm2m', title: 'Machine-to-machine', summary: 'Services and scripts with no user: client credentials with audience + scope pairs.' },
  { type: 'device', title: 'Device (input-limited)', summary: 'TVs, consoles and command-line tools: the device authorization flow.' },
];

export const typeLabel = (type: AppType): string => appTypeChoices.find((choice) => choice.type === type)?.title ?? type;

export const grantTypeLabels: Record<string, string> = {
  [grantTypeNames.authorizationCode]: 'Authorization code (with PKCE)',
  [grantTypeNames.refreshToken]: 'Refresh token',
  [grantTypeNames.clientCredentials]: 'Client credentials',
  [grantTypeNames.deviceCode]: 'Device flow (RFC 8628)',
  [grantTypeNames.jwtBearer]: 'JWT bearer (RFC 7523)',
  [grantTypeNames.tokenExchange]: 'Token exchange (RFC 8693)',
};

export function usesRedirectUris(type: AppType): boolean {
  return appTypeRules[type].redirectUris !== 'none';
}

export function allowsCustomScheme(type: AppType): boolean {
  const rule = appTypeRules[type].redirectUris;
  return rule !== 'none' && rule.customScheme;
}

export function isPublicType(type: AppType): boolean {
  return appTypeRules[type].clientKind === 'public';
}

export function allowsGrant(type: AppType, grant: string): boolean {
  return (appTypeRules[type].grantTypes as readonly string[]).includes(grant);
}

export interface UriCheck {
  error: string | null;
  placeholder: string | null;
}

/** The server's rules for one redirect URI, in words for the field next to it. */
export function checkUri(uri: string, type: AppType): UriCheck {
  if (uri === '') return { error: null, placeholder: null };
  const check = checkRedirectUri(uri, { customScheme: allowsCustomScheme(type) });
  return { error: check.errors[0] ?? null, placeholder: check.placeholderReason };
}

/** The characters the list takes, counted as the server counts them: the URIs', trimmed as they are sent. */
export function totalLength(uris: readonly string[]): number {
  return redirectUrisLength(uris.map((uri) => uri.trim()));
}

/** PEM armor of any private key: PKCS #8, encrypted PKCS #8, RSA, EC, OpenSSH. */
const privateKeyArmor = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;

/**
 * Why the text can't go in a certificate or public key field: it holds a private key, which must
 * never leave its owner. Checked before anything is sent, so the key never reaches the server.
 */
export function privateKeyProblem(text: string): string | null {
  return privateKeyArmor.test(text)
    ? 'This is a private key. Paste the certificate (BEGIN CERTIFICATE) or public key instead; never share the private key.'
    : null;
}
