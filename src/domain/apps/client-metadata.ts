import { z } from 'zod';
import type { ApiRecord } from '../../ports/api-repository.js';
import { grantTypeNames, type AppCertificateRecord, type AppRecord, type AppType, type GrantType, type JsonValue } from '../../ports/app-repositories.js';
import type { RegistrationPolicy } from '../../ports/registration-repositories.js';
import type { FieldProblem } from '../errors.js';
import { problemsFromZod } from '../validation.js';
import { topField } from './app-settings.js';
import { appTypeRules } from './app-types.js';

/**
 * Client metadata (RFC 7591 §2, OpenID Connect Dynamic Client Registration 1.0 §2) as Latchkey
 * reads it. Members it does not know are dropped (RFC 7591 §2: "the authorization server MUST
 * ignore any client metadata sent by the client that it does not understand").
 */
const stringList = (max: number) => z.array(z.string({ error: 'must be a list of strings' }).max(2000), { error: 'must be a list of strings' }).max(max);
const text = (max: number) => z.string({ error: 'must be a string' }).max(max, { error: `must be at most ${max} characters` });

export const clientMetadataSchema = z.object({
  client_id: text(200).optional(),
  client_secret: text(200).optional(),
  redirect_uris: stringList(100).optional(),
  post_logout_redirect_uris: stringList(100).optional(),
  token_endpoint_auth_method: text(100).optional(),
  grant_types: stringList(10).optional(),
  response_types: stringList(10).optional(),
  application_type: z.enum(['web', 'native'], { error: 'must be web or native (OpenID Connect Dynamic Client Registration §2)' }).optional(),
  client_name: text(1000).optional(),
  client_uri: text(2000).optional(),
  logo_uri: text(2000).optional(),
  tos_uri: text(2000).optional(),
  policy_uri: text(2000).optional(),
  scope: text(4000).optional(),
  contacts: z.array(text(320), { error: 'must be a list of strings' }).max(20).optional(),
  jwks_uri: text(2000).optional(),
  jwks: z
    .object({ keys: z.array(z.record(z.string(), z.unknown())).min(1, { error: 'must hold at least one key' }).max(20) }, { error: 'must be a JWK Set' })
    .optional(),
  software_id: text(200).optional(),
  software_version: text(200).optional(),
  software_statement: z.string().optional(),
  id_token_signed_response_alg: text(20).optional(),
  // OpenID Connect Dynamic Client Registration §2.
  subject_type: text(20).optional(),
  sector_identifier_uri: text(2000).optional(),
  // OpenID Connect Back-Channel Logout 1.0 §2.2 and Front-Channel Logout 1.0 §2.
  backchannel_logout_uri: text(2000).optional(),
  backchannel_logout_session_required: z.boolean({ error: 'must be true or false' }).optional(),
  frontchannel_logout_uri: text(2000).optional(),
  frontchannel_logout_session_required: z.boolean({ error: 'must be true or false' }).optional(),
  // RFC 9449 §5.2.
  dpop_bound_access_tokens: z.boolean({ error: 'must be true or false' }).optional(),
});

export type ClientMetadata = z.output<typeof clientMetadataSchema>;

/** The metadata name each app setting answers to, for problems reported in RFC 7591 terms. */
const metadataNameOf: Record<string, string> = {
  name: 'client_name',
  type: 'token_endpoint_auth_method',
  redirectUris: 'redirect_uris',
  postLogoutRedirectUris: 'post_logout_redirect_uris',
  grantTypes: 'grant_types',
  tokenEndpointAuthMethod: 'token_endpoint_auth_method',
  scopes: 'scope',
  apiGrants: 'scope',
  defaultAudience: 'scope',
  logoUri: 'logo_uri',
  homepageUri: 'client_uri',
  privacyPolicyUri: 'policy_uri',
  termsOfServiceUri: 'tos_uri',
  idToken: 'id_token_signed_response_alg',
  'idToken.subjectType': 'subject_type',
  'idToken.sectorIdentifierUri': 'sector_identifier_uri',
  certificate: 'jwks',
  backchannelLogoutUri: 'backchannel_logout_uri',
  backchannelLogoutSessionRequired: 'backchannel_logout_session_required',
  frontchannelLogoutUri: 'frontchannel_logout_uri',
  frontchannelLogoutSessionRequired: 'frontchannel_logout_session_required',
  security: 'dpop_bound_access_tokens',
};

/** A problem about an app setting, in the words of client metadata. */
export function asMetadataProblem(problem: FieldProblem): FieldProblem {
  const field = metadataNameOf[problem.field] ?? metadataNameOf[topField(problem.field)] ?? problem.field;
  const message = problem.message.replace(
    /\b(tokenEndpointAuthMethod|grantTypes|redirectUris|postLogoutRedirectUris)\b/g,
    (name) => metadataNameOf[name] ?? name,
  );
  return { field, message };
}

export function isRedirectProblem(problem: FieldProblem): boolean {
  return problem.field === 'redirect_uris' || problem.field === 'post_logout_redirect_uris';
}

/** Parses the body: the problems are about metadata fields; unknown members are gone. */
export function parseClientMetadata(body: unknown): { metadata: ClientMetadata; problems: FieldProblem[] } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { metadata: {}, problems: [{ field: '(body)', message: 'send the client metadata as a JSON object (RFC 7591 §3.1)' }] };
  }
  const parsed = clientMetadataSchema.safeParse(body);
  if (parsed.success) return { metadata: parsed.data, problems: [] };
  const problems = problemsFromZod(parsed.error).map((problem) => ({ ...problem, field: topField(problem.field) }));
  const bad = new Set(problems.map((problem) => problem.field));
  const rest = Object.fromEntries(Object.entries(body).filter(([key]) => !bad.has(key)));
  const second = clientMetadataSchema.safeParse(rest);
  return { metadata: second.success ? second.data : {}, problems };
}

const machineGrants: readonly string[] = appTypeRules.m2m.grantTypes;

/**
 * The Latchkey app type the metadata describes. The token endpoint auth method decides the
 * client kind (none: public); application_type native, a device-only grant or client-credentials
 * only without redirect URIs pick among them.
 */
export function appTypeOf(metadata: ClientMetadata): { type: AppType } | { problem: FieldProblem } {
  // RFC 7591 §2: client_secret_basic when omitted.
  const method = metadata.token_endpoint_auth_method ?? 'client_secret_basic';
  const grants = metadata.grant_types ?? [grantTypeNames.authorizationCode];
  const native = metadata.application_type === 'native';
  if (method === 'none') {
    if (native) return { type: 'native' };
    if (grants.includes(grantTypeNames.deviceCode) && !grants.includes(grantTypeNames.authorizationCode)) return { type: 'device' };
    return { type: 'spa' };
  }
  if (native) {
    return {
      problem: {
        field: 'application_type',
        message: 'a native application is a public client that cannot keep a secret (RFC 8252 §8.4): register it with token_endpoint_auth_method none',
      },
    };
  }
  const noRedirects = (metadata.redirect_uris ?? []).length === 0;
  if (noRedirects && grants.length > 0 && grants.every((grant) => machineGrants.includes(grant))) return { type: 'm2m' };
  return { type: 'web' };
}

/** response_types checked against grant_types (RFC 7591 §2.1): only `code`, and only with authorization_code. */
function checkResponseTypes(metadata: ClientMetadata, grants: readonly string[]): FieldProblem[] {
  const responseTypes = metadata.response_types;
  if (responseTypes === undefined) return [];
  const problems: FieldProblem[] = [];
  const unsupported = responseTypes.filter((type) => type !== 'code');
  if (unsupported.length > 0) {
    problems.push({ field: 'response_types', message: `only code is supported (no implicit or hybrid flows, RFC 9700 §2.1.2); not ${unsupported.join(', ')}` });
  }
  const code = responseTypes.includes('code');
  const authorizationCode = grants.includes(grantTypeNames.authorizationCode);
  if (code && !authorizationCode)
    problems.push({ field: 'response_types', message: 'response type code needs the authorization_code grant type (RFC 7591 §2.1)' });
  if (!code && authorizationCode)
    problems.push({ field: 'response_types', message: 'the authorization_code grant type needs response type code (RFC 7591 §2.1)' });
  return problems;
}

/** The app's links; one the metadata leaves out is cleared. */
function linksOf(metadata: ClientMetadata) {
  return {
    logoUri: metadata.logo_uri ?? null,
    homepageUri: metadata.client_uri ?? null,
    privacyPolicyUri: metadata.policy_uri ?? null,
    termsOfServiceUri: metadata.tos_uri ?? null,
  };
}

/** Logout URLs (false flags when omitted, as both logout specifications say) and DPoP binding (RFC 9449 §5.2). */
function logoutAndDpopOf(metadata: ClientMetadata) {
  return {
    backchannelLogoutUri: metadata.backchannel_logout_uri ?? null,
    backchannelLogoutSessionRequired: metadata.backchannel_logout_session_required ?? false,
    frontchannelLogoutUri: metadata.frontchannel_logout_uri ?? null,
    frontchannelLogoutSessionRequired: metadata.frontchannel_logout_session_required ?? false,
    security: { requireDpop: metadata.dpop_bound_access_tokens ?? false },
  };
}

/** Metadata Latchkey understands but does not take: software statements, key URLs, private_key_jwt without keys. */
function checkUnsupported(metadata: ClientMetadata): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (metadata.software_statement !== undefined) {
    problems.push({ field: 'software_statement', message: 'software statements are not accepted by this server (RFC 7591 §2.3)' });
  }
  if (metadata.jwks_uri !== undefined) {
    problems.push({ field: 'jwks_uri', message: 'jwks_uri is not supported: send the public keys in jwks (RFC 7591 §2)' });
    if (metadata.jwks !== undefined) problems.push({ field: 'jwks', message: 'jwks and jwks_uri must not both be present (RFC 7591 §2)' });
  }
  if (metadata.token_endpoint_auth_method === 'private_key_jwt' && metadata.jwks === undefined) {
    problems.push({ field: 'jwks', message: 'private_key_jwt needs the public keys its assertions are checked with, in jwks' });
  }
  return problems;
}

/** Scopes of a machine-to-machine app become audience + scope pairs: each API of the organization that defines it. */
function apiGrantsOf(scopes: readonly string[], apis: readonly ApiRecord[]): { apiGrants: { audience: string; scopes: string[] }[]; problems: FieldProblem[] } {
  const byAudience = new Map<string, string[]>();
  const problems: FieldProblem[] = [];
  for (const scope of scopes) {
    const owners = apis.filter((api) => api.scopes.some((candidate) => candidate.name === scope));
    if (owners.length === 0) problems.push({ field: 'scope', message: `${scope} is not a scope of an API in this organization` });
    for (const api of owners) byAudience.set(api.identifier, [...(byAudience.get(api.identifier) ?? []), scope]);
  }
  return { apiGrants: [...byAudience].map(([audience, granted]) => ({ audience, scopes: granted })), problems };
}

/**
 * The app settings input (the registry's create and update body) that the metadata stands for,
 * in full: a field the metadata leaves out takes its default, so an update replaces every
 * setting it covers (RFC 7592 §2.2). Problems found on the way are about metadata fields.
 */
export function appInputOf(metadata: ClientMetadata, type: AppType, apis: readonly ApiRecord[]): { input: Record<string, unknown>; problems: FieldProblem[] } {
  const rules = appTypeRules[type];
  const grants = metadata.grant_types ?? [grantTypeNames.authorizationCode];
  const problems = [...checkResponseTypes(metadata, grants), ...checkUnsupported(metadata)];
  const scopes = metadata.scope === undefined ? undefined : metadata.scope.split(' ').filter(Boolean);
  const input: Record<string, unknown> = {
    name: metadata.client_name ?? metadata.software_id ?? 'Dynamically registered client',
    type,
    redirectUris: metadata.redirect_uris ?? [],
    postLogoutRedirectUris: metadata.post_logout_redirect_uris ?? [],
    grantTypes: grants,
    tokenEndpointAuthMethod: metadata.token_endpoint_auth_method ?? rules.defaultAuthMethod,
    ...linksOf(metadata),
    ...logoutAndDpopOf(metadata),
  };
  const idToken = {
    ...(metadata.id_token_signed_response_alg !== undefined ? { signingAlg: metadata.id_token_signed_response_alg } : {}),
    ...(metadata.subject_type !== undefined ? { subjectType: metadata.subject_type } : {}),
    ...(metadata.sector_identifier_uri !== undefined ? { sectorIdentifierUri: metadata.sector_identifier_uri } : {}),
  };
  if (Object.keys(idToken).length > 0) input.idToken = idToken;
  if (type === 'm2m') {
    const granted = apiGrantsOf(scopes ?? [], apis);
    input.scopes = [];
    input.apiGrants = granted.apiGrants;
    problems.push(...granted.problems);
  } else {
    input.scopes = scopes ?? [...rules.defaultScopes];
  }
  return { input, problems };
}

/** Whether a host entry of a policy covers a redirect URI. */
function hostAllowed(uri: string, hosts: readonly string[]): boolean {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return true; // the registry's redirect URI rules report it
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return hosts.includes(url.protocol);
  const host = url.hostname.toLowerCase();
  return hosts.some((entry) => (entry.startsWith('*.') ? host.endsWith(entry.slice(1)) : host === entry));
}

/** `a`, `a or b`, `a, b or c`. */
function listOf(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}

/** What an initial access token (or open registration) allows, checked on the app as it would be. */
export function checkPolicy(
  policy: RegistrationPolicy,
  app: {
    type: AppType;
    grantTypes: readonly GrantType[];
    scopes: readonly string[];
    redirectUris: readonly string[];
    postLogoutRedirectUris: readonly string[];
  },
  source: string,
): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (!policy.appTypes.includes(app.type)) {
    problems.push({
      field: app.type === 'native' ? 'application_type' : 'token_endpoint_auth_method',
      message: `${source} registers only ${listOf(policy.appTypes.map((type) => `${appTypeRules[type].label}s`))}; this metadata describes a ${appTypeRules[app.type].label}`,
    });
  }
  const grants = app.grantTypes.filter((grant) => !policy.grantTypes.includes(grant));
  if (grants.length > 0)
    problems.push({ field: 'grant_types', message: `${source} does not allow ${grants.join(', ')} (it allows ${policy.grantTypes.join(', ')})` });
  if (policy.scopes !== null) {
    const allowed = policy.scopes;
    const scopes = app.scopes.filter((scope) => !allowed.includes(scope));
    if (scopes.length > 0)
      problems.push({ field: 'scope', message: `${source} does not allow the scopes ${scopes.join(' ')} (it allows ${allowed.join(' ') || 'none'})` });
  }
  if (policy.redirectUriHosts !== null) {
    const hosts = policy.redirectUriHosts;
    for (const field of ['redirectUris', 'postLogoutRedirectUris'] as const) {
      for (const uri of app[field]) {
        if (!hostAllowed(uri, hosts)) {
          problems.push({ field: metadataNameOf[field]!, message: `${uri}: ${source} allows redirect URIs only on ${hosts.join(', ')}` });
        }
      }
    }
  }
  return problems;
}

/** The metadata of a registered app as stored (RFC 7591 §3.2.1, RFC 7592 §3). */
export function metadataOf(app: AppRecord, extra: Record<string, JsonValue>, certificates: readonly AppCertificateRecord[]): Record<string, JsonValue> {
  const { settings } = app;
  const scopes = app.type === 'm2m' ? [...new Set(settings.apiGrants.flatMap((grant) => grant.scopes))] : settings.scopes;
  const optional: Record<string, string | null> = {
    client_uri: settings.homepageUri,
    logo_uri: settings.logoUri,
    tos_uri: settings.termsOfServiceUri,
    policy_uri: settings.privacyPolicyUri,
  };
  return {
    client_id: app.clientId,
    client_id_issued_at: Math.floor(app.createdAt / 1000),
    client_name: app.name,
    application_type: app.type === 'native' ? 'native' : 'web',
    redirect_uris: settings.redirectUris,
    post_logout_redirect_uris: settings.postLogoutRedirectUris,
    grant_types: settings.grantTypes,
    response_types: settings.grantTypes.includes(grantTypeNames.authorizationCode) ? ['code'] : [],
    token_endpoint_auth_method: settings.tokenEndpointAuthMethod,
    scope: scopes.join(' '),
    id_token_signed_response_alg: settings.idToken.signingAlg,
    subject_type: settings.idToken.subjectType,
    ...(settings.idToken.sectorIdentifierUri !== null ? { sector_identifier_uri: settings.idToken.sectorIdentifierUri } : {}),
    dpop_bound_access_tokens: settings.security.requireDpop,
    ...(settings.backchannelLogoutUri !== null
      ? { backchannel_logout_uri: settings.backchannelLogoutUri, backchannel_logout_session_required: settings.backchannelLogoutSessionRequired }
      : {}),
    ...(settings.frontchannelLogoutUri !== null
      ? { frontchannel_logout_uri: settings.frontchannelLogoutUri, frontchannel_logout_session_required: settings.frontchannelLogoutSessionRequired }
      : {}),
    ...Object.fromEntries(Object.entries(optional).filter((entry): entry is [string, string] => entry[1] !== null)),
    ...(certificates.length > 0 ? { jwks: { keys: certificates.map((certificate) => certificate.publicJwk as unknown as JsonValue) } } : {}),
    ...extra,
  };
}

/** The metadata Latchkey keeps only with the registration: there is no app setting for it. */
export function registrationExtras(metadata: ClientMetadata): Record<string, JsonValue> {
  return {
    ...(metadata.contacts !== undefined ? { contacts: metadata.contacts } : {}),
    ...(metadata.software_id !== undefined ? { software_id: metadata.software_id } : {}),
    ...(metadata.software_version !== undefined ? { software_version: metadata.software_version } : {}),
  };
}
