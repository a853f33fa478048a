import type { Queue } from 'bullmq';
import { startBareWorker } from './bare.ts';
import type { Child } from './children.ts';
import { type Bench, bareQueue } from './context.ts';
import { type DrainResult, measureDrain } from './drain.ts';
import { benchOrder, vcareBody } from './orders.ts';
import { startOursWorkers } from './ours.ts';
import { deleteKeys } from './redis-memory.ts';

export interface WorkerFigures {
  ours: DrainResult;
  floor: DrainResult;
  practice: DrainResult;
  /** Our workers, still running (the end-to-end phase reuses them). */
  oursWorkers: Child;
}

/** Generous bound on a drain: 100 jobs/s plus start-up. */
export const drainTimeout = (jobs: number) => 30_000 + jobs * 10;

async function addBare(queue: Queue, count: number): Promise<void> {
  for (let done = 0; done < count; done += 1000) {
    const size = Math.min(1000, count - done);
    const jobs = Array.from({ length: size }, () => ({
      name: 'create_customer_prepaid',
      data: vcareBody(benchOrder()),
    }));
    await queue.addBulk(jobs);
  }
}

/**
 * Fast vCare (sandbox latency 0), same job count and concurrency: a bare worker against the
 * token-free sandbox (the floor), a bare worker authenticating before every call (common
 * practice), then our workers (`npm run worker`), `rounds` times; the best run of each counts.
 * The jobs are added first, then the worker process starts; the rate is taken between 10 %
 * and 90 % done.
 */
export async function workerPhase(bench: Bench): Promise<WorkerFigures> {
  const { workerJobs: jobs, workerConcurrency: concurrency, redisUrl, rounds } = bench.options;
  const queue = bareQueue(bench);
  // The rate, and the CPU the worker process spent per job meanwhile.
  const measured = async (child: Child, on: Queue, failedBefore = 0): Promise<DrainResult> => {
    const before = child.cpuMs();
    const result = await measureDrain(on, jobs, drainTimeout(jobs), failedBefore);
    const after = child.cpuMs();
    if (before === undefined || after === undefined) return result;
    return { ...result, cpuMsPerJob: (after - before) / jobs };
  };
  const bare = async (mode: 'floor' | 'practice', vcareUrl: string) => {
    await addBare(queue, jobs);
    const child = await startBareWorker({
      redisUrl,
      prefix: bench.barePrefix,
      mode,
      vcareUrl,
      concurrency,
    });
    try {
      return await measured(child, queue);
    } finally {
      await child.stop();
      await deleteKeys(bench.redis, `${bench.barePrefix}*`);
    }
  };
  const better = (a: DrainResult | undefined, b: DrainResult): DrainResult =>
    a && a.perSecond >= b.perSecond
      ? { ...a, failed: a.failed + b.failed }
      : { ...b, failed: b.failed + (a?.failed ?? 0) };
  let floor: DrainResult | undefined;
  let practice: DrainResult | undefined;
  let ours: DrainResult | undefined;
  try {
    for (let round = 1; ; round++) {
      floor = better(floor, await bare('floor', bench.sandbox.floor));
      practice = better(practice, await bare('practice', bench.sandbox.checked));
      const failedBefore = await bench.oursQueue.getFailedCount();
      await bench.enqueueOurs(jobs);
      const oursWorkers = await startOursWorkers(bench.ours, concurrency);
      ours = better(ours, await measured(oursWorkers, bench.oursQueue, failedBefore));
      // The last round's workers stay up: the end-to-end phase uses them.
      if (round >= rounds) return { ours, floor, practice, oursWorkers };
      await oursWorkers.stop();
    }
  } finally {
    await queue.close();
  }
}
