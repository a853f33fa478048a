import type { Server } from 'node:http';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { startWorkers, type Workers } from '../workers/start-workers.ts';
import { createApp } from './api/app.ts';
import type { Config } from './config.ts';
import type { Logger } from './log.ts';
import { DEAD_LETTER_QUEUE } from './queue/names.ts';
import { createProducer, type Producer } from './queue/producer.ts';
import { createRedis } from './queue/redis.ts';
import type { RetryPolicy } from './queue/retry-policy.ts';
import { createCipher } from './security/cipher.ts';
import { createVcareClient, type VcareClient } from './vcare/client.ts';

export interface ServiceOptions {
  config: Config;
  logger: Logger;
  /** vCare base URL (the sandbox's when VCARE_BASE_URL is unset). */
  vcareBaseUrl: string;
  api: boolean;
  workers: boolean;
}

export interface Service {
  producer: Producer;
  deadLetters: Queue;
  client: VcareClient | undefined;
  workers: Workers | undefined;
  /** Bound API server and its URL, when `api`. */
  server: Server | undefined;
  url: string | undefined;
  close(): Promise<void>;
}

/**
 * Composes the parts from one validated config: the intake API and/or the workers. Used by
 * `npm start`, `npm run api`, `npm run worker` and the tests alike.
 */
export async function startService(options: ServiceOptions): Promise<Service> {
  const { config, logger } = options;
  const { env } = config;
  const clientRedis = createRedis(config.redisUrl, 'client');
  const workerRedis = options.workers ? createRedis(config.redisUrl, 'worker') : undefined;
  const cipher = createCipher(env.DATA_KEY.split(','));
  const retry: RetryPolicy = {
    attempts: env.JOB_ATTEMPTS,
    baseDelayMs: env.BACKOFF_DELAY_MS,
    maxDelayMs: 3_600_000,
  };
  const producer = createProducer({
    redis: clientRedis,
    prefix: config.queuePrefix,
    cipher,
    hashKey: env.DATA_KEY,
    retry,
    defaults: {
      agent_id: env.VCARE_AGENT_ID,
      agent_password: env.VCARE_AGENT_PASSWORD,
      source: env.VCARE_SOURCE,
    },
  });
  const deadLetters = new Queue(DEAD_LETTER_QUEUE, {
    connection: clientRedis,
    prefix: config.queuePrefix,
  });

  let client: VcareClient | undefined;
  let workers: Workers | undefined;
  if (workerRedis) {
    client = createVcareClient({
      baseUrl: options.vcareBaseUrl,
      timeoutMs: env.VCARE_TIMEOUT_MS,
      credentials: {
        vendor_id: env.VCARE_VENDOR_ID,
        username: env.VCARE_USERNAME,
        password: env.VCARE_PASSWORD,
        pin: env.VCARE_PIN,
      },
      redis: clientRedis,
      tokenPoolKey: `${config.queuePrefix}:vcare:tokens`,
      cipher,
    });
    workers = startWorkers({
      redis: workerRedis,
      prefix: config.queuePrefix,
      concurrency: env.WORKER_CONCURRENCY,
      client,
      cipher,
      queues: producer.queues,
      deadLetters,
      logger,
      retry,
    });
  }

  let server: Server | undefined;
  let url: string | undefined;
  if (options.api) {
    const app = createApp({
      producer,
      deadLetters,
      redis: clientRedis,
      apiKeys: env.API_KEYS,
      admin: { user: env.ADMIN_USER, password: env.ADMIN_PASSWORD },
      logger,
      workersReady: workers ? () => workers.workers.every((w) => w.isRunning()) : undefined,
    });
    server = await listen(app, env.PORT);
    const address = server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : env.PORT}`;
  }

  return {
    producer,
    deadLetters,
    client,
    workers,
    server,
    url,
    async close() {
      if (server) {
        const s = server;
        await new Promise<void>((resolve) => s.close(() => resolve()));
        s.closeAllConnections();
      }
      await workers?.close();
      await producer.close();
      await deadLetters.close();
      await Promise.all([clientRedis.quit(), workerRedis?.quit()]);
    },
  };
}

function listen(app: ReturnType<typeof createApp>, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, '0.0.0.0', (error?: Error) =>
      error ? reject(error) : resolve(server),
    );
  });
}

export type { Redis };
