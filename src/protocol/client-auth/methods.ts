import type { JWK } from 'jose';
import type { OAuthClient } from '../../ports/directories.js';
import type { ProtocolRequest } from '../messages.js';

export type ClientAuthMethodName = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt' | 'none';

/** Credentials as the request presented them, before they are checked. */
export interface PresentedCredentials {
  method: ClientAuthMethodName;
  clientId: string | undefined;
  secret?: string;
  assertion?: string;
}

export interface ClientAuthDependencies {
  issuer: string;
  tokenEndpoint: string;
  now(): number;
  verifySecret(clientId: string, secret: string): Promise<boolean>;
  clientKeys(clientId: string): Promise<JWK[]>;
  /** Records a client assertion's jti once; false on a replay. */
  recordAssertionJti(key: string, expiresAt: number): Promise<boolean>;
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
