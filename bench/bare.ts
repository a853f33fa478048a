import { type Child, freePort, spawnNode } from './children.ts';

/** The bare express intake (bare-api.ts) on `prefix`; resolves once it listens. */
export async function startBareApi(
  redisUrl: string,
  prefix: string,
): Promise<{ url: string; child: Child }> {
  const port = await freePort();
  const child = spawnNode('bare api', ['bench/bare-api.ts'], {
    REDIS_URL: redisUrl,
    BENCH_PREFIX: prefix,
    PORT: String(port),
  });
  await child.firstLine();
  return { url: `http://127.0.0.1:${port}`, child };
}

/** A bare BullMQ worker (bare-worker.ts) on `prefix`; resolves once it runs. */
export async function startBareWorker(options: {
  redisUrl: string;
  prefix: string;
  mode: 'floor' | 'practice';
  vcareUrl: string;
  concurrency: number;
}): Promise<Child> {
  const child = spawnNode(`bare worker (${options.mode})`, ['bench/bare-worker.ts'], {
    REDIS_URL: options.redisUrl,
    BENCH_PREFIX: options.prefix,
    MODE: options.mode,
    VCARE_URL: options.vcareUrl,
    CONCURRENCY: String(options.concurrency),
  });
  await child.firstLine();
  return child;
}
