import { param, type ProtocolRequest } from '../messages.js';
import type { ClientAuthMethod } from './methods.js';

/**
 * A JWT bearer request (RFC 7523 §2.1) may name its app only as the assertion's issuer: read it
 * unverified here to find the app; the grant verifies the assertion with the app's keys.
 */
function issuerOfAssertion(request: ProtocolRequest): string | undefined {
  if (param(request.body, 'grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') return undefined;
  try {
    const payload = JSON.parse(Buffer.from((param(request.body, 'assertion') ?? '').split('.')[1] ?? '', 'base64url').toString('utf8')) as { iss?: unknown };
    return typeof payload.iss === 'string' ? payload.iss : undefined;
  } catch {
    return undefined;
  }
}

/** A public client identifies itself with client_id alone (RFC 6749 §2.1, §3.2.1). */
export const noClientAuthentication: ClientAuthMethod = {
  name: 'none',
  presentIn: () => true,
  extract: (request) => ({ method: 'none', clientId: param(request.body, 'client_id') ?? issuerOfAssertion(request) }),
  verify: () => Promise.resolve(),
};
