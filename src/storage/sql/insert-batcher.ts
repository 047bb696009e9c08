/**
 * Group commit for a hot insert: the rows asked for in one turn of the event loop go to the
 * database in one multi-row INSERT, and each caller's promise settles when that statement has
 * committed, so nothing is answered before it is stored. On SQLite a commit writes every page
 * the rows touched to the WAL: one commit for several rows costs little more than one for a
 * single row (measured: 60 µs per token alone, 28 µs each in tens). On PostgreSQL it is one
 * round trip instead of several.
 *
 * While `maxInFlight` statements are on their way, new rows wait and join the next one: on
 * PostgreSQL a round trip spans several turns of the event loop, and without this bound each
 * turn would send its own INSERT of one or two rows (measured: 1.7 statements per token under
 * load). On SQLite a statement completes within its turn, so the bound is never reached.
 *
 * When the batch fails, each row is tried on its own, so that one bad row fails only its caller.
 */
export class InsertBatcher<Row> {
  readonly #insert: (rows: Row[]) => Promise<void>;
  readonly #maxRows: number;
  readonly #maxInFlight: number;
  #pending: { row: Row; resolve: () => void; reject: (error: unknown) => void }[] = [];
  #inFlight = 0;
  #scheduled = false;

  constructor(insert: (rows: Row[]) => Promise<void>, options: { maxRows?: number; maxInFlight?: number } = {}) {
    this.#insert = insert;
    this.#maxRows = options.maxRows ?? 200;
    this.#maxInFlight = options.maxInFlight ?? 2;
  }

  add(row: Row): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#pending.push({ row, resolve, reject });
      this.#schedule();
    });
  }

  /** After the I/O of this turn, so that the other requests that arrived with this one join the batch. */
  #schedule(): void {
    if (this.#scheduled || this.#pending.length === 0 || this.#inFlight >= this.#maxInFlight) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      void this.#flush();
    });
  }

  async #flush(): Promise<void> {
    if (this.#inFlight >= this.#maxInFlight || this.#pending.length === 0) return;
    const batch = this.#pending.splice(0, this.#maxRows);
    this.#inFlight += 1;
    this.#schedule();
    try {
      await this.#insert(batch.map((entry) => entry.row));
      for (const entry of batch) entry.resolve();
    } catch (batchError) {
      if (batch.length === 1) {
        batch[0]!.reject(batchError);
      } else {
        for (const entry of batch) {
          try {
            await this.#insert([entry.row]);
            entry.resolve();
          } catch (error) {
            entry.reject(error);
          }
        }
      }
    } finally {
      this.#inFlight -= 1;
      this.#schedule();
    }
  }
}
