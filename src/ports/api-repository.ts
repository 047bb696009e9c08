import type { SigningAlgorithm, TokenFormat } from '../contracts/algorithms.js';

export interface ApiScope {
  name: string;
  description: string;
}

/** A registered API (resource server): its identifier is the audience of its access tokens. */
export interface ApiRecord {
  id: string;
  orgId: string;
  /** Immutable URI, unique across the server: the `aud` of access tokens for this API (RFC 8707). */
  identifier: string;
  name: string;
  scopes: ApiScope[];
  allowOfflineAccess: boolean;
  tokenFormat: TokenFormat;
  signingAlgorithm: SigningAlgorithm;
  accessTokenTtlMinutes: number;
  createdAt: number;
  updatedAt: number;
}

export interface ApiRepository {
  /** Inserts; false when the identifier is taken. */
  insert(api: ApiRecord): Promise<boolean>;
  get(id: string): Promise<ApiRecord | undefined>;
  getByIdentifier(identifier: string): Promise<ApiRecord | undefined>;
  update(api: ApiRecord): Promise<void>;
  delete(id: string): Promise<boolean>;
  list(query: { orgId?: string; search?: string; offset: number; limit: number }): Promise<{ items: ApiRecord[]; total: number }>;
}
