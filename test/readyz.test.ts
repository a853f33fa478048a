import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/log.ts';
import { type Service, startService } from '../src/service.ts';
import { eventually, type Harness, startHarness } from './support/harness.ts';

// A redis-server of this file's own: the shared one on 6379 serves every other test file.
let port: number;
let redisProcess: ChildProcess | undefined;

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port: free } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return free;
}

async function startRedis(): Promise<void> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  redisProcess = child;
  const probe = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0 });
  probe.on('error', () => {});
  await eventually(
    async () => {
      try {
        if (probe.status !== 'ready') await probe.connect();
        return (await probe.ping()) === 'PONG' ? true : undefined;
      } catch {
        return undefined;
      }
    },
    { what: 'redis-server to answer' },
  );
  probe.disconnect();
}

async function stopRedis(): Promise<void> {
  const child = redisProcess;
  if (!child || child.exitCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

async function readiness(url: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${url}/readyz`);
  return { status: res.status, body: await res.json() };
}

/** A workers-only process (health server on WORKER_HEALTH_PORT) on this file's Redis. */
function startWorkersOnly(env: Record<string, string> = {}): Promise<Service> {
  const config = loadConfig({
    NODE_ENV: 'test',
    REDIS_URL: `redis://127.0.0.1:${port}`,
    QUEUE_PREFIX: `t${randomBytes(6).toString('hex')}`,
    WORKER_HEALTH_PORT: '0',
    LOG_LEVEL: 'silent',
    ...env,
  });
  return startService({
    config,
    logger: createLogger('silent'),
    vcareBaseUrl: 'http://127.0.0.1:9',
    api: false,
    workers: true,
  });
}

beforeAll(async () => {
  port = await freePort();
  await startRedis();
});
afterAll(async () => {
  await stopRedis();
});

describe('/readyz', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { REDIS_URL: `redis://127.0.0.1:${port}` } });
  });
  // Right after Redis came back: the workers' blocking connections may still be waiting to
  // reconnect, which a plain BullMQ Worker.close never gets past (see closeWorker).
  afterAll(async () => {
    await h?.close();
  });

  it('turns unready while Redis is down and ready again once it is back', async () => {
    expect(await readiness(h.url)).toEqual({ status: 200, body: { redis: true, workers: true } });
    expect((await fetch(`${h.url}/healthz`)).status).toBe(200);

    await stopRedis();
    const down = await eventually(
      async () => {
        const r = await readiness(h.url);
        return r.status === 503 ? r : undefined;
      },
      { what: '/readyz to answer 503' },
    );
    expect(down.body).toMatchObject({ redis: false });
    // Alive all along: liveness must not restart a process that only waits for Redis.
    expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
    // A scrape still answers: queue depths keep their last sample.
    expect((await fetch(`${h.url}/metrics`)).status).toBe(200);

    await startRedis();
    const up = await eventually(
      async () => {
        const r = await readiness(h.url);
        return r.status === 200 ? r : undefined;
      },
      { what: '/readyz to answer 200 again' },
    );
    expect(up.body).toEqual({ redis: true, workers: true });
  });
});

describe('a workers-only process', () => {
  let service: Service;
  beforeAll(async () => {
    service = await startWorkersOnly();
  });
  afterAll(async () => {
    await service?.close();
  });

  it('serves /healthz, /readyz and /metrics on WORKER_HEALTH_PORT and nothing else', async () => {
    expect(service.url).toBeUndefined();
    const base = service.health?.url as string;
    expect(base).toBeDefined();
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect(await readiness(base)).toEqual({ status: 200, body: { redis: true, workers: true } });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('# TYPE orders_finished_total counter');
    expect(metrics).toContain('queue_jobs{queue="enrollment",state="waiting"} 0');
    expect((await fetch(`${base}/v1/orders`)).status).toBe(404);
  });
});

describe('shutdown while Redis is down', () => {
  it('closes every worker within SHUTDOWN_GRACE_MS instead of waiting for Redis forever', async () => {
    const service = await startWorkersOnly({ SHUTDOWN_GRACE_MS: '500' });
    const base = service.health?.url as string;
    // Not events.once, which rejects on the 'error' events an unreachable Redis makes.
    const closed = (service.workers?.workers ?? []).map(
      (w) => new Promise<void>((resolve) => w.once('closed', () => resolve())),
    );
    try {
      await stopRedis();
      await eventually(async () => ((await readiness(base)).status === 503 ? true : undefined), {
        what: '/readyz to answer 503',
      });
      // BullMQ's Worker.close waits for its blocking connection's 'end', which never comes
      // while that connection waits to reconnect (taskforcesh/bullmq#4656).
      await service.close();
      await Promise.all(closed);
    } finally {
      await startRedis();
    }
  });
});
