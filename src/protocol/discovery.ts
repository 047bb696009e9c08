import { acrValuesSupported } from './acr.js';
import { assertionAlgorithms, defaultSigningAlgorithm, dpopAlgorithms } from '../contracts/algorithms.js';
import { subjectTypes } from '../contracts/app-types.js';
import { supportedClientAuthMethodNames } from './client-auth/authenticate-client.js';
import { endpointUrl } from './endpoints.js';
import { grantHandlers } from './grants/registry.js';
import { supportedClaims } from './tokens/claims.js';

export interface ServerCapabilities {
  issuer: string;
  /** Algorithms the server signs with (JWT access tokens); ID tokens use RS256. */
  signingAlgorithms: readonly string[];
  /** Every app must push its authorization requests (authorization.requirePushedRequests). */
  requirePushedAuthorizationRequests: boolean;
  /** Dynamic client registration is on (registration.enabled). */
  registration?: boolean;
}

/**
 * Authorization server metadata (RFC 8414 §2) and OpenID Provider metadata (OpenID Connect
 * Discovery 1.0 §3), derived from what is implemented: the grant registry, the client
 * authentication methods, the endpoints. A test checks each advertised endpoint against the router.
 */
export function buildServerMetadata(capabilities: ServerCapabilities): Record<string, unknown> {
  const { issuer } = capabilities;
  const authMethodsWithSecret = supportedClientAuthMethodNames.filter((method) => method !== 'none');
  return {
    issuer,
    authorization_endpoint: endpointUrl(issuer, 'authorization'),
    token_endpoint: endpointUrl(issuer, 'token'),
    userinfo_endpoint: endpointUrl(issuer, 'userinfo'),
    jwks_uri: endpointUrl(issuer, 'jwks'),
    introspection_endpoint: endpointUrl(issuer, 'introspection'),
    revocation_endpoint: endpointUrl(issuer, 'revocation'),
    end_session_endpoint: endpointUrl(issuer, 'endSession'),
    // OIDC Back-Channel Logout 1.0 §2.1 and Front-Channel Logout 1.0 §3: logout tokens and iframes both carry sid.
    backchannel_logout_supported: true,
    backchannel_logout_session_supported: true,
    frontchannel_logout_supported: true,
    frontchannel_logout_session_supported: true,
    device_authorization_endpoint: endpointUrl(issuer, 'deviceAuthorization'),
    // RFC 8414 §2: only when clients may register themselves (RFC 7591).
    ...(capabilities.registration ? { registration_endpoint: endpointUrl(issuer, 'registration') } : {}),
    // RFC 9126 §5: true only when every app must push; an app that requires it for itself is not announced here.
    pushed_authorization_request_endpoint: endpointUrl(issuer, 'pushedAuthorization'),
    require_pushed_authorization_requests: capabilities.requirePushedAuthorizationRequests,
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    response_types_supported: ['code'],
    response_modes_supported: ['query', 'form_post'],
    grant_types_supported: grantHandlers.map((handler) => handler.grantType),
    // OIDC Core §8: each app picks (subject_type); pairwise subjects are per sector identifier.
    subject_types_supported: [...subjectTypes],
    // OIDC Discovery §3: RS256 is always among them; an app picks its own (id_token_signed_response_alg).
    id_token_signing_alg_values_supported: [defaultSigningAlgorithm, ...capabilities.signingAlgorithms.filter((alg) => alg !== defaultSigningAlgorithm)],
    token_endpoint_auth_methods_supported: [...supportedClientAuthMethodNames],
    token_endpoint_auth_signing_alg_values_supported: assertionAlgorithms,
    introspection_endpoint_auth_methods_supported: authMethodsWithSecret,
    introspection_endpoint_auth_signing_alg_values_supported: assertionAlgorithms,
    revocation_endpoint_auth_methods_supported: [...supportedClientAuthMethodNames],
    revocation_endpoint_auth_signing_alg_values_supported: assertionAlgorithms,
    code_challenge_methods_supported: ['S256'],
    claims_supported: supportedClaims,
    claim_types_supported: ['normal'],
    claims_parameter_supported: true,
    acr_values_supported: [...acrValuesSupported],
    request_parameter_supported: true,
    request_object_signing_alg_values_supported: assertionAlgorithms,
    request_uri_parameter_supported: false,
    authorization_response_iss_parameter_supported: true,
    prompt_values_supported: ['none', 'login', 'consent', 'select_account'],
    access_token_signing_alg_values_supported: capabilities.signingAlgorithms,
    // RFC 9449 §5.1: the algorithms accepted on DPoP proofs.
    dpop_signing_alg_values_supported: dpopAlgorithms,
  };
}
