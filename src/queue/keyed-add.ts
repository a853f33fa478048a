import type { JobsOptions, Queue } from 'bullmq';
import type { OrderJobData } from './job-data.ts';
import type { OrderQueueName } from './names.ts';

/** An order about to be added under the job id its idempotency key maps to. */
export interface KeyedOrder {
  /** Job name: the vCare action. */
  name: string;
  queue: OrderQueueName;
  data: OrderJobData;
  opts: JobsOptions;
}

/**
 * What a keyed add came to: `accepted` (this submission created the job), `duplicate` (an equal
 * body holds the id), `conflict` (another body, or another action, holds it).
 */
export type KeyedOutcome = 'accepted' | 'duplicate' | 'conflict';

type Queues = ReadonlyMap<OrderQueueName, Queue>;

/**
 * Whether an order queue other than the order's own holds its job id: the key was used for
 * another action. BullMQ job ids are unique per queue only, so this is checked by us.
 */
export async function heldElsewhere(queues: Queues, order: KeyedOrder): Promise<boolean> {
  const id = order.opts.jobId as string;
  const others = [...queues].filter(([name]) => name !== order.queue).map(([, q]) => q);
  const found = await Promise.all(others.map((q) => q.getJob(id)));
  return found.some((job) => job !== undefined);
}

/**
 * Call after adding a keyed order (alone or in an `addBulk`). BullMQ's add is atomic and
 * ignores an id that exists, so among concurrent adds with one key exactly one creates the
 * job, and the stored job carries that one's nonce: only that submission is `accepted`.
 */
export async function settleKeyedAdd(queues: Queues, order: KeyedOrder): Promise<KeyedOutcome> {
  const queue = queues.get(order.queue) as Queue;
  const id = order.opts.jobId as string;
  for (let tries = 0; tries < 3; tries++) {
    const stored = await queue.getJob(id);
    if (stored) {
      const meta = (stored.data as Partial<OrderJobData> | undefined)?.meta;
      if (meta?.nonce === order.data.meta.nonce) return claimAcrossQueues(queues, queue, order);
      if (stored.name !== order.name || meta?.body_hash !== order.data.meta.body_hash)
        return 'conflict';
      return 'duplicate';
    }
    // The job holding the id was removed between our add (then ignored) and this read: the
    // key is free again, so add once more rather than answer for an order never queued.
    await queue.add(order.name, order.data, order.opts);
  }
  // Still gone: each add found the id free, so ours was queued (and removed since).
  return 'accepted';
}

/**
 * Our job was created, but a concurrent submission with the same key and another action may
 * have created one in another queue. Then ours is withdrawn and answered as a conflict; when
 * a worker already holds it (remove answers 0), it stands and is `accepted`.
 */
async function claimAcrossQueues(
  queues: Queues,
  queue: Queue,
  order: KeyedOrder,
): Promise<KeyedOutcome> {
  if (!(await heldElsewhere(queues, order))) return 'accepted';
  const removed = await queue.remove(order.opts.jobId as string);
  return removed === 1 ? 'conflict' : 'accepted';
}
