import { createHash } from 'node:crypto';
import type { RedisClient } from './redis.ts';

type Arg = string | number;

/** A Lua script run atomically in Redis; its keys must share one slot (one hash tag). */
export type LuaScript = (
  redis: RedisClient,
  keys: readonly string[],
  args: readonly Arg[],
) => Promise<unknown>;

/**
 * EVALSHA, falling back to EVAL the first time a server (or a Cluster node) has not seen the
 * script: the source crosses the wire once per server instead of with every call.
 */
export function luaScript(source: string): LuaScript {
  const sha = createHash('sha1').update(source).digest('hex');
  return async (redis, keys, args) => {
    try {
      return await redis.evalsha(sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!String((error as Error).message).startsWith('NOSCRIPT')) throw error;
      return redis.eval(source, keys.length, ...keys, ...args);
    }
  };
}
