import type { Job, Queue } from 'bullmq';
import { deadLetterId } from './names.ts';
import { chainOf } from './order-chain.ts';

export type OrderState =
  | 'waiting'
  | 'active'
  | 'delayed'
  | 'completed'
  | 'failed'
  | 'dead_lettered'
  /** A chain step that never ran: an earlier step was discarded (`error` says which). */
  | 'cancelled';

/** The newest order of a replay chain, as `latest` of `GET /v1/orders/:id`. */
export interface LatestOrder {
  id: string;
  queue: string;
  state: OrderState;
  attempts: number;
  result?: unknown;
  error?: string;
  dead_letter_id?: string;
}

/**
 * What `GET /v1/orders/:id` and `vcare-orders status` report.
 *
 * A dead-lettered order that was replayed keeps `state: 'dead_lettered'` and its
 * `dead_letter_id`, and gains `replayed_as` (the order its entry was last replayed as) and
 * `latest`: the newest order of the chain (a replay that was itself dead-lettered and
 * replayed is followed), so a producer learns the final outcome from the id it holds.
 * `latest` is absent while the replay's job cannot be found (removed by retention).
 */
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
  /** This order is a replay of that dead-letter entry. */
  replay_of?: string;
  latest?: LatestOrder;
  /** This order is step `index` of the chain `id` (`GET /v1/orders/<id>` shows the chain). */
  chain?: { id: string; index: number };
}

/** How the failure reason of a cancelled chain step starts (see workers/chain-guard.ts). */
export const CHAIN_CANCELLED = 'chain_cancelled';

/** Longest replay chain followed; beyond it `latest` is the last order reached. */
const MAX_CHAIN = 20;

/** Finds an order in whichever order queue holds it; undefined when none does. */
export async function getOrderStatus(
  queues: Iterable<Queue>,
  deadLetters: Queue,
  id: string,
): Promise<OrderStatus | undefined> {
  const list = [...queues];
  const status = await statusOf(list, deadLetters, id);
  if (!status?.replayed_as) return status;
  let latest: OrderStatus | undefined;
  let next: string | undefined = status.replayed_as;
  for (let hop = 0; next && hop < MAX_CHAIN; hop += 1) {
    const found = await statusOf(list, deadLetters, next);
    if (!found) break;
    latest = found;
    next = found.replayed_as;
  }
  if (latest) status.latest = toLatest(latest);
  return status;
}

async function statusOf(
  queues: readonly Queue[],
  deadLetters: Queue,
  id: string,
): Promise<OrderStatus | undefined> {
  const found = await Promise.all(queues.map(async (q) => ({ queue: q, job: await q.getJob(id) })));
  const hit = found.find((f) => f.job);
  if (!hit?.job) return undefined;
  const raw = await (hit.job as Job).getState();
  // Read again after the state: a job that finished between the two reads would otherwise
  // show `completed` with the attempts and result of its active self.
  const job = ((await hit.queue.getJob(id)) ?? hit.job) as Job;
  const status: OrderStatus = {
    id,
    action: job.name,
    queue: hit.queue.name,
    state: mapState(raw),
    attempts: job.attemptsMade,
  };
  const replayOf = (job.data as { meta?: { replay_of?: unknown } } | undefined)?.meta?.replay_of;
  if (typeof replayOf === 'string') status.replay_of = replayOf;
  const chain = chainOf((job.data as { meta?: unknown } | undefined)?.meta);
  if (chain) status.chain = { id: chain.id, index: chain.index };
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
  // Marked when an earlier step was discarded: cancelled already, before a worker fails it.
  const cancelled = (job.data as { meta?: { chain_cancelled?: { reason?: unknown } } } | undefined)
    ?.meta?.chain_cancelled;
  if (cancelled && raw !== 'completed') {
    status.state = 'cancelled';
    status.error = String(cancelled.reason);
  } else if (raw === 'failed' && job.failedReason?.startsWith(CHAIN_CANCELLED)) {
    status.state = 'cancelled';
  }
  return status;
}

function toLatest(status: OrderStatus): LatestOrder {
  const { id, queue, state, attempts, result, error, dead_letter_id } = status;
  return {
    id,
    queue,
    state,
    attempts,
    ...(result !== undefined && { result }),
    ...(error !== undefined && { error }),
    ...(dead_letter_id !== undefined && { dead_letter_id }),
  };
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
