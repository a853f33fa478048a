import { createServer, type RequestListener, type Server } from 'node:http';
import { Queue } from 'bullmq';
import type { Express } from 'express';
import { CIRCUIT_STATE_VALUE } from '../workers/circuit.ts';
import { type Maintenance, startMaintenance } from '../workers/start-maintenance.ts';
import { startWorkers, type Workers } from '../workers/start-workers.ts';
import { createApiHandler } from './api/app.ts';
import { type HealthServer, startHealthServer } from './api/health-server.ts';
import type { Config } from './config.ts';
import type { Logger } from './log.ts';
import { createMetrics, type Metrics } from './metrics/metrics.ts';
import { enqueueCallback } from './queue/callbacks.ts';
import { CALLBACK_QUEUE, DEAD_LETTER_QUEUE } from './queue/names.ts';
import { createProducer, type Producer } from './queue/producer.ts';
import { createRedis, quietQueue } from './queue/redis.ts';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './queue/retry-policy.ts';
import { createCipher } from './security/cipher.ts';
import { createVcareClient, type VcareClient } from './vcare/client.ts';

export interface ServiceOptions {
  config: Config;
  logger: Logger;
  /** vCare base URL (the sandbox's when VCARE_BASE_URL is unset). */
  vcareBaseUrl: string;
  api: boolean;
  workers: boolean;
  /** The process's metrics. @defaultValue a fresh registry */
  metrics?: Metrics;
}

export interface Service {
  producer: Producer;
  deadLetters: Queue;
  /** Status callbacks to upstream (`callbacks` queue). */
  callbacks: Queue;
  metrics: Metrics;
  client: VcareClient | undefined;
  workers: Workers | undefined;
  /** Bound API server and its URL, when `api`. */
  server: Server | undefined;
  /** The express app behind the intake fast path (its routes are the API's, bar that one). */
  app: Express | undefined;
  url: string | undefined;
  /** Health and metrics server of a workers-only process (WORKER_HEALTH_PORT). */
  health: HealthServer | undefined;
  close(): Promise<void>;
}

/**
 * Composes the parts from one validated config: the intake API and/or the workers. Used by
 * `npm start`, `npm run api`, `npm run worker` and the tests alike.
 */
export async function startService(options: ServiceOptions): Promise<Service> {
  const { config, logger } = options;
  const { env } = config;
  const onRedisError = (role: string) => (error: Error) =>
    logger.warn({ role, err: { message: error.message } }, 'redis connection error; reconnecting');
  const clientRedis = createRedis(config.redisUrl, 'client', onRedisError('client'));
  const workerRedis = options.workers
    ? createRedis(config.redisUrl, 'worker', onRedisError('worker'))
    : undefined;
  const cipher = createCipher(config.dataKeys);
  const retry: RetryPolicy = {
    attempts: env.JOB_ATTEMPTS,
    baseDelayMs: env.BACKOFF_DELAY_MS,
    maxDelayMs: DEFAULT_RETRY_POLICY.maxDelayMs,
    queues: env.RETRY_POLICY,
  };
  const producer = createProducer({
    redis: clientRedis,
    prefix: config.queuePrefix,
    cipher,
    // The oldest key: adding a new key first (a rotation) leaves idempotency keys unchanged.
    hashKey: config.dataKeys.at(-1) as string,
    retry,
    defaults: {
      agent_id: env.VCARE_AGENT_ID,
      agent_password: env.VCARE_AGENT_PASSWORD,
      source: env.VCARE_SOURCE,
    },
  });
  const deadLetters = quietQueue(
    new Queue(DEAD_LETTER_QUEUE, { connection: clientRedis, prefix: config.queuePrefix }),
  );
  const metrics = options.metrics ?? createMetrics();
  // Read side (Bull Board, metrics): fails fast while Redis is down.
  const callbacks = quietQueue(
    new Queue(CALLBACK_QUEUE, { connection: clientRedis, prefix: config.queuePrefix }),
  );
  // Write side, on the worker connection: a settled order's callback add waits out a Redis
  // blip instead of failing (the order's own completion needs Redis anyway).
  const callbackOutbox = workerRedis
    ? quietQueue(new Queue(CALLBACK_QUEUE, { connection: workerRedis, prefix: config.queuePrefix }))
    : undefined;
  metrics.watchQueues([...producer.queues.values(), deadLetters, callbacks]);

  let client: VcareClient | undefined;
  let workers: Workers | undefined;
  let maintenance: Maintenance | undefined;
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
      onExchange: (event) =>
        metrics.recordVcareCall({
          action: event.module === 'authenticate' ? 'authenticate' : event.action,
          msgCode: event.outcome.msgCode,
          outcome: event.outcome.class,
          seconds: event.seconds,
        }),
    });
    const tokens = client.tokens;
    metrics.watchTokenPool(() => tokens.sharedSize());
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
      shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
      retention: {
        completedAgeMs: env.KEEP_COMPLETED_HOURS * 3_600_000,
        completedCount: env.KEEP_COMPLETED_COUNT,
        deadLetterAgeMs: env.KEEP_DEAD_LETTER_DAYS * 86_400_000,
      },
      lockDurationMs: env.WORKER_LOCK_DURATION_MS,
      stalledIntervalMs: env.WORKER_STALLED_INTERVAL_MS,
      maxStalls: env.WORKER_MAX_STALLS,
      maxRps: env.VCARE_MAX_RPS,
      circuit: {
        windowMs: env.VCARE_CIRCUIT_WINDOW_MS,
        minCalls: env.VCARE_CIRCUIT_MIN_CALLS,
        failureRatio: env.VCARE_CIRCUIT_FAILURE_RATIO,
        probeIntervalMs: env.VCARE_CIRCUIT_PROBE_INTERVAL_MS,
      },
      onSettled: async (event) => {
        metrics.recordOrderFinished(event.queue, event.state);
        if (event.reason) metrics.recordDeadLetter(event.queue, event.reason);
        if (callbackOutbox)
          await enqueueCallback(callbackOutbox, event, env.CALLBACK_BACKOFF_DELAY_MS);
      },
      callbacks: { secret: env.CALLBACK_SECRET, logger, metrics },
    });
    const circuit = workers.circuit;
    metrics.watchCircuit(async () => CIRCUIT_STATE_VALUE[await circuit.read()]);
    maintenance = await startMaintenance({
      redis: workerRedis,
      prefix: config.queuePrefix,
      deadLetters,
      orderQueues: [...producer.queues.values()],
      secretTtlMs: env.DEAD_LETTER_SECRET_TTL_HOURS * 3_600_000,
      cipher,
      logger,
      shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
    });
  }

  let server: Server | undefined;
  let app: Express | undefined;
  let url: string | undefined;
  if (options.api) {
    const api = createApiHandler({
      producer,
      deadLetters,
      redis: clientRedis,
      apiKeys: env.API_KEYS,
      admin: { user: env.ADMIN_USER, password: env.ADMIN_PASSWORD },
      logger,
      workersReady: workers ? () => workers.workers.every((w) => w.isRunning()) : undefined,
      metrics,
      callbacks,
      cipher,
      retry,
    });
    app = api.app;
    server = await listen(api.listener, env.PORT);
    const address = server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : env.PORT}`;
  }
  let health: HealthServer | undefined;
  if (!options.api && workers) {
    const running = workers;
    health = await startHealthServer(
      {
        redis: clientRedis,
        workersReady: () => running.workers.every((w) => w.isRunning()),
        metrics,
      },
      env.WORKER_HEALTH_PORT,
    );
  }

  return {
    producer,
    deadLetters,
    callbacks,
    metrics,
    client,
    workers,
    server,
    app,
    url,
    health,
    async close() {
      if (server) {
        const s = server;
        await new Promise<void>((resolve) => s.close(() => resolve()));
        s.closeAllConnections();
      }
      await health?.close();
      await Promise.all([workers?.close(), maintenance?.close()]);
      // No call in flight any more: leave this process's tokens to the next one.
      await client?.tokens.spill().catch((error: unknown) => {
        logger.warn({ err: error }, 'could not hand the vCare tokens to the shared pool');
      });
      // Not awaited: a call abandoned past the shutdown grace must not hold the process.
      void client?.close();
      await producer.close();
      await deadLetters.close();
      await callbacks.close();
      await callbackOutbox?.close();
      await Promise.all([clientRedis.quit(), workerRedis?.quit()]);
    },
  };
}

function listen(handler: RequestListener, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer(handler);
    server.once('error', reject);
    server.listen(port, '0.0.0.0', () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
