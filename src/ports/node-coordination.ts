/**
 * What the nodes sharing one database tell each other, and what only one of them may do at a time.
 * On SQLite there is one node, so announcements go nowhere and every lock is free.
 */
export interface NodeCoordination {
  /**
   * Sends `message` to every other node (not to this one). Delivery is best effort: a node whose
   * connection dropped learns of the gap through `onGap` instead.
   */
  announce(message: string): Promise<void>;
  /**
   * Listens to the other nodes' announcements. `onGap` is called when announcements may have been
   * missed (the listening connection was lost and came back), so that whatever they would have
   * said is assumed.
   */
  listen(onMessage: (message: string) => void, onGap: () => void): Promise<void>;
  /**
   * Runs `work` only if no other node is running work under the same lock; otherwise returns at
   * once with `ran: false`. The lock is released when the work ends, and by the database when this
   * node dies.
   */
  exclusively<T>(lock: string, work: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }>;
  close(): Promise<void>;
}

/** One node alone: nothing to tell, nobody to wait for. */
export const singleNode: NodeCoordination = {
  announce: () => Promise.resolve(),
  listen: () => Promise.resolve(),
  exclusively: async (_lock, work) => ({ ran: true, value: await work() }),
  close: () => Promise.resolve(),
};
