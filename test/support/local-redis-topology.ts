import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { eventually } from './harness.ts';

const run = promisify(execFile);

/** Redis servers this test started, on loopback; `stop` kills them and removes their files. */
export interface LocalTopology {
  /** The `REDIS_URL` that reaches them. */
  url: string;
  ports: number[];
  stop(): Promise<void>;
}

/**
 * A Redis Cluster of `masters` masters (no replicas) on free loopback ports, formed with
 * `redis-cli --cluster create`, ready once every node reports `cluster_state:ok`.
 */
export async function startLocalCluster(masters = 3): Promise<LocalTopology> {
  const dir = mkdtempSync(join(tmpdir(), 'vcare-cluster-'));
  const ports: number[] = [];
  const children: ChildProcess[] = [];
  const stop = () => stopAll(children, dir);
  try {
    // A node also listens on port + 10000 (the cluster bus): both must be free.
    for (let i = 0; i < masters; i++) ports.push(await freePort(ports, true));
    for (const port of ports) {
      children.push(
        await startServer(port, [
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          `nodes-${port}.conf`,
          '--dir',
          dir,
        ]),
      );
    }
    await run(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...ports.map((p) => `127.0.0.1:${p}`),
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ],
      { timeout: 20_000 },
    ).catch((error: NodeJS.ErrnoException) => {
      throw error.code === 'ENOENT'
        ? new Error('redis-cli is not on PATH (Debian: apt-get install redis-tools)')
        : error;
    });
    for (const port of ports) {
      await withRedis(port, (redis) =>
        eventually(
          async () =>
            (await redis.cluster('INFO')).includes('cluster_state:ok') ? true : undefined,
          { what: `cluster_state:ok on ${port}` },
        ),
      );
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url: `redis+cluster://${ports.map((p) => `127.0.0.1:${p}`).join(',')}`,
    ports,
    stop,
  };
}

/** One Redis and one Sentinel monitoring it as master group `name`. */
export async function startLocalSentinel(name = 'vcare'): Promise<LocalTopology> {
  const dir = mkdtempSync(join(tmpdir(), 'vcare-sentinel-'));
  const children: ChildProcess[] = [];
  const stop = () => stopAll(children, dir);
  try {
    const redisPort = await freePort([], false);
    const sentinelPort = await freePort([redisPort], false);
    children.push(await startServer(redisPort, ['--dir', dir]));
    // Sentinel rewrites its config file, so it gets one of its own in the temp dir.
    const conf = join(dir, 'sentinel.conf');
    writeFileSync(conf, `sentinel monitor ${name} 127.0.0.1 ${redisPort} 1\n`);
    children.push(await startServer(sentinelPort, ['--dir', dir, '--sentinel'], conf));
    await withRedis(sentinelPort, (sentinel) =>
      eventually(
        async () =>
          (await sentinel.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name)) ? true : undefined,
        { what: 'sentinel to know its master' },
      ),
    );
    return {
      url: `redis+sentinel://127.0.0.1:${sentinelPort}/${name}`,
      ports: [redisPort, sentinelPort],
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function startServer(port: number, args: string[], conf?: string): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    [
      ...(conf ? [conf] : []),
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--daemonize',
      'no',
      ...(args.includes('--sentinel') ? [] : ['--maxmemory-policy', 'noeviction']),
      ...args,
    ],
    { stdio: 'ignore' },
  );
  const failed = new Promise<Error>((resolve) => child.once('error', resolve));
  const exited = once(child, 'exit').then(() => new Error(`redis-server on ${port} exited`));
  const up = withRedis(port, (redis) =>
    eventually(async () => ((await redis.ping().catch(() => undefined)) ? true : undefined), {
      what: `redis-server on ${port}`,
    }),
  );
  const outcome = await Promise.race([up, failed, exited]);
  if (outcome instanceof Error) {
    child.kill('SIGKILL');
    throw (outcome as NodeJS.ErrnoException).code === 'ENOENT'
      ? new Error('redis-server is not on PATH (Debian: apt-get install redis-server)')
      : outcome;
  }
  return child;
}

async function withRedis<T>(port: number, use: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis(port, '127.0.0.1', {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => 50,
  });
  redis.on('error', () => {});
  try {
    return await use(redis);
  } finally {
    redis.disconnect();
  }
}

async function stopAll(children: ChildProcess[], dir: string): Promise<void> {
  await Promise.all(
    children.map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    }),
  );
  rmSync(dir, { recursive: true, force: true });
}

/** A port free now (and its cluster-bus twin, port + 10000, when `bus`), not in `taken`. */
async function freePort(taken: number[], bus: boolean): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 30_000);
    if (taken.some((t) => [t, t + 10_000, t - 10_000].includes(port))) continue;
    if ((await canListen(port)) && (!bus || (await canListen(port + 10_000)))) return port;
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
