import { constantTimeEqual } from '../../shared/constant-time.js';
import type { SecretHasher } from '../../shared/opaque-secret.js';

/** How long one nonce is handed out; a nonce is accepted in its window and the one after it. */
export const nonceWindowSeconds = 300;

/**
 * Server-provided DPoP nonces (RFC 9449 §8) without state: a nonce is the keyed hash of a time
 * window, so every node that shares the server secret makes and accepts the same ones and none
 * is stored. A nonce stays good for one more window after its own, so a client that just got one
 * is not refused at a window's edge; a node whose clock runs a little ahead is also accepted.
 */
export class DpopNonces {
  readonly #key: SecretHasher;
  readonly #windowMs: number;

  constructor(key: SecretHasher, windowSeconds = nonceWindowSeconds) {
    this.#key = key;
    this.#windowMs = windowSeconds * 1000;
  }

  #of(window: number): string {
    return this.#key.hash(`dpop-nonce ${window}`);
  }

  /** The nonce to hand out at `now`. */
  current(now: number): string {
    return this.#of(Math.floor(now / this.#windowMs));
  }

  /** Whether `nonce` was handed out in this window, the one before, or (a node's clock ahead) the next. */
  accepts(nonce: string, now: number): boolean {
    const window = Math.floor(now / this.#windowMs);
    let accepted = false;
    // Every candidate is compared, so that timing says nothing about which window matched.
    for (const candidate of [window - 1, window, window + 1]) accepted = constantTimeEqual(nonce, this.#of(candidate)) || accepted;
    return accepted;
  }
}
