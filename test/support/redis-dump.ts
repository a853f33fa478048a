import type { Redis } from 'ioredis';
import type { RedisClient } from '../../src/queue/redis.ts';
import { redisNodes } from './harness.ts';

/**
 * Every key matching `pattern` with its whole content as text, whatever its type (strings,
 * hashes, lists, sets, sorted sets with scores, streams), for tests that search what rests in
 * Redis.
 */
export async function dumpRedis(redis: RedisClient, pattern: string): Promise<Map<string, string>> {
  const dump = new Map<string, string>();
  for (const node of redisNodes(redis)) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) dump.set(key, await contentOf(node, key));
    } while (cursor !== '0');
  }
  return dump;
}

async function contentOf(redis: Redis, key: string): Promise<string> {
  switch (await redis.type(key)) {
    case 'string':
      return (await redis.get(key)) ?? '';
    case 'hash':
      return Object.entries(await redis.hgetall(key))
        .map(([field, value]) => `${field} ${value}`)
        .join('\n');
    case 'list':
      return (await redis.lrange(key, 0, -1)).join('\n');
    case 'set':
      return (await redis.smembers(key)).join('\n');
    case 'zset':
      return (await redis.zrange(key, '0', '-1', 'WITHSCORES')).join('\n');
    case 'stream':
      return (await redis.xrange(key, '-', '+'))
        .map(([id, fields]) => `${id} ${fields.join(' ')}`)
        .join('\n');
    default:
      return '';
  }
}

// Characters that may sit next to a secret inside ciphertext (base64), ids or UUIDs: a short
// secret there is a coincidence, not a leak. Around a leaked value stand quotes, spaces, colons.
const WORD = 'A-Za-z0-9+/=_-';

/**
 * The secrets that appear in `text`: long ones (8+ characters) anywhere, short ones (CVVs,
 * SSN last four) only where they stand on their own.
 */
export function secretsIn(text: string, secrets: readonly string[]): string[] {
  return secrets.filter((secret) => {
    if (secret.length >= 8) return text.includes(secret);
    const escaped = secret.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return new RegExp(`(?<![${WORD}])${escaped}(?![${WORD}])`).test(text);
  });
}
