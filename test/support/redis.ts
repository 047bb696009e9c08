import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

/** The Redis used by tests; unset means Redis tests are skipped. */
export const redisTestUrl = process.env.LATCHKEY_TEST_REDIS_URL;

export const redisSkipReason = redisTestUrl ? false : 'LATCHKEY_TEST_REDIS_URL is unset: skipping the Redis tests (set it, e.g. redis://127.0.0.1:6379)';

/** A key prefix of one test file's own, and a way to delete every key under it afterwards. */
export interface TestRedisPrefix {
  prefix: string;
  drop(): Promise<void>;
}

export function testRedisPrefix(): TestRedisPrefix {
  if (!redisTestUrl) throw new Error('LATCHKEY_TEST_REDIS_URL is unset');
  const prefix = `latchkey-test:${process.pid}:${randomBytes(4).toString('hex')}:`;
  return {
    prefix,
    drop: async () => {
      const redis = new Redis(redisTestUrl);
      try {
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
          if (keys.length > 0) await redis.del(...keys);
          cursor = next;
        } while (cursor !== '0');
      } finally {
        redis.disconnect();
      }
    },
  };
}
