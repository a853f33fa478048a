import { type MinimalJob, type Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../src/log.ts';
import { DEAD_LETTER_QUEUE, ORDER_QUEUES } from '../src/queue/names.ts';
import { backoffDelay, DEFAULT_RETRY_POLICY, type RetryPolicy } from '../src/queue/retry-policy.ts';
import type { Cipher } from '../src/security/cipher.ts';
import type { VcareClient } from '../src/vcare/client.ts';
import { parkDeadLetter } from './dead-letter-processor.ts';
import { TransientVcareError } from './errors.ts';
import { createOrderProcessor } from './order-processor.ts';

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
}

export interface Workers {
  readonly workers: readonly Worker[];
  close(): Promise<void>;
}

export function startWorkers(options: WorkersOptions): Workers {
  const retry = options.retry ?? DEFAULT_RETRY_POLICY;
  const processor = createOrderProcessor(options);
  const settings = {
    backoffStrategy: (attemptsMade: number, _type?: string, error?: Error, job?: MinimalJob) => {
      const base =
        (job?.opts.backoff as { delay?: number } | undefined)?.delay ?? retry.baseDelayMs;
      const retryAfterMs = error instanceof TransientVcareError ? error.retryAfterMs : undefined;
      return backoffDelay(attemptsMade, { ...retry, baseDelayMs: base }, retryAfterMs);
    },
  };
  const workers = [
    ...ORDER_QUEUES.map(
      (name) =>
        new Worker(name, processor, {
          connection: options.redis,
          prefix: options.prefix,
          concurrency: options.concurrency,
          settings,
        }),
    ),
    new Worker(DEAD_LETTER_QUEUE, parkDeadLetter, {
      connection: options.redis,
      prefix: options.prefix,
    }),
  ];
  for (const worker of workers) {
    worker.on('error', (error) =>
      options.logger.error({ err: error, queue: worker.name }, 'worker error'),
    );
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
      if ((await Promise.race([graceful, deadline])) === 'late') {
        options.logger.warn(
          { grace_ms: grace },
          'jobs still running at shutdown; leaving them to stalled-job recovery',
        );
        await Promise.all(workers.map((w) => w.close(true)));
      }
      clearTimeout(timer);
    },
  };
}
