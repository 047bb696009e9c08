/** Time source for the core. Milliseconds since the epoch, so tests can use a fake clock. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
