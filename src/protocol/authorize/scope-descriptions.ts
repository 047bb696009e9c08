import type { ApiRecord } from '../../ports/api-repository.js';
import type { ResourceDirectory } from '../../ports/directories.js';

export interface ScopeDescription {
  scope: string;
  /** What the user is agreeing to, in plain words. */
  description: string;
  /** The API the scope belongs to, for API scopes. */
  api: string | null;
}

const standard: Record<string, string> = {
  openid: 'Know who you are: your account identifier',
  profile: 'See your name',
  email: 'See your email address and whether it is verified',
  address: 'See your postal address',
  phone: 'See your phone number',
  offline_access: 'Stay signed in to this app and act for you when you are not using it',
};

/** Each scope of a request described for the consent page (PRODUCT D3), with the API it belongs to. */
export async function describeScopes(scopes: readonly string[], audiences: readonly string[], resources: ResourceDirectory): Promise<ScopeDescription[]> {
  const apis: ApiRecord[] = [];
  for (const audience of audiences) {
    const api = await resources.getApi(audience);
    if (api) apis.push(api);
  }
  return scopes.map((scope) => {
    if (standard[scope]) return { scope, description: standard[scope], api: null };
    for (const api of apis) {
      const defined = api.scopes.find((candidate) => candidate.name === scope);
      if (defined) return { scope, description: defined.description || `Use ${scope} on ${api.name}`, api: api.name };
    }
    return { scope, description: scope, api: null };
  });
}
