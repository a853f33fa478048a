import { type MinimalJob, type Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../src/log.ts';
import { CALLBACK_QUEUE, DEAD_LETTER_QUEUE, ORDER_QUEUES } from '../src/queue/names.ts';
import type { OrderSettled } from '../src/queue/order-settled.ts';
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
import { type CallbackProcessorDeps, createCallbackProcessor } from './callback-processor.ts';
import { createDeadLetterProcessor } from './dead-letter-processor.ts';
import { TransientVcareError } from './errors.ts';
import { createOrderProcessor } from './order-processor.ts';
import { scrubCompletedOrder } from './scrub-completed.ts';

export interface WorkersOptions {
  /** A worker-role connection (`maxRetriesPerRequest: null`); BullMQ duplicates it as needed. */
  redis: Redis;
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
}

export interface Workers {
  readonly workers: readonly Worker[];
  close(): Promise<void>;
}

export function startWorkers(options: WorkersOptions): Workers {
  const retry = options.retry ?? DEFAULT_RETRY_POLICY;
  const retention = options.retention ?? DEFAULT_RETENTION;
  const processor = createOrderProcessor(options);
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
          lockDuration: options.lockDurationMs ?? 30_000,
          stalledInterval: options.stalledIntervalMs ?? 30_000,
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
  const scrubCompleted = scrubCompletedOrder(options.logger);
  for (const worker of workers) {
    if ((ORDER_QUEUES as readonly string[]).includes(worker.name)) {
      worker.on('completed', scrubCompleted);
    }
  }

  return {
    workers,
    async close() {
      const grace = options.shutdownGraceMs ?? 25_000;
      let timer: NodeJS.Timeout | undefined;
      const graceful = Promise.all(workers.map((w) => w.close()));
      const deadline = new Promise<'late'>((resolve) => {
        timer = setTimeout(() => resolve('late'), grace);
      });
      // close() is memoised: a later close(true) returns the pending graceful close, so past
      // the deadline we stop waiting instead. The jobs' locks expire and another worker
      // reruns them; a side-effecting one that may have sent its call is dead-lettered.
      if ((await Promise.race([graceful, deadline])) === 'late') {
        options.logger.warn(
          { grace_ms: grace },
          'jobs still running at shutdown; leaving them to stalled-job recovery',
        );
      }
      clearTimeout(timer);
    },
  };
}
