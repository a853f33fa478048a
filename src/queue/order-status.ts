import type { Job, Queue } from 'bullmq';
import { deadLetterId } from './names.ts';

export type OrderState =
  | 'waiting'
  | 'active'
  | 'delayed'
  | 'completed'
  | 'failed'
  | 'dead_lettered';

/** What `GET /v1/orders/:id` and `vcare-orders status` report. */
export interface OrderStatus {
  id: string;
  action: string;
  queue: string;
  state: OrderState;
  /** Attempts spent (token faults are not counted). */
  attempts: number;
  result?: unknown;
  error?: string;
  dead_letter_id?: string;
  replayed_as?: string;
}

/** Finds an order in whichever order queue holds it; undefined when none does. */
export async function getOrderStatus(
  queues: Iterable<Queue>,
  deadLetters: Queue,
  id: string,
): Promise<OrderStatus | undefined> {
  const found = await Promise.all(
    [...queues].map(async (q) => ({ queue: q, job: await q.getJob(id) })),
  );
  const hit = found.find((f) => f.job);
  if (!hit?.job) return undefined;
  const job = hit.job as Job;
  const raw = await job.getState();
  const status: OrderStatus = {
    id,
    action: job.name,
    queue: hit.queue.name,
    state: mapState(raw),
    attempts: job.attemptsMade,
  };
  if (raw === 'completed') status.result = job.returnvalue;
  if (raw === 'failed') {
    status.error = job.failedReason;
    const entryId = deadLetterId(hit.queue.name, id);
    const entry = await deadLetters.getJob(entryId);
    if (entry) {
      status.state = 'dead_lettered';
      status.dead_letter_id = entryId;
      const replayedAs = (entry.data as { replayed_as?: string }).replayed_as;
      if (replayedAs) status.replayed_as = replayedAs;
    }
  }
  return status;
}

function mapState(state: string): OrderState {
  switch (state) {
    case 'active':
    case 'delayed':
    case 'completed':
    case 'failed':
      return state;
    default:
      return 'waiting';
  }
}
