/**
 * An authorization request a client pushed to the pushed authorization request endpoint
 * (RFC 9126 §2), waiting for the browser to bring its request_uri to the authorization endpoint.
 * Found by the keyed hash of the request_uri's random part; the request_uri itself is not stored.
 */
export interface PushedAuthorizationRequestRecord {
  uriHash: string;
  /** The client that pushed it: only it may use the request_uri (RFC 9126 §4). */
  clientId: string;
  /** The authorization request parameters as pushed, client authentication left out. */
  parameters: Record<string, string[]>;
  createdAt: number;
  expiresAt: number;
  consumedAt: number | null;
}

/** Why a request_uri was not used: unknown, past its lifetime, used before, or pushed by another client. */
export type PushedRequestRefusal = 'unknown' | 'expired' | 'used' | 'other_client';

export type PushedRequestUse = { ok: true; record: PushedAuthorizationRequestRecord } | { ok: false; refusal: PushedRequestRefusal };

export interface PushedAuthorizationRequestRepository {
  insert(record: PushedAuthorizationRequestRecord): Promise<void>;
  /**
   * Uses the pushed request once, for `clientId`: one conditional write marks it consumed if it is
   * that client's, unconsumed and unexpired at `now`, and returns it; of two concurrent uses one
   * wins. A refused use changes nothing and says why.
   */
  consume(uriHash: string, clientId: string, now: number): Promise<PushedRequestUse>;
  /** Deletes at most `limit` expired rows; returns how many it deleted. */
  deleteExpired(now: number, limit: number): Promise<number>;
}
