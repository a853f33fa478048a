import type { Job, ParentOptions, Queue } from 'bullmq';
import type { DeadLetterRef } from './dead-letter-store.ts';
import type { OrderJobData } from './job-data.ts';
import { chainOf } from './order-chain.ts';
import { CHAIN_CANCELLED } from './order-status.ts';

type Queues = ReadonlyMap<string, Queue>;

/**
 * How the replay of a dead-letter entry fits its order chain:
 * - `none`: the order is no chain step, or the chain's last one: a plain replay;
 * - `attach`: the replay becomes a child of the waiting next step (BullMQ `parent`), and once
 *   it is added `detach` (the failed run) stops being one, so the next step runs when the
 *   replay completes;
 * - `refused`: the chain no longer waits for this step.
 */
export type ChainAttachment =
  | { kind: 'none' }
  | { kind: 'attach'; parent: ParentOptions; detach: Job | undefined }
  | { kind: 'refused'; message: string };

/**
 * Replays get new job ids (a retry in place would reuse the dead-letter entry id of the failed
 * run, so a second failure could not be dead-lettered), so the next step, which waits on the
 * failed job, must be told about the new one. An entry replayed before is refused even with
 * `force`: its first replay is the step's run now, and has an entry of its own if it failed.
 */
export async function chainAttachment(
  queues: Queues,
  ref: DeadLetterRef,
): Promise<ChainAttachment> {
  const chain = chainOf(ref.entry.payload.meta);
  const next = chain?.steps[chain.index + 1];
  if (!(chain && next)) return { kind: 'none' };
  if (ref.entry.replayed_as) {
    const message = `chain step ${chain.index} was already replayed as ${ref.entry.replayed_as}; replay that run's own dead-letter entry if it failed`;
    return { kind: 'refused', message };
  }
  const parentQueue = queues.get(next.queue);
  const parent = await parentQueue?.getJob(next.id);
  const state = parent ? await parent.getState() : 'removed';
  if (!parentQueue || state !== 'waiting-children') {
    const message = `the chain no longer waits for step ${chain.index}: step ${chain.index + 1} is ${state}`;
    return { kind: 'refused', message };
  }
  const source = await queues.get(ref.entry.source_queue)?.getJob(ref.entry.source_job_id);
  return {
    kind: 'attach',
    parent: { id: next.id, queue: parentQueue.qualifiedName },
    detach: source?.parentKey ? source : undefined,
  };
}

/** The failure reason of the steps after a discarded one. */
export function cancelReason(index: number): string {
  return `${CHAIN_CANCELLED}: step ${index} discarded`;
}

/**
 * Cancels the steps after a discarded chain step: marks each waiting one `chain_cancelled`,
 * then releases the next step from the failed one. Workers then fail each marked step without
 * calling vCare, each releasing the one after it (workers/chain-guard.ts). Returns the ids of
 * the steps cancelled; none when the entry was replayed (the chain follows the replay now).
 */
export async function cancelChainAfter(queues: Queues, ref: DeadLetterRef): Promise<string[]> {
  const chain = chainOf(ref.entry.payload.meta);
  if (!chain || ref.entry.replayed_as) return [];
  const mark = { reason: cancelReason(chain.index), at: new Date().toISOString() };
  const cancelled: string[] = [];
  for (const step of chain.steps.slice(chain.index + 1)) {
    const job = await queues.get(step.queue)?.getJob(step.id);
    if (!job || (await job.getState()) !== 'waiting-children') continue;
    const data = job.data as OrderJobData;
    // Marked before any is released: a step runs only after this write.
    await job.updateData({ ...data, meta: { ...data.meta, chain_cancelled: mark } });
    cancelled.push(step.id);
  }
  const source = await queues.get(ref.entry.source_queue)?.getJob(ref.entry.source_job_id);
  if (cancelled.length > 0 && source?.parentKey) await source.removeChildDependency();
  return cancelled;
}
