/**
 * When a batcher sends its next statement: after the I/O of the current turn of the event loop
 * (so that the requests that arrived with this one join the batch), and only while fewer than
 * `maxInFlight` statements are on their way (so that, while the database answers, new work
 * gathers into the next statement instead of going out one row at a time).
 */
export class TurnScheduler {
  readonly #hasWork: () => boolean;
  readonly #send: () => Promise<void>;
  readonly #maxInFlight: number;
  #inFlight = 0;
  #scheduled = false;

  /** `send` takes its batch synchronously, before its first await, and settles its callers itself: it never rejects. */
  constructor(hasWork: () => boolean, send: () => Promise<void>, maxInFlight: number) {
    this.#hasWork = hasWork;
    this.#send = send;
    this.#maxInFlight = maxInFlight;
  }

  schedule(): void {
    if (this.#scheduled || this.#inFlight >= this.#maxInFlight || !this.#hasWork()) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      void this.#run();
    });
  }

  async #run(): Promise<void> {
    if (this.#inFlight >= this.#maxInFlight || !this.#hasWork()) return;
    this.#inFlight += 1;
    const sending = this.#send();
    // The batch is taken: what is left may go in another statement, if the bound allows.
    this.schedule();
    try {
      await sending;
    } finally {
      this.#inFlight -= 1;
      this.schedule();
    }
  }
}
