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

const claimWords: Record<string, string> = {
  name: 'See your name',
  given_name: 'See your given name',
  family_name: 'See your family name',
  picture: 'See your profile picture',
  locale: 'See your language',
  updated_at: 'See when your profile last changed',
  email: 'See your email address',
  email_verified: 'See whether your email address is verified',
  phone_number: 'See your phone number',
  phone_number_verified: 'See whether your phone number is verified',
  address: 'See your postal address',
};

/** The user claims a request asks for by name beyond its scopes (the claims parameter, OIDC Core §5.5), described for the consent page. */
export function describeClaims(claims: readonly string[]): ScopeDescription[] {
  return claims.map((claim) => ({ scope: claim, description: claimWords[claim] ?? claim, api: null }));
}
