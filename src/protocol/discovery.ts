import { endpointUrl } from './endpoints.js';

/**
 * What the server implements at this moment. Discovery advertises exactly this, no more: each
 * later feature adds itself here when it is wired in.
 */
export interface ServerCapabilities {
  issuer: string;
  /** Algorithms the server signs with (ID tokens, JWT access tokens). */
  signingAlgorithms: readonly string[];
  /** Endpoint URLs by metadata name (authorization_endpoint, token_endpoint, ...). */
  endpoints?: Readonly<Record<string, string>>;
  /** Further metadata fields contributed by implemented features. */
  metadata?: Readonly<Record<string, unknown>>;
}

/**
 * Authorization server metadata (RFC 8414 §2) which, together with the OpenID Provider fields,
 * is also the OpenID Provider Configuration (OpenID Connect Discovery 1.0 §3).
 */
export function buildServerMetadata(capabilities: ServerCapabilities): Record<string, unknown> {
  return {
    issuer: capabilities.issuer,
    jwks_uri: endpointUrl(capabilities.issuer, 'jwks'),
    ...capabilities.endpoints,
    ...capabilities.metadata,
  };
}
