import { type MinimalJob, type Queue, Worker } from 'bullmq';
import type { Logger } from '../src/log.ts';
import { CALLBACK_QUEUE, DEAD_LETTER_QUEUE, ORDER_QUEUES } from '../src/queue/names.ts';
import type { OrderSettled } from '../src/queue/order-settled.ts';
import { pipelinedTwin, type RedisClient, writeCoalescer } from '../src/queue/redis.ts';
import {
  DEFAULT_RETENTION,
  deadLetterRetention,
  orderRetention,
  type Retention,
} from '../src/queue/retention.ts';
import {
  backoffDelay,
  DEFAULT_RETRY_POLICY,
  policyFor,
  type RetryPolicy,
} from '../src/queue/retry-policy.ts';
import type { Cipher } from '../src/security/cipher.ts';
import type { VcareClient } from '../src/vcare/client.ts';
import { within } from '../src/within.ts';
import { createCallGate } from './call-gate.ts';
import { createCallPermits } from './call-permit.ts';
import { type CallbackProcessorDeps, createCallbackProcessor } from './callback-processor.ts';
import { type Circuit, type CircuitOptions, createCircuit } from './circuit.ts';
import { closeWorker } from './close-worker.ts';
import { createDeadLetterProcessor } from './dead-letter-processor.ts';
import { TransientVcareError } from './errors.ts';
import { createOrderProcessor } from './order-processor.ts';
import { scrubCompletedOrder } from './scrub-completed.ts';

export interface WorkersOptions {
  /** A worker-role connection (`maxRetriesPerRequest: null`); BullMQ duplicates it as needed. */
  redis: RedisClient;
  prefix: string;
  concurrency: number;
  client: VcareClient;
  cipher: Cipher;
  queues: ReadonlyMap<string, Queue>;
  deadLetters: Queue;
  logger: Logger;
  retry?: RetryPolicy;
  /** How long `close` waits for jobs in flight before abandoning them to stalled-job recovery. @defaultValue 25 000 ms */
  shutdownGraceMs?: number;
  /** How long completed orders and dead letters stay in Redis. @defaultValue DEFAULT_RETENTION */
  retention?: Retention;
  /** Job lock of the order workers; a killed worker's jobs rerun once it expires. @defaultValue 30 000 ms */
  lockDurationMs?: number;
  /** How often order workers look for stalled jobs. @defaultValue 30 000 ms */
  stalledIntervalMs?: number;
  /** Stalls an order survives before it is dead-lettered (see OrderProcessorDeps). @defaultValue 1 */
  maxStalls?: number;
  /** Told once per order reaching its final state (see OrderProcessorDeps). */
  onSettled?: (event: OrderSettled) => Promise<void>;
  /** Delivers status callbacks from the `callbacks` queue; no callback worker when absent. */
  callbacks?: CallbackProcessorDeps & { concurrency?: number };
  /** vCare calls started per second across every queue and process (VCARE_MAX_RPS). @defaultValue no cap */
  maxRps?: number;
  /** When vCare counts as down and how often it is probed then. @defaultValue DEFAULT_CIRCUIT */
  circuit?: Partial<CircuitOptions>;
}

export interface Workers {
  readonly workers: readonly Worker[];
  /** The vCare circuit breaker the order workers share with every other process (its state is a metric). */
  readonly circuit: Circuit;
  close(): Promise<void>;
}

/**
 * The order workers' limiter never limits by itself: it is there so that `queue.rateLimit`
 * pauses a queue for every worker (BullMQ ignores the pause without a limiter). What it would
 * count is the wrong thing for VCARE_MAX_RPS: job starts, per queue, including jobs sent back
 * without a call (busy enrollment, open circuit). The call permit counts calls across the four
 * queues instead, and pauses a queue through this limiter when the second is full.
 */
const PAUSE_ONLY_LIMITER = { max: 1_000_000_000, duration: 1000 };

export function startWorkers(options: WorkersOptions): Workers {
  const retry = options.retry ?? DEFAULT_RETRY_POLICY;
  const retention = options.retention ?? DEFAULT_RETENTION;
  const lockDurationMs = options.lockDurationMs ?? 30_000;
  // The workers' own scripts (enrollment locks, circuit, scrubs): many jobs issue them at the
  // same moment, and on this connection those of one event-loop turn leave in one write.
  const coordination = pipelinedTwin(options.redis, (error) =>
    options.logger.warn(
      { err: { message: error.message } },
      'redis connection error; reconnecting',
    ),
  );
  const circuit = createCircuit({
    ...options.circuit,
    redis: coordination,
    prefix: options.prefix,
  });
  const gate = createCallGate({
    circuit,
    permits: createCallPermits({
      redis: coordination,
      prefix: options.prefix,
      lockTtlMs: lockDurationMs,
      maxPerSecond: options.maxRps,
      onLost: (enrollmentId) =>
        options.logger.warn({ enrollment_id: enrollmentId }, 'enrollment lock lost during a call'),
    }),
    queues: options.queues,
    logger: options.logger,
  });
  const processOrder = createOrderProcessor({ ...options, gate });
  // BullMQ moves a job (one script call) right after its processor settles: the moves of the
  // jobs settled in one event-loop turn then leave in one write.
  const holdWrites = writeCoalescer(options.redis);
  const processor: typeof processOrder = (job, token, signal) =>
    processOrder(job, token, signal).finally(holdWrites);
  // The order as enqueued keeps its first delay; the queue's policy bounds every delay.
  const settings = (queue: string) => ({
    backoffStrategy: (attemptsMade: number, _type?: string, error?: Error, job?: MinimalJob) => {
      const policy = policyFor(retry, queue);
      const base =
        (job?.opts.backoff as { delay?: number } | undefined)?.delay ?? policy.baseDelayMs;
      const retryAfterMs = error instanceof TransientVcareError ? error.retryAfterMs : undefined;
      return backoffDelay(attemptsMade, { ...policy, baseDelayMs: base }, retryAfterMs);
    },
  });
  const workers = [
    ...ORDER_QUEUES.map(
      (name) =>
        new Worker(name, processor, {
          connection: options.redis,
          prefix: options.prefix,
          concurrency: options.concurrency,
          settings: settings(name),
          lockDuration: lockDurationMs,
          stalledInterval: options.stalledIntervalMs ?? 30_000,
          limiter: PAUSE_ONLY_LIMITER,
          // The processor bounds stalls itself (maxStalls), so that it writes the dead-letter
          // entry first: past BullMQ's own limit a job fails before any code of ours runs.
          maxStalledCount: Number.MAX_SAFE_INTEGER,
          ...orderRetention(retention),
        }),
    ),
    // Parks new entries; replays those an operator retried in Bull Board.
    new Worker(DEAD_LETTER_QUEUE, createDeadLetterProcessor({ ...options, retry }), {
      connection: options.redis,
      prefix: options.prefix,
      ...deadLetterRetention(retention),
    }),
    ...(options.callbacks
      ? [
          new Worker(CALLBACK_QUEUE, createCallbackProcessor(options.callbacks), {
            connection: options.redis,
            prefix: options.prefix,
            concurrency: options.callbacks.concurrency ?? 20,
          }),
        ]
      : []),
  ];
  for (const worker of workers) {
    worker.on('error', (error) =>
      options.logger.error({ err: error, queue: worker.name }, 'worker error'),
    );
  }
  const scrubCompleted = scrubCompletedOrder(options.logger, coordination);
  for (const worker of workers) {
    if ((ORDER_QUEUES as readonly string[]).includes(worker.name)) {
      worker.on('completed', scrubCompleted);
    }
  }

  return {
    workers,
    circuit,
    async close() {
      const grace = options.shutdownGraceMs ?? 25_000;
      // The jobs still running past the grace keep their locks until those expire; then
      // another worker reruns them, and a side-effecting one that may have sent its call is
      // dead-lettered.
      const ends = await Promise.all(workers.map((w) => closeWorker(w, grace)));
      if (ends.includes('redis-down')) {
        options.logger.warn(
          { grace_ms: grace },
          'Redis unreachable at shutdown; closed the workers without waiting for jobs in flight (stalled-job recovery reruns them)',
        );
      } else if (ends.includes('jobs-running')) {
        options.logger.warn(
          { grace_ms: grace },
          'jobs still running at shutdown; leaving them to stalled-job recovery',
        );
      }
      // Answered calls not yet counted, then the connection: each within a second, as a Redis
      // that is down would hold them forever (this connection waits out outages).
      await within(1000, circuit.flush()).catch(() => {});
      await within(1000, coordination.quit()).catch(() => {});
      coordination.disconnect();
    },
  };
}
