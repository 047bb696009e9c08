import type { Redis } from 'ioredis';

/** Raised when Redis can't be reached at start; the message never holds the URL's password. */
export class RedisConnectionError extends Error {
  override name = 'RedisConnectionError';
}

function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'the configured Redis URL';
  }
}

/**
 * Connects to Redis before the server starts answering, so that a wrong URL is a start-up error
 * and not a 500 on the first sign-in. A request made while the connection is down fails at once
 * (no offline queue) instead of hanging.
 */
export async function connectRedis(url: string, onError: (error: Error) => void): Promise<Redis> {
  // Loaded only when Redis is configured: every other process (the CLI above all) starts faster.
  const { Redis: RedisClient } = await import('ioredis');
  const redis = new RedisClient(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 5000 });
  // ioredis reconnects by itself; an error event without a listener would end the process.
  redis.on('error', onError);
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    throw new RedisConnectionError(`could not connect to Redis at ${withoutPassword(url)}: ${(error as Error).message}`);
  }
  return redis;
}
