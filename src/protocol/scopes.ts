import { isStandardScope } from '../domain/validation.js';
import type { ApiRecord } from '../ports/api-repository.js';
import type { OAuthClient, ResourceDirectory } from '../ports/directories.js';
import { OAuthError } from './errors.js';

export interface ScopeResolution {
  scope: string[];
  apis: ApiRecord[];
}

/** `resource` (RFC 8707, may repeat) and `audience` (the name Auth0-style clients use) both name target APIs. */
export function targetsOf(resources: readonly string[], audience: string | undefined): string[] {
  const targets = [...resources, ...(audience ? [audience] : [])];
  for (const target of targets) {
    let valid = !target.includes('#');
    try {
      new URL(target);
    } catch {
      valid = false;
    }
    if (!valid) throw new OAuthError('invalid_target', `${target} is not an absolute URI without a fragment (RFC 8707 §2)`);
  }
  return [...new Set(targets)];
}

/** Latchkey's own management API: no organization's to give. */
export function isReservedApi(api: ApiRecord): boolean {
  return api.orgId === '*';
}

/**
 * Whether the app may get tokens for the management API: only apps a server administrator allowed
 * (the built-in console among them), and never per-user client credentials. Checked on every
 * token, whatever the stored settings say, so that an app's own settings can't lift it.
 */
export function mayUseReservedApi(client: OAuthClient): boolean {
  return client.policy.security.managementApiAccess === true && client.app.ownerUserId === null;
}

/** The API a token may be for: one the app's organization registered, or the management API for the apps allowed it. */
export async function targetApi(client: OAuthClient, target: string, resources: ResourceDirectory): Promise<ApiRecord> {
  const api = await resources.getApi(target);
  if (api && isReservedApi(api)) {
    if (mayUseReservedApi(client)) return api;
    throw new OAuthError(
      'invalid_target',
      `${target} is the Latchkey management API: only apps a server administrator allowed may get tokens for it (RFC 8707 §2)`,
    );
  }
  if (!api || api.orgId !== client.app.orgId) {
    throw new OAuthError('invalid_target', `${target} is not an API this app's organization registered (RFC 8707 §2)`);
  }
  return api;
}

async function resolveApis(client: OAuthClient, targets: readonly string[], resources: ResourceDirectory): Promise<ApiRecord[]> {
  const apis: ApiRecord[] = [];
  for (const target of targets) apis.push(await targetApi(client, target, resources));
  return apis;
}

/**
 * What a user flow (authorization code) asks for: the target APIs (named, or the app's default
 * audience) and the scopes, each of which the app must be allowed and which, if it is an API's
 * scope, must belong to a target API (RFC 6749 §3.3, RFC 8707).
 */
export async function resolveUserScopes(
  client: OAuthClient,
  requested: readonly string[] | undefined,
  targets: readonly string[],
  resources: ResourceDirectory,
): Promise<ScopeResolution> {
  const settings = client.policy;
  const effectiveTargets = targets.length > 0 ? targets : settings.defaultAudience ? [settings.defaultAudience] : [];
  const apis = await resolveApis(client, effectiveTargets, resources);
  // RFC 6749 §3.3: without a scope parameter, the app's registered scopes (minus offline access) apply.
  const scope =
    requested ??
    settings.scopes.filter(
      (name) => name !== 'offline_access' && (isStandardScope(name) || apis.some((api) => api.scopes.some((candidate) => candidate.name === name))),
    );
  for (const name of scope) {
    if (!settings.scopes.includes(name)) {
      throw new OAuthError('invalid_scope', `this app may not ask for the ${name} scope (it is not in the app's allowed scopes)`);
    }
    if (isStandardScope(name)) continue;
    if (!apis.some((api) => api.scopes.some((candidate) => candidate.name === name))) {
      const owners = (await resources.apisOfOrg(client.app.orgId)).filter((api) => api.scopes.some((candidate) => candidate.name === name));
      throw new OAuthError(
        'invalid_scope',
        owners.length > 0
          ? `${name} is a scope of ${owners.map((api) => api.identifier).join(', ')}: name that API with the audience or resource parameter (RFC 8707)`
          : `${name} is not a scope of any API this request names`,
      );
    }
  }
  return { scope: [...scope], apis };
}

/**
 * What a client credentials request gets: only the app's audience + scope pairs,
 * narrowed to the named audiences and scopes.
 */
export async function resolveClientScopes(
  client: OAuthClient,
  requested: readonly string[] | undefined,
  targets: readonly string[],
  resources: ResourceDirectory,
): Promise<ScopeResolution> {
  const grants = client.policy.apiGrants;
  if (grants.length === 0) {
    throw new OAuthError('invalid_scope', 'this app has no audience + scope pairs (apiGrants), so client credentials can reach no API; add one to the app');
  }
  for (const target of targets) {
    if (!grants.some((grant) => grant.audience === target)) {
      throw new OAuthError('invalid_target', `this app has no grant for the audience ${target} (RFC 8707 §2)`);
    }
  }
  const chosen = targets.length > 0 ? grants.filter((grant) => targets.includes(grant.audience)) : grants;
  const available = new Set(chosen.flatMap((grant) => grant.scopes));
  let scope: string[];
  if (requested === undefined) {
    scope = [...available];
  } else {
    for (const name of requested) {
      if (!available.has(name)) {
        throw new OAuthError('invalid_scope', `this app was not granted the ${name} scope for ${chosen.map((grant) => grant.audience).join(', ')}`);
      }
    }
    scope = [...requested];
  }
  // Only the audiences whose scopes the token carries, unless the audience was named outright.
  const relevant = targets.length > 0 || requested === undefined ? chosen : chosen.filter((grant) => grant.scopes.some((name) => scope.includes(name)));
  const apis = await resolveApis(
    client,
    relevant.map((grant) => grant.audience),
    resources,
  );
  return { scope, apis };
}
