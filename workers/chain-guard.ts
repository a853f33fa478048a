import { type Job, UnrecoverableError } from 'bullmq';
import type { OrderJobData } from '../src/queue/job-data.ts';
import { CHAIN_CANCELLED } from '../src/queue/order-status.ts';

/**
 * Whether a step of an order chain must fail instead of calling vCare, and then the error to
 * throw (its message is the reason `GET /v1/orders/:id` shows; the state is `cancelled`):
 * - the step was marked `chain_cancelled` when an earlier step's dead letter was discarded;
 * - or it was released although no earlier step completed: BullMQ releases a parent when its
 *   pending child is removed (by an operator, or by retention of a dead-lettered step), and a
 *   chain must not skip a step.
 * Before failing, the step releases the next one, which is cancelled in turn. Only the jobs
 * the chain planned are guarded: a replay of a step, or a Bull Board duplicate, runs as asked.
 */
export async function chainCancellation(
  job: Job,
  data: OrderJobData,
): Promise<UnrecoverableError | undefined> {
  const chain = data.meta.chain;
  if (!chain || chain.steps[chain.index]?.id !== job.id) return undefined;
  let reason = data.meta.chain_cancelled?.reason;
  if (!reason && chain.index > 0) {
    const { processed = 0 } = await job.getDependenciesCount({ processed: true });
    if (processed === 0)
      reason = `${CHAIN_CANCELLED}: step ${chain.index - 1} was removed before it completed`;
  }
  if (!reason) return undefined;
  if (job.parentKey) await job.removeChildDependency();
  const error = new UnrecoverableError(reason);
  // The reason is the whole of what Bull Board shows; this stack would only bury it.
  error.stack = `${error.name}: ${reason}`;
  return error;
}
