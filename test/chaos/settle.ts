import { setTimeout as delay } from 'node:timers/promises';
import { type JobType, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { DEAD_LETTER_QUEUE, ORDER_QUEUES } from '../../src/queue/names.ts';

const UNSETTLED: JobType[] = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children'];

/** The run's view of its queues, from Redis (read only). */
export interface QueueView {
  orders: Map<string, Queue>;
  deadLetters: Queue;
  /** Jobs not yet in a final state, per queue (dead-letter entries are parked as failed). */
  unsettled(): Promise<Record<string, number>>;
  close(): Promise<void>;
}

export function queueView(redis: Redis, prefix: string): QueueView {
  const orders = new Map(
    ORDER_QUEUES.map((name) => [name, new Queue(name, { connection: redis, prefix })]),
  );
  const deadLetters = new Queue(DEAD_LETTER_QUEUE, { connection: redis, prefix });
  return {
    orders,
    deadLetters,
    async unsettled() {
      const counts: Record<string, number> = {};
      for (const queue of [...orders.values(), deadLetters]) {
        const byState = await queue.getJobCounts(...UNSETTLED);
        const total = Object.values(byState).reduce((sum, n) => sum + n, 0);
        if (total > 0) counts[queue.name] = total;
      }
      return counts;
    },
    async close() {
      await Promise.all([...orders.values(), deadLetters].map((q) => q.close()));
    },
  };
}

/**
 * Waits until no job of any order queue (nor a dead-letter entry) is waiting, active or
 * delayed, seen twice in a row a second apart; gives up at `timeoutMs` and returns what is left.
 */
export async function settle(
  view: QueueView,
  timeoutMs: number,
  progress: (message: string) => void,
): Promise<Record<string, number>> {
  const deadline = Date.now() + timeoutMs;
  let quiet = 0;
  let lastReport = 0;
  for (;;) {
    let left: Record<string, number>;
    try {
      left = await view.unsettled();
    } catch {
      left = { redis: -1 };
    }
    const total = Object.values(left).reduce((sum, n) => sum + Math.abs(n), 0);
    quiet = total === 0 ? quiet + 1 : 0;
    if (quiet >= 2) return {};
    if (Date.now() > deadline) return left;
    if (Date.now() - lastReport > 10_000) {
      lastReport = Date.now();
      progress(`settling: ${JSON.stringify(left)}`);
    }
    await delay(total === 0 ? 1000 : 500);
  }
}
