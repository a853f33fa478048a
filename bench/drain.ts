import { setTimeout as delay } from 'node:timers/promises';
import type { Queue } from 'bullmq';

export interface DrainResult {
  /** Jobs finished per second between 10 % and 90 % of the batch (warm-up and tail left out). */
  perSecond: number;
  failed: number;
  seconds: number;
  /** CPU the worker process used per job (ms), when known. */
  cpuMsPerJob?: number;
}

const pending = ['wait', 'active', 'delayed', 'prioritized', 'waiting-children'] as const;

/**
 * Watches `queue` work off the `total` jobs it holds and measures the steady-state rate.
 * Polls job counts (a few cheap Redis calls) so that the figure depends neither on events nor
 * on how long completed jobs are kept. `failedBefore`: jobs already failed before these.
 */
export async function measureDrain(
  queue: Queue,
  total: number,
  timeoutMs: number,
  failedBefore = 0,
): Promise<DrainResult> {
  const started = performance.now();
  const deadline = started + timeoutMs;
  const low = Math.ceil(total * 0.1);
  const high = Math.floor(total * 0.9);
  let from: { at: number; done: number } | undefined;
  let to: { at: number; done: number } | undefined;
  let failed = 0;
  for (;;) {
    const counts = await queue.getJobCounts(...pending, 'failed');
    const at = performance.now();
    const left = pending.reduce((sum, state) => sum + (counts[state] ?? 0), 0);
    const done = total - left;
    failed = (counts.failed ?? 0) - failedBefore;
    if (!from && done >= low) from = { at, done };
    if (!to && done >= high) to = { at, done };
    if (left === 0) break;
    if (at > deadline)
      throw new Error(`${queue.name}: ${left} of ${total} jobs left after ${timeoutMs} ms`);
    await delay(25);
  }
  const end = performance.now();
  const span = from && to && to.at > from.at ? to : { at: end, done: total };
  const start = from ?? { at: started, done: 0 };
  return {
    perSecond: ((span.done - start.done) * 1000) / Math.max(1, span.at - start.at),
    failed,
    seconds: (end - started) / 1000,
  };
}
