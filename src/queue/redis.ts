import { Redis } from 'ioredis';

/**
 * - `worker`: blocking commands, waits out Redis outages (BullMQ requires
 *   `maxRetriesPerRequest: null` here).
 * - `client`: request paths (intake, ops); fails fast while Redis is down instead of hanging
 *   the HTTP request.
 */
export type RedisRole = 'worker' | 'client';

export function createRedis(url: string, role: RedisRole): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: role === 'worker' ? null : 1,
    connectTimeout: 5_000,
    lazyConnect: false,
  });
}
