import type { ClientAuthFailureThrottle } from './failure-throttle.js';
import type { Clock } from '../../ports/clock.js';
import type { ClientDirectory, OAuthClient } from '../../ports/directories.js';
import type { RevokedJtiRepository } from '../../ports/oauth-repositories.js';
import type { EndpointUrls } from '../context.js';
import type { ProtocolRequest } from '../messages.js';

export type ClientAuthMethodName = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt' | 'none';

/** Credentials as the request presented them, before they are checked. */
export interface PresentedCredentials {
  method: ClientAuthMethodName;
  clientId: string | undefined;
  secret?: string;
  assertion?: string;
}

/** What client authentication reads: the client, its secrets and keys, and used assertion jtis. */
export interface ClientAuthDependencies {
  issuer: string;
  endpoints: Pick<EndpointUrls, 'token'>;
  clock: Clock;
  clients: Pick<ClientDirectory, 'getClient' | 'verifySecret' | 'clientKeys'>;
  /** Records a client assertion's jti once (addIfAbsent is false on a replay). */
  revokedJtis: Pick<RevokedJtiRepository, 'addIfAbsent'>;
  /** Counts failed authentications and refuses clients and addresses over their budget (429). */
  clientAuthFailures?: Pick<ClientAuthFailureThrottle, 'check' | 'recordFailure'>;
}

/** One way a client proves who it is (RFC 6749 §2.3, RFC 7523 §2.2). One file per method. */
export interface ClientAuthMethod {
  name: ClientAuthMethodName;
  /** Whether the request carries this method's credentials. */
  presentIn(request: ProtocolRequest): boolean;
  extract(request: ProtocolRequest): PresentedCredentials;
  /** Throws invalid_client unless the credentials prove the client's identity. */
  verify(client: OAuthClient, presented: PresentedCredentials, deps: ClientAuthDependencies): Promise<void>;
}
