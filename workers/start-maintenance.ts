import { Queue, Worker } from 'bullmq';
import type { Logger } from '../src/log.ts';
import { MAINTENANCE_QUEUE } from '../src/queue/names.ts';
import { quietQueue, type RedisClient } from '../src/queue/redis.ts';
import { sweepExpiredSecrets } from '../src/queue/secret-sweep.ts';
import type { Cipher } from '../src/security/cipher.ts';
import { closeWorker } from './close-worker.ts';

/** Job scheduler id (and job name) of the sweep of expired dead-letter secrets. */
export const SECRET_SWEEP = 'sweep-expired-secrets';

export interface MaintenanceOptions {
  /** A worker-role connection (`maxRetriesPerRequest: null`). */
  redis: RedisClient;
  prefix: string;
  deadLetters: Queue;
  orderQueues: Iterable<Queue>;
  /** DEAD_LETTER_SECRET_TTL_HOURS in ms. */
  secretTtlMs: number;
  /** Moves kept secrets off rotated-out keys (see `sweepExpiredSecrets`). */
  cipher: Cipher;
  logger: Logger;
  /** How long `close` lets a sweep in flight finish (an abandoned one simply runs again). @defaultValue 25 000 ms */
  shutdownGraceMs?: number;
}

export interface Maintenance {
  readonly queue: Queue;
  readonly worker: Worker;
  close(): Promise<void>;
}

/**
 * Registers the secret sweep as a BullMQ job scheduler (an upsert: every worker process may
 * do it, one schedule results) and runs its jobs, one at a time. The sweep runs every quarter
 * of the TTL, between 1 s and 15 min, so a secret outlives its TTL by at most that much.
 */
export async function startMaintenance(options: MaintenanceOptions): Promise<Maintenance> {
  const { redis, prefix, logger } = options;
  const queue = quietQueue(new Queue(MAINTENANCE_QUEUE, { connection: redis, prefix }));
  const every = Math.min(15 * 60_000, Math.max(1_000, Math.round(options.secretTtlMs / 4)));
  await queue.upsertJobScheduler(
    SECRET_SWEEP,
    { every },
    { name: SECRET_SWEEP, opts: { removeOnComplete: true, removeOnFail: 20 } },
  );
  const worker = new Worker(
    MAINTENANCE_QUEUE,
    async () => {
      const swept = await sweepExpiredSecrets({
        redis,
        deadLetters: options.deadLetters,
        orderQueues: options.orderQueues,
        ttlMs: options.secretTtlMs,
        cipher: options.cipher,
      });
      if (swept.deadLetters + swept.failedOrders + swept.rewrapped > 0) {
        logger.info(swept, 'swept dead-letter secrets (scrubbed past their TTL, or re-encrypted)');
      }
      return swept;
    },
    { connection: redis, prefix, concurrency: 1 },
  );
  worker.on('error', (error) =>
    logger.error({ err: error, queue: MAINTENANCE_QUEUE }, 'worker error'),
  );
  worker.on('failed', (_job, error) =>
    logger.error({ err: { message: error.message } }, 'secret sweep failed; the next one retries'),
  );
  return {
    queue,
    worker,
    async close() {
      await closeWorker(worker, options.shutdownGraceMs ?? 25_000);
      await queue.close();
    },
  };
}
