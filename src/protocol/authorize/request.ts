import type { JsonValue } from '../../ports/app-repositories.js';
import type { ClaimsRequest } from '../tokens/claims-request.js';

export type Prompt = 'none' | 'login' | 'consent' | 'select_account';
export type ResponseMode = 'query' | 'form_post';

/** An authorization request after every check passed: what the flow resumes with after sign-in and consent. */
export interface AuthorizationRequest {
  clientId: string;
  /** The redirect URI the response goes to (the registered one it matched). */
  redirectUri: string;
  /** Whether the request named it: then the token request must repeat it (RFC 6749 §4.1.3). */
  redirectUriGiven: boolean;
  responseMode: ResponseMode;
  state: string | null;
  scope: string[];
  /** Identifiers of the APIs the tokens are for (RFC 8707). */
  audiences: string[];
  nonce: string | null;
  codeChallenge: string | null;
  prompt: Prompt[];
  maxAge: number | null;
  loginHint: string | null;
  organizationId: string | null;
  /** The request named an organization that does not exist: no one is a member of it. */
  organizationUnknown: boolean;
  invitation: string | null;
  /** The authentication context classes asked for, in order of preference (acr_values, OIDC Core §3.1.2.1). */
  acrValues: string[];
  /** The classes an essential `acr` claim asks for (the claims parameter, OIDC Core §5.5.1.1); empty when none. */
  essentialAcr: string[];
  /** The claims parameter (OIDC Core §5.5), only the claims Latchkey knows and the app may be given; null when there was none. */
  claims: ClaimsRequest | null;
  /** The DPoP key thumbprint the code is bound to (dpop_jkt, RFC 9449 §10); null when unbound. */
  dpopJkt: string | null;
}

export function requestToJson(request: AuthorizationRequest): Record<string, JsonValue> {
  return { ...request } as unknown as Record<string, JsonValue>;
}

export function requestFromJson(json: Record<string, JsonValue>): AuthorizationRequest {
  const request = json as unknown as AuthorizationRequest;
  // Interactions stored before these fields existed asked for no class.
  return {
    ...request,
    acrValues: request.acrValues ?? [],
    essentialAcr: request.essentialAcr ?? [],
    claims: request.claims ?? null,
    dpopJkt: request.dpopJkt ?? null,
    organizationUnknown: request.organizationUnknown ?? false,
  };
}
