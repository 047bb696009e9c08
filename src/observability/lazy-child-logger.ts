import type { Bindings, ChildLoggerOptions, Logger } from 'pino';

const levelMethods = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace']);

/**
 * A per-request child logger that is only built when something is logged at an enabled level.
 * pino children with redaction are costly to make, and most requests log nothing beyond the
 * one access line (which, when on, builds it).
 */
export function lazyChildLogger(parent: Logger, bindings: Bindings, options?: ChildLoggerOptions): Logger {
  let child: Logger | undefined;
  const real = (): Logger => (child ??= parent.child(bindings, options));
  return new Proxy({} as Logger, {
    get(_target, property) {
      if (typeof property === 'string' && levelMethods.has(property)) {
        if (!parent.isLevelEnabled(property)) return noop;
        return (...args: Parameters<Logger['info']>) => real()[property as 'info'](...args);
      }
      if (property === 'level') return child ? child.level : parent.level;
      // Fastify checks every request's logger for these methods: answer without building it.
      if (property === 'child') return (moreBindings: Bindings, moreOptions?: ChildLoggerOptions) => real().child(moreBindings, moreOptions);
      if (property === 'isLevelEnabled') return (level: string) => parent.isLevelEnabled(level);
      const value = (real() as unknown as Record<PropertyKey, unknown>)[property];
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(child) : value;
    },
    set(_target, property, value) {
      (real() as unknown as Record<PropertyKey, unknown>)[property] = value;
      return true;
    },
  });
}

function noop(): void {}
