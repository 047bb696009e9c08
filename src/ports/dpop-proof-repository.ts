/**
 * The DPoP proofs already seen (RFC 9449 §11.1), shared by every node: a proof is accepted once.
 * Rows live as long as a proof could still be accepted, then the sweeper removes them.
 */
export interface DpopProofRepository {
  /**
   * Records the proof's key (a digest of its key thumbprint and jti) unless it is already
   * recorded, in one atomic insert-if-absent; false when it was: the proof is a replay.
   */
  addIfAbsent(proofKey: string, expiresAt: number): Promise<boolean>;
  /** Deletes at most `limit` expired rows; returns how many it deleted. */
  deleteExpired(now: number, limit: number): Promise<number>;
}
