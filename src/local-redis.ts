import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { Redis } from 'ioredis';
import type { Logger } from './log.ts';
import { parseRedisUrl } from './queue/redis-url.ts';

async function answers(url: string): Promise<boolean> {
  const probe = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 1000,
  });
  probe.on('error', () => {});
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

/**
 * `npm start` convenience: when no REDIS_URL is configured and nothing answers on the default
 * port, run `redis-server` from PATH with data under `.data/` (AOF on, `noeviction` as BullMQ
 * requires). The server is our child and stops with us. A Cluster or Sentinel URL is never
 * started locally: those are someone's deployment.
 */
export async function ensureLocalRedis(
  url: string,
  logger: Logger,
): Promise<(() => void) | undefined> {
  if (parseRedisUrl(url).kind !== 'standalone' || (await answers(url))) return undefined;
  const port = new URL(url).port || '6379';
  mkdirSync('.data', { recursive: true });
  const child = spawn(
    'redis-server',
    [
      '--port',
      port,
      '--bind',
      '127.0.0.1',
      '--dir',
      '.data',
      '--appendonly',
      'yes',
      '--maxmemory-policy',
      'noeviction',
    ],
    { stdio: 'ignore' },
  );
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const failed = await Promise.race([
      spawnError,
      new Promise<undefined>((r) => setTimeout(r, 100, undefined)),
    ]);
    if (failed) {
      throw new Error(
        `nothing answers on ${url} and redis-server could not be started (${failed.message}); install Redis or set REDIS_URL`,
      );
    }
    if (await answers(url)) {
      logger.info({ port, dir: '.data' }, 'started a local redis-server');
      return () => child.kill('SIGTERM');
    }
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server did not answer on ${url} within 10 s`);
}
