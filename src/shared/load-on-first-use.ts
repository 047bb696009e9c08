import { createRequire } from 'node:module';

const requireFromHere = createRequire(import.meta.url);

/**
 * A package read synchronously the first time `load()` is called, then kept: for large data a
 * synchronous check needs only now and then (a dictionary), which should not weigh on a server
 * from the moment it starts.
 */
export function loadOnFirstUse<T>(specifier: string): () => T {
  let loaded: { module: T } | undefined;
  return () => (loaded ??= { module: requireFromHere(specifier) as T }).module;
}
