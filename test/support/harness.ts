import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { Job, JobState, Queue } from 'bullmq';
import { Cluster, type Redis } from 'ioredis';
import { loadConfig } from '../../src/config.ts';
import { createLogger, type Logger } from '../../src/log.ts';
import { createProducer } from '../../src/queue/producer.ts';
import { createRedis, type RedisClient } from '../../src/queue/redis.ts';
import { createSandbox, type Sandbox } from '../../src/sandbox/sandbox.ts';
import { createCipher } from '../../src/security/cipher.ts';
import { type Service, startService } from '../../src/service.ts';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const API_KEY = 'test-producer-key-0123456789';
export const ADMIN = { user: 'ops', password: 'ops-password' };

const CREDENTIALS = {
  vendor_id: 'test-vendor',
  username: 'test-user',
  password: 'test-pass',
  pin: '4321',
};
const AGENT = { id: 'test-agent', password: 'agent-pass' };

export interface Harness {
  url: string;
  sandbox: Sandbox;
  sandboxUrl: string;
  service: Service;
  prefix: string;
  /** A connection of the test's own to the service's Redis (a Cluster too). */
  redis: RedisClient;
  /** fetch against the API with the producer key. */
  api(path: string, init?: RequestInit & { json?: unknown }): Promise<Response>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  env?: Record<string, string>;
  workers?: boolean;
  /** The service's logger (e.g. one writing to a stream the test reads). @defaultValue silent */
  logger?: Logger;
  /** Another vCare for the workers (a test double answering oddly). @defaultValue the sandbox */
  vcareBaseUrl?: string;
}

/**
 * A whole service (API + workers) on a fresh queue prefix, against an in-process sandbox on
 * an ephemeral port and the real Redis. `close` removes every key of the prefix.
 */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const sandbox = createSandbox({
    credentials: CREDENTIALS,
    agents: { [AGENT.id]: AGENT.password },
  });
  const sandboxUrl = await sandbox.listen(0);
  const queuePrefix = `t${randomBytes(6).toString('hex')}`;
  const config = loadConfig({
    NODE_ENV: 'test',
    REDIS_URL,
    QUEUE_PREFIX: queuePrefix,
    PORT: '0',
    VCARE_VENDOR_ID: CREDENTIALS.vendor_id,
    VCARE_USERNAME: CREDENTIALS.username,
    VCARE_PASSWORD: CREDENTIALS.password,
    VCARE_PIN: CREDENTIALS.pin,
    VCARE_AGENT_ID: AGENT.id,
    VCARE_AGENT_PASSWORD: AGENT.password,
    VCARE_TIMEOUT_MS: '2000',
    BACKOFF_DELAY_MS: '10',
    WORKER_CONCURRENCY: '20',
    API_KEYS: API_KEY,
    ADMIN_USER: ADMIN.user,
    ADMIN_PASSWORD: ADMIN.password,
    DATA_KEY: randomBytes(32).toString('base64'),
    LOG_LEVEL: 'silent',
    ...options.env,
  });
  const service = await startService({
    config,
    logger: options.logger ?? createLogger('silent'),
    vcareBaseUrl: options.vcareBaseUrl ?? sandboxUrl,
    api: true,
    workers: options.workers ?? true,
  });
  const redis = createRedis(options.env?.REDIS_URL ?? REDIS_URL, 'worker');
  const url = service.url as string;
  return {
    url,
    sandbox,
    sandboxUrl,
    service,
    prefix: config.queuePrefix,
    redis,
    api(path, init = {}) {
      const { json, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (!headers.has('authorization')) headers.set('authorization', `Bearer ${API_KEY}`);
      if (json !== undefined) headers.set('content-type', 'application/json');
      return fetch(`${url}${path}`, {
        ...rest,
        method: rest.method ?? (json === undefined ? 'GET' : 'POST'),
        headers,
        body: json === undefined ? rest.body : JSON.stringify(json),
      });
    },
    async close() {
      await service.close();
      await sandbox.close();
      await deleteKeys(redis, `${config.queuePrefix}*`);
      await redis.quit();
    },
  };
}

/** The servers holding keys: every master of a Cluster (SCAN sees one node), else `redis`. */
export function redisNodes(redis: RedisClient): Redis[] {
  return redis instanceof Cluster ? redis.nodes('master') : [redis];
}

export async function deleteKeys(redis: RedisClient, pattern: string): Promise<void> {
  for (const node of redisNodes(redis)) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      // A Cluster refuses one command over keys of several slots, even on one node.
      if (redis instanceof Cluster) await Promise.all(keys.map((key) => node.unlink(key)));
      else if (keys.length > 0) await node.unlink(...keys);
    } while (cursor !== '0');
  }
}

/** Polls `probe` until it returns a defined value, or fails after `timeoutMs`. */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  { timeoutMs = 15_000, intervalMs = 25, what = 'condition' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(intervalMs);
  }
}

/**
 * The job once it is in `state`. Its state is read first, then the job: read the other way
 * round, the job could be a snapshot from before its move (no delay, reason or attempt yet).
 */
export function jobIn(
  queue: Queue | undefined,
  id: string,
  state: JobState,
  what = `job ${id} to be ${state}`,
): Promise<Job> {
  return eventually(
    async () => ((await queue?.getJobState(id)) === state ? queue?.getJob(id) : undefined),
    { what },
  );
}

/**
 * Queues `body` through a producer holding only `key`, as a process with another key would,
 * on `prefix` (the harness's by default); answers the accepted job.
 */
export async function enqueueWithKey(
  h: Harness,
  key: string,
  body: Record<string, unknown>,
  prefix = h.prefix,
): Promise<Job> {
  const producer = createProducer({
    redis: h.redis,
    prefix,
    cipher: createCipher([key]),
    hashKey: key,
    defaults: { agent_id: AGENT.id, agent_password: AGENT.password, source: 'API' },
  });
  try {
    const result = await producer.enqueue(body);
    if (result.status !== 'accepted') throw new Error(`not accepted: ${result.status}`);
    const job = await producer.queues.get(result.queue)?.getJob(result.id);
    if (!job) throw new Error(`job ${result.id} not found`);
    return job;
  } finally {
    await producer.close();
  }
}
